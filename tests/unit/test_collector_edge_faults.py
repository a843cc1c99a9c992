"""Faults on the Edge stand-in (collector/edge.py): delay, hang and drop apply to Edge requests as to /b/ss/."""

import json

import httpx
import pytest

from tests.unit.collector_helpers import in_process, live_server

BODY = json.dumps({"events": [{"xdm": {}, "data": {"__adobe": {"analytics": {"pageName": "Home"}}}}]})
PATH = "ee/v1/interact?configId=ds1&requestId=r1"


def test_a_delay_fault_answers_the_edge_handles_after_the_delay(tmp_path):
    with in_process(tmp_path) as (client, _app):
        client.post("/api/faults", json={"rsid": "ds1", "action": "delay", "delay_ms": 50, "times": 1})
        answer = client.post("/" + PATH, content=BODY)
        assert answer.status_code == 200, (
            f"expected the normal answer after the delay, got {answer.status_code}"
        )
        assert [h["type"] for h in answer.json()["handle"]][0] == "identity:result", answer.text
        assert [r["status"] for r in client.get("/api/edge").json()["requests"]] == [200]


@pytest.mark.parametrize("action", ["hang", "drop"], ids=["hang", "drop"])
def test_hang_and_drop_answer_501_where_there_is_no_connection_to_hold(tmp_path, action):
    with in_process(tmp_path) as (client, _app):
        client.post("/api/faults", json={"rsid": "ds1", "action": action, "times": 1})
        answer = client.post("/" + PATH, content=BODY)
        assert answer.status_code == 501, f"expected 501 from the in-process app, got {answer.status_code}"
        assert answer.headers["content-type"].startswith("application/problem+json"), answer.headers


def test_drop_closes_an_edge_request_without_a_response_and_stores_it(tmp_path):
    with live_server(tmp_path) as (url, app, _server):
        httpx.post(url + "api/faults", json={"rsid": "ds1", "action": "drop", "times": 1})
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.post(url + PATH, content=BODY, timeout=10)
        stored = app.edge.requests()
        assert [r["status"] for r in stored] == [None], f"expected the dropped request stored, got {stored}"
        assert httpx.post(url + PATH, content=BODY, timeout=10).status_code == 200, (
            "the fault was for one request"
        )


def test_hang_holds_an_edge_request_until_the_client_gives_up(tmp_path):
    with live_server(tmp_path) as (url, app, _server):
        httpx.post(url + "api/faults", json={"rsid": "ds1", "action": "hang", "times": 1})
        # The client's read timeout is how the test sees "no answer"; the stored row says it arrived.
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(url + PATH, content=BODY, timeout=httpx.Timeout(10, read=1))
        assert [r["status"] for r in app.edge.requests()] == [None]
        assert httpx.get(url + "api/health", timeout=10).json() == {"ok": True}
