"""Fault injection: /api/faults validation, and status/delay/times/hang/drop as a hit sees them."""

import logging
import threading
import time

import httpx
import pytest

import collector.app
from collector.app import GIF
from tests.unit.collector_helpers import StoreWatch, hit_url, live_server, raw_request, read_all

HIT = hit_url("AQB=1&pageName=x&AQE=1", rsid="r")
RAW_HIT = f"GET {HIT} HTTP/1.1\r\nHost: x\r\n\r\n".encode()


def add_fault(client, **fault):
    response = client.post("/api/faults", json=fault)
    assert response.status_code == 200, response.text
    return response.json()["id"]


def statuses(client):
    return [hit["status"] for hit in client.get("/api/hits").json()["hits"]]


@pytest.mark.parametrize(
    ("fault", "fragments"),
    [
        ({"action": "explode"}, ["action", "'explode'"]),
        ({}, ["action", "None"]),
        ({"action": "status"}, ["status", "required"]),
        ({"action": "status", "status": 200}, ["status", "200"]),
        ({"action": "status", "status": 600}, ["status", "600"]),
        ({"action": "status", "status": "404"}, ["status", "'404'"]),
        ({"action": "status", "status": 404.0}, ["status", "404.0"]),
        ({"action": "status", "status": True}, ["status", "True"]),
        ({"action": "delay"}, ["delay_ms", "required"]),
        ({"action": "delay", "delay_ms": -5}, ["delay_ms", "-5"]),
        ({"action": "delay", "delay_ms": "100"}, ["delay_ms", "'100'"]),
        ({"action": "drop", "times": 0}, ["times", "0"]),
        ({"action": "drop", "times": -1}, ["times", "-1"]),
        ({"action": "drop", "rsid": ""}, ["rsid", "''"]),
        ({"action": "drop", "rsid": 7}, ["rsid", "7"]),
        ({"action": "drop", "delayMs": 5}, ["unknown field", "'delayMs'"]),
    ],
    ids=[
        "unknown action",
        "missing action",
        "status missing",
        "status not an error",
        "status too big",
        "status a string",
        "status a float",
        "status a bool",
        "delay_ms missing",
        "negative delay",
        "delay a string",
        "times zero",
        "times negative",
        "empty rsid",
        "rsid not a string",
        "unknown field",
    ],
)
def test_invalid_faults_are_400_naming_the_field_and_value(client, fault, fragments):
    response = client.post("/api/faults", json=fault)
    assert response.status_code == 400
    message = response.json()["error"]
    assert all(fragment in message for fragment in fragments), message
    assert client.get("/api/faults").json() == {"faults": []}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [(b"{not json", "not valid JSON"), (b"[1, 2]", "expected a JSON object"), (b"\xff", "not valid JSON")],
    ids=["not json", "a list", "not utf-8"],
)
def test_a_fault_body_that_is_not_a_json_object_is_400(client, body, fragment):
    response = client.post("/api/faults", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert fragment in response.json()["error"]


def test_faults_are_listed_normalised_and_cleared(client):
    first = add_fault(client, action="status", status=503, times=2, rsid="r")
    second = add_fault(client, action="delay", delay_ms=10, status=None, times=None, rsid=None)
    assert (first, second) == (1, 2)
    assert client.get("/api/faults").json() == {
        "faults": [
            {"id": 1, "rsid": "r", "action": "status", "status": 503, "delay_ms": None, "times": 2},
            {"id": 2, "rsid": None, "action": "delay", "status": None, "delay_ms": 10, "times": None},
        ]
    }
    assert client.delete("/api/faults").json() == {"deleted": 2}
    assert client.get("/api/faults").json() == {"faults": []}


@pytest.mark.parametrize("status", [404, 500, 503], ids=["404", "500", "503"])
def test_a_status_fault_answers_that_status_without_an_image_and_stores_it(client, status):
    add_fault(client, action="status", status=status)
    response = client.get(HIT)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/plain")
    assert response.content != GIF and len(response.content) < 100
    assert response.headers["access-control-allow-origin"] == "*"
    assert statuses(client) == [status]


def test_times_counts_down_then_the_fault_is_gone(client):
    add_fault(client, action="status", status=500, times=2)
    assert [client.get(HIT).status_code for _ in range(2)] == [500, 500]
    assert client.get("/api/faults").json() == {"faults": []}
    assert client.get(HIT).status_code == 200
    assert statuses(client) == [500, 500, 200]


def test_times_is_decremented_in_the_listing(client):
    add_fault(client, action="status", status=500, times=3)
    client.get(HIT)
    assert client.get("/api/faults").json()["faults"][0]["times"] == 2


def test_a_fault_without_times_lasts_until_cleared(client):
    add_fault(client, action="status", status=502, times=None)
    assert [client.get(HIT).status_code for _ in range(3)] == [502, 502, 502]
    client.delete("/api/faults")
    assert client.get(HIT).status_code == 200


@pytest.mark.parametrize(
    ("fault_rsid", "hit_rsid", "applies"),
    [
        ("r", "r", True),
        ("r", "other", False),
        ("r", "a,r", True),
        (None, "anything", True),
        ("r", "rr", False),
    ],
    ids=["same suite", "other suite", "member of a multi-suite hit", "null matches any", "no prefix match"],
)
def test_a_fault_applies_only_to_its_report_suite(client, fault_rsid, hit_rsid, applies):
    add_fault(client, action="status", status=500, rsid=fault_rsid)
    assert client.get(hit_url(rsid=hit_rsid)).status_code == (500 if applies else 200)


def test_the_first_matching_fault_in_creation_order_applies(client):
    add_fault(client, action="status", status=503, rsid="other", times=1)
    add_fault(client, action="status", status=500, rsid="r", times=1)
    add_fault(client, action="status", status=404, rsid=None, times=1)
    assert [client.get(HIT).status_code for _ in range(3)] == [500, 404, 200]
    assert client.get("/api/faults").json()["faults"][0]["rsid"] == "other"


def test_a_bad_hit_does_not_use_up_a_fault(client):
    add_fault(client, action="status", status=500, times=1)
    assert client.get(hit_url("AQB=1&k=%zz&AQE=1", rsid="r")).status_code == 400
    assert client.get(HIT).status_code == 500


def test_a_delay_fault_answers_the_gif_after_the_delay(client):
    add_fault(client, action="delay", delay_ms=300, times=1)
    started = time.monotonic()
    response = client.get(HIT)
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200 and response.content == GIF
    assert statuses(client) == [200]


def test_faults_accept_a_same_origin_fetch_json_post(client):
    response = client.post(
        "/api/faults",
        content=b'{"rsid": null, "action": "hang", "times": 1}',
        headers={"Content-Type": "application/json", "Origin": "http://testserver"},
    )
    assert response.json() == {"id": 1}


@pytest.mark.parametrize("action", ["hang", "drop"], ids=["hang", "drop"])
def test_hang_and_drop_answer_501_where_there_is_no_connection_to_hold(client, action):
    add_fault(client, action=action, times=1)
    assert client.get(HIT).status_code == 501
    assert statuses(client) == [501]


# Hang and drop need a real connection: uvicorn on a free port, in a thread.


@pytest.fixture
def live(tmp_path):
    with live_server(tmp_path) as (url, app, server):
        yield url, app, server


@pytest.fixture
def uvicorn_errors(caplog):
    """Error records uvicorn logs (its loggers don't propagate to caplog's root handler)."""
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(caplog.handler)
    try:
        yield lambda: [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]
    finally:
        logger.removeHandler(caplog.handler)


def test_drop_closes_the_connection_without_any_http_response(live, uvicorn_errors):
    url, app, _server = live
    httpx.post(url + "api/faults", json={"action": "drop", "times": 2})
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        httpx.get(url + HIT.lstrip("/"), timeout=10)
    with raw_request(url, RAW_HIT) as sock:
        assert read_all(sock) == b""  # not even a 500
    assert [hit["status"] for hit in app.store.hits()] == [None, None]
    assert httpx.get(url + HIT.lstrip("/"), timeout=10).content == GIF
    assert uvicorn_errors() == []  # no "ASGI callable returned without starting response"


def test_hang_never_answers_and_does_not_block_other_requests(live):
    url, app, _server = live
    watch = StoreWatch(app)
    httpx.post(url + "api/faults", json={"action": "hang", "rsid": "r", "times": 1})
    with raw_request(url, RAW_HIT) as sock:
        watch.wait_for(1)
        assert httpx.get(url + "api/health", timeout=10).json() == {"ok": True}
        assert httpx.get(url + hit_url(rsid="r").lstrip("/"), timeout=10).content == GIF
        sock.setblocking(False)
        with pytest.raises(BlockingIOError):
            sock.recv(1)  # still nothing from the server
    assert [hit["status"] for hit in app.store.hits()] == [None, 200]


def test_a_hang_ends_when_the_client_goes_away(live, monkeypatch):
    url, app, _server = live
    ended = []
    ended_event = threading.Event()
    original = collector.app._wait_for_end

    async def recording_wait(request, timeout_s=None):
        reason = await original(request, timeout_s)
        ended.append(reason)
        ended_event.set()
        return reason

    monkeypatch.setattr(collector.app, "_wait_for_end", recording_wait)
    watch = StoreWatch(app)
    httpx.post(url + "api/faults", json={"action": "hang", "times": 1})
    sock = raw_request(url, RAW_HIT)
    watch.wait_for(1)
    sock.close()
    assert ended_event.wait(10)
    assert ended == ["gone"]


def test_shutdown_is_not_blocked_by_a_hanging_request(tmp_path):
    with live_server(tmp_path) as (url, app, server):
        watch = StoreWatch(app)
        httpx.post(url + "api/faults", json={"action": "hang"})
        sock = raw_request(url, RAW_HIT)
        watch.wait_for(1)
        started = time.monotonic()
        server.should_exit = True
        answer = read_all(sock)  # returns once the server closes the connection
        sock.close()
    assert answer == b""  # closed without an HTTP response
    assert time.monotonic() - started < 4  # well before uvicorn's 5 s graceful-shutdown timeout
