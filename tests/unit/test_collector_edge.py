"""The collector's Edge Network stand-in (collector/edge.py): routes, answers, cookies, CORS, faults, API."""

import json

import pytest

from collector.edge import DEFAULT_ORG_ID, analytics_variables, cookie_name, decode_identity_cookie
from tests.unit.collector_helpers import in_process

ORIGIN = "http://127.0.0.1:8000"
IDENTITY = cookie_name(DEFAULT_ORG_ID, "identity")
CLUSTER = cookie_name(DEFAULT_ORG_ID, "cluster")
CONSENT = cookie_name(DEFAULT_ORG_ID, "consent")
EVENT = {
    "xdm": {"eventType": "web.webpagedetails.pageViews"},
    "data": {"__adobe": {"analytics": {"eVar1": "a"}}},
}


def post(client, path, body, **headers):
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, content=text, headers={"Content-Type": "text/plain; charset=UTF-8", **headers})


def store_items(response):
    handles = response.json()["handle"]
    return {item["key"]: item for h in handles if h["type"] == "state:store" for item in h["payload"]}


@pytest.mark.parametrize(
    ("path", "action", "hint"),
    [
        ("/ee/v1/interact", "interact", None),
        ("/ee/or2/v1/interact", "interact", "or2"),
        ("/ee/v1/identity/acquire", "identity/acquire", None),
        ("/ee/va6/v1/privacy/set-consent", "privacy/set-consent", "va6"),
    ],
    ids=["interact", "interact with a location hint", "identity acquire", "set-consent with a hint"],
)
def test_edge_answers_handles_and_stores_the_request(tmp_path, path, action, hint):
    with in_process(tmp_path) as (client, _app):
        response = post(client, f"{path}?configId=ds1&requestId=r-1", {"events": [EVENT]})
        assert response.status_code == 200, (
            f"expected 200 from {path}, got {response.status_code}: {response.text}"
        )
        answer = response.json()
        assert answer["requestId"] == "r-1"
        types = [h["type"] for h in answer["handle"]]
        assert types == ["identity:result", "locationHint:result", "state:store"], f"handle types: {types}"
        assert {IDENTITY, CLUSTER} <= set(store_items(response)), "identity and cluster cookies expected"
        [stored] = client.get("/api/edge").json()["requests"]
        assert (stored["action"], stored["locationHint"], stored["configId"]) == (action, hint, "ds1")
        assert stored["queryKeys"] == ["configId", "requestId"]
        assert stored["analytics"] == [{"eVar1": "a"}]


def test_collect_answers_204_without_body(tmp_path):
    with in_process(tmp_path) as (client, _app):
        response = post(client, "/ee/v1/collect?configId=ds1&requestId=r", {"events": [EVENT]})
        assert (response.status_code, response.content) == (204, b"")
        assert client.get("/api/edge").json()["requests"][0]["status"] == 204


def test_the_ecid_is_minted_once_per_visitor(tmp_path):
    with in_process(tmp_path) as (client, _app):
        first = post(client, "/ee/v1/interact?configId=ds1&requestId=a", {"events": [EVENT]})
        ecid = first.json()["handle"][0]["payload"][0]["id"]
        assert len(ecid) == 38 and ecid.isdigit(), f"an ECID is 38 digits, got {ecid!r}"
        identity = store_items(first)[IDENTITY]["value"]
        assert decode_identity_cookie(identity) == ecid
        entries = {"meta": {"state": {"entries": [{"key": IDENTITY, "value": identity}]}}, "events": [EVENT]}
        again = post(client, "/ee/v1/interact?configId=ds1&requestId=b", entries)
        assert again.json()["handle"][0]["payload"][0]["id"] == ecid, (
            "the identity cookie in the state keeps the ECID"
        )
        client.cookies.set(IDENTITY, identity)
        by_header = post(client, "/ee/v1/interact?configId=ds1&requestId=c", {"events": [EVENT]})
        assert by_header.json()["handle"][0]["payload"][0]["id"] == ecid, "the Cookie header keeps the ECID"
        client.cookies.clear()
        other = post(client, "/ee/v1/interact?configId=ds1&requestId=d", {"events": [EVENT]})
        assert other.json()["handle"][0]["payload"][0]["id"] != ecid, "a new visitor gets a new ECID"


@pytest.mark.parametrize(
    ("consent", "cookie"),
    [
        ([{"standard": "Adobe", "version": "1.0", "value": {"general": "in"}}], "general=in"),
        ([{"standard": "Adobe", "version": "1.0", "value": {"general": "out"}}], "general=out"),
        ([{"standard": "Adobe", "version": "2.0", "value": {"collect": {"val": "n"}}}], "general=out"),
    ],
    ids=["adobe 1.0 in", "adobe 1.0 out", "adobe 2.0 collect n"],
)
def test_set_consent_writes_the_consent_cookie(tmp_path, consent, cookie):
    with in_process(tmp_path) as (client, _app):
        response = post(client, "/ee/v1/privacy/set-consent?configId=ds1&requestId=r", {"consent": consent})
        assert store_items(response)[CONSENT]["value"] == cookie


def test_a_registered_datastream_names_cookies_after_its_org(tmp_path):
    with in_process(tmp_path) as (client, _app):
        assert (
            client.post(
                "/api/edge/datastreams", json={"configId": "ds9", "orgId": "ORG9@AdobeOrg"}
            ).status_code
            == 200
        )
        response = post(client, "/ee/v1/interact?configId=ds9&requestId=r", {"events": [EVENT]})
        assert "kndctr_ORG9_AdobeOrg_identity" in store_items(response)


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        ("/ee/v1/interact?requestId=r", "{}", 400, "configId"),
        ("/ee/v1/interact?configId=ds1", "not json", 400, "not valid JSON"),
        ("/ee/v1/interact?configId=ds1", "[1]", 400, "JSON object"),
        ("/ee/v1/nothing?configId=ds1", "{}", 404, "Unknown Edge path"),
        ("/ee/v2/interact?configId=ds1", "{}", 404, "Unknown Edge path"),
    ],
    ids=["no configId", "body not JSON", "body not an object", "unknown action", "unknown version"],
)
def test_bad_requests_answer_problem_json(tmp_path, path, body, status, detail):
    with in_process(tmp_path) as (client, _app):
        response = post(client, path, body)
        assert response.status_code == status, (
            f"expected {status}, got {response.status_code}: {response.text}"
        )
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == status and detail in problem["detail"], f"problem: {problem}"


def test_credentialed_cors_echoes_the_exact_origin(tmp_path):
    with in_process(tmp_path) as (client, _app):
        preflight = client.options(
            "/ee/v1/interact?configId=ds1",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        )
        answer = post(client, "/ee/v1/interact?configId=ds1&requestId=r", {}, Origin=ORIGIN)
        for response in (preflight, answer):
            assert response.headers["access-control-allow-origin"] == ORIGIN
            assert response.headers["access-control-allow-credentials"] == "true"
        assert "Retry-After" in answer.headers["access-control-expose-headers"]


def test_a_status_fault_for_the_datastream_answers_problem_json_once(tmp_path):
    with in_process(tmp_path) as (client, _app):
        assert (
            client.post(
                "/api/faults", json={"rsid": "ds1", "action": "status", "status": 503, "times": 1}
            ).status_code
            == 200
        )
        failed = post(client, "/ee/v1/interact?configId=ds1&requestId=r", {"events": [EVENT]})
        assert failed.status_code == 503 and failed.json()["status"] == 503
        other = post(client, "/ee/v1/interact?configId=ds1&requestId=r", {"events": [EVENT]})
        assert other.status_code == 200, "the fault was for one request only"
        assert [r["status"] for r in client.get("/api/edge").json()["requests"]] == [503, 200]


def test_the_api_filters_and_deletes(tmp_path):
    with in_process(tmp_path) as (client, _app):
        for config in ("a", "b", "a"):
            post(client, f"/ee/v1/interact?configId={config}&requestId=r", {})
        assert [r["id"] for r in client.get("/api/edge?configId=a").json()["requests"]] == [1, 3]
        assert [r["id"] for r in client.get("/api/edge?since_id=2").json()["requests"]] == [3]
        assert client.get("/api/edge?since_id=x").status_code == 400
        assert client.delete("/api/edge?configId=a").json() == {"deleted": 2}
        assert [r["configId"] for r in client.get("/api/edge").json()["requests"]] == ["b"]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (
            {"data": {"__adobe": {"analytics": {"pageName": "P", "events": "event1"}}}},
            {"pageName": "P", "events": "event1"},
        ),
        (
            {
                "xdm": {
                    "web": {
                        "webInteraction": {"type": "download", "name": "Brochure", "URL": "http://x/b.pdf"}
                    }
                }
            },
            {"linkName": "Brochure", "linkURL": "http://x/b.pdf", "linkType": "d"},
        ),
        (
            {
                "xdm": {"web": {"webPageDetails": {"name": "X"}}},
                "data": {"__adobe": {"analytics": {"pageName": "Y"}}},
            },
            {"pageName": "Y"},
        ),
        ("not an event", {}),
    ],
    ids=["data object", "xdm link", "data object wins over xdm", "not an object"],
)
def test_analytics_variables_come_from_the_data_object_then_xdm(event, expected):
    assert analytics_variables(event) == expected
