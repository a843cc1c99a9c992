"""The collection endpoint /b/ss/...: transports, the GIF answer, storage, bad requests, the hits API."""

import concurrent.futures

import httpx
import pytest

from collector import create_app
from collector.app import GIF, MAX_BODY
from tests.unit.collector_helpers import TestClient, hit_url, in_process, live_server, raw_request, read_all

QUERY = "AQB=1&ndh=1&pageName=Home%20Page&c.&k=v&.c&AQE=1"


def stored(client, **params):
    response = client.get("/api/hits", params=params)
    assert response.status_code == 200
    return response.json()["hits"]


@pytest.mark.parametrize(
    ("method", "url", "body", "transport"),
    [
        ("GET", hit_url(QUERY), None, "image"),
        ("POST", hit_url(""), QUERY.encode(), "post"),
        ("POST", hit_url(QUERY), b"", "beacon"),
    ],
    ids=["GET image beacon", "POST form body", "POST empty body (sendBeacon)"],
)
def test_each_request_form_is_stored_with_its_transport_label(client, method, url, body, transport):
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == 200
    [hit] = stored(client)
    assert hit["transport"] == transport
    assert hit["method"] == method
    assert hit["rsid"] == "testrsid"
    assert hit["path"] == "/b/ss/testrsid/1/JS-2.27.0/s45982307240157"
    assert hit["query"] == QUERY
    assert hit["status"] == 200
    assert hit["pairs"] == [["AQB", "1"], ["ndh", "1"], ["pageName", "Home Page"], ["c.k", "v"], ["AQE", "1"]]
    assert hit["context"] == {"c": {"k": "v"}}
    assert set(hit) == {
        "id",
        "received_at",
        "method",
        "transport",
        "rsid",
        "path",
        "query",
        "status",
        "pairs",
        "context",
    }


def test_a_hit_is_answered_with_a_transparent_one_pixel_gif_that_is_never_cached(client):
    response = client.get(hit_url())
    assert response.content == GIF
    assert len(GIF) == 43
    assert GIF[:6] == b"GIF89a" and GIF[6:10] == b"\x01\x00\x01\x00" and GIF[-1:] == b";"
    assert response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == "no-cache, no-store, must-revalidate, max-age=0"
    assert response.headers["pragma"] == "no-cache"
    assert response.headers["expires"] == "0"
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(
    ("path_tail", "rsid"),
    [
        ("1/JS-2.27.0/s45982307240157", "testrsid"),
        ("5.1/JS-2.27.0/s123", "testrsid"),
        ("1/JS-2.27.0-mytag/s1", "testrsid"),
    ],
    ids=["desktop", "mobile 5.1", "tag container suffix"],
)
def test_path_shapes_adobe_uses_are_accepted(client, path_tail, rsid):
    assert client.get(hit_url(path_tail=path_tail)).status_code == 200
    assert stored(client)[0]["path"].endswith(path_tail)


def test_a_multi_suite_rsid_keeps_its_comma_and_is_found_by_each_suite(client):
    client.get(hit_url(rsid="rs1,rs2"))
    client.get(hit_url(rsid="rs3"))
    assert [hit["rsid"] for hit in stored(client)] == ["rs1,rs2", "rs3"]
    assert [hit["rsid"] for hit in stored(client, rsid="rs2")] == ["rs1,rs2"]
    assert [hit["rsid"] for hit in stored(client, rsid="rs1,rs2")] == ["rs1,rs2"]
    assert stored(client, rsid="rs") == []


def test_the_raw_query_is_stored_exactly_as_received(client):
    query = "AQB=1&g=http%3A%2F%2Fx.test%2F%3Fa%3Db&v1=a+b&v2=%c3%a9&AQE=1"
    client.get(hit_url(query))
    [hit] = stored(client)
    assert hit["query"] == query
    assert hit["pairs"][1:4] == [["g", "http://x.test/?a=b"], ["v1", "a+b"], ["v2", "é"]]


def test_received_at_is_iso8601_utc_with_milliseconds(client):
    client.get(hit_url())
    received_at = stored(client)[0]["received_at"]
    assert len(received_at) == len("2025-01-31T12:00:00.123Z") and received_at.endswith("Z")
    assert received_at[10] == "T" and received_at[19] == "."


def test_hits_survive_a_restart_on_the_same_database_file(tmp_path):
    with in_process(tmp_path) as (client, _app):
        client.get(hit_url("AQB=1&pageName=before&AQE=1"))
    with in_process(tmp_path) as (client, _app):
        client.get(hit_url("AQB=1&pageName=after&AQE=1"))
        hits = stored(client)
    assert [(hit["id"], hit["pairs"][1][1]) for hit in hits] == [(1, "before"), (2, "after")]


BAD_REQUESTS = [
    ("GET", hit_url("AQB=1&k=%zz&AQE=1"), None, {}, 400),
    ("GET", hit_url("AQB=1&k=%E9&AQE=1"), None, {}, 400),
    ("GET", hit_url("AQB=1&c.&k=v&AQE=1"), None, {}, 400),
    ("GET", hit_url("AQB=1&.c&AQE=1"), None, {}, 400),
    ("GET", hit_url("AQB=1&c.&k=v&.d&AQE=1"), None, {}, 400),
    ("GET", hit_url("AQB=1&=v&AQE=1"), None, {}, 400),
    ("GET", hit_url("AQB=1&&AQE=1"), None, {}, 400),
    ("GET", hit_url("pageName=x&AQE=1"), None, {}, 400),
    ("GET", hit_url("AQB=1&pageName=x"), None, {}, 400),
    ("GET", hit_url(""), None, {}, 400),
    ("POST", hit_url(""), b"AQB=1&k=%zz&AQE=1", {}, 400),
    ("POST", hit_url(""), b"AQB=1&k=\xff&AQE=1", {}, 400),
    ("POST", hit_url("AQB=1&AQE=1"), b"AQB=1&AQE=1", {}, 400),
    ("POST", hit_url(""), b"AQB=1&AQE=1", {"Content-Length": "70000"}, 413),
    ("POST", hit_url(""), b"AQB=1&x=" + b"a" * MAX_BODY + b"&AQE=1", {}, 413),
    ("GET", "/b/ss/testrsid/1/JS-2.27.0/45982307240157?AQB=1&AQE=1", None, {}, 404),
    ("GET", "/b/ss/testrsid/1/s1?AQB=1&AQE=1", None, {}, 404),
    ("GET", "/b/ss/testrsid/1/JS-2.27.0/s12x?AQB=1&AQE=1", None, {}, 404),
    ("GET", "/b/ss/testrsid/1/JS-2.27.0/s1/extra?AQB=1&AQE=1", None, {}, 404),
    ("GET", "/b/ss/?AQB=1&AQE=1", None, {}, 404),
    ("PUT", hit_url(), b"AQB=1&AQE=1", {}, 405),
    ("DELETE", hit_url(), None, {}, 405),
    ("HEAD", hit_url(), None, {}, 405),
    ("OPTIONS", hit_url(), None, {}, 405),
]


@pytest.mark.parametrize(
    ("method", "url", "body", "headers", "status"),
    BAD_REQUESTS,
    ids=[
        "invalid percent-escape",
        "lone %E9 not utf-8",
        "unclosed context block",
        "close without open",
        "mismatched context block",
        "empty key",
        "empty part",
        "missing AQB=1",
        "missing AQE=1",
        "empty query",
        "POST body with bad escape",
        "POST body not utf-8",
        "POST query in URL and body",
        "Content-Length over 64 KiB",
        "body over 64 KiB without Content-Length",
        "cachebuster without s",
        "missing path segment",
        "cachebuster not digits",
        "extra path segment",
        "bare /b/ss/",
        "PUT",
        "DELETE",
        "HEAD",
        "OPTIONS",
    ],
)
def test_a_bad_request_gets_a_4xx_and_is_never_stored(client, method, url, body, headers, status):
    if body is not None and "Content-Length" not in headers and status == 413:
        body_iter = iter([body[:1000], body[1000:]])  # streamed: no Content-Length, the limit counts bytes
        response = client.request(method, url, content=body_iter, headers=headers)
    else:
        response = client.request(method, url, content=body, headers=headers)
    assert response.status_code == status
    if method != "HEAD":
        assert "error" in response.json()
    assert stored(client) == []


def test_a_body_of_exactly_64_kib_is_accepted(client):
    filler = MAX_BODY - len("AQB=1&x=&AQE=1")
    body = b"AQB=1&x=" + b"a" * filler + b"&AQE=1"
    assert len(body) == MAX_BODY
    assert client.post(hit_url(""), content=body).status_code == 200
    assert stored(client)[0]["transport"] == "post"


def test_an_unexpected_error_answers_json_500_and_the_server_keeps_serving(tmp_path):
    with in_process(tmp_path) as (client, app):
        original = app.store.add_async

        async def failing(**hit):
            return 1 / 0

        app.store.add_async = failing
        response = client.get(hit_url())
        assert response.status_code == 500
        assert response.json() == {"error": "internal error: ZeroDivisionError"}
        app.store.add_async = original
        assert client.get(hit_url()).status_code == 200
        assert len(stored(client)) == 1


def test_hits_api_filters_by_rsid_and_since_id_oldest_first(client):
    for rsid in ("a", "b", "a", "b"):
        client.get(hit_url(rsid=rsid))
    assert [hit["id"] for hit in stored(client)] == [1, 2, 3, 4]
    assert [hit["id"] for hit in stored(client, rsid="a")] == [1, 3]
    assert [hit["id"] for hit in stored(client, since_id=2)] == [3, 4]
    assert [hit["id"] for hit in stored(client, rsid="b", since_id=2)] == [4]
    assert stored(client, since_id=4) == []


@pytest.mark.parametrize(
    ("params", "deleted", "left"),
    [({}, 3, []), ({"rsid": "a"}, 2, ["b"]), ({"rsid": "zzz"}, 0, ["a", "b", "a"])],
    ids=["all", "one suite", "unknown suite"],
)
def test_deleting_hits_reports_the_count_and_keeps_the_rest(client, params, deleted, left):
    for rsid in ("a", "b", "a"):
        client.get(hit_url(rsid=rsid))
    assert client.delete("/api/hits", params=params).json() == {"deleted": deleted}
    assert [hit["rsid"] for hit in stored(client)] == left


def test_ids_keep_growing_after_a_delete_so_since_id_stays_meaningful(client):
    client.get(hit_url())
    client.delete("/api/hits")
    client.get(hit_url())
    assert [hit["id"] for hit in stored(client)] == [2]


@pytest.mark.parametrize(
    "params",
    [{"since_id": "x"}, {"since_id": "-1"}, {"rsid": ""}],
    ids=["since_id not a number", "negative since_id", "empty rsid"],
)
def test_hits_api_rejects_bad_filters(client, params):
    response = client.get("/api/hits", params=params)
    assert response.status_code == 400
    assert list(params)[0] in response.json()["error"]


def test_health(client):
    assert client.get("/api/health").json() == {"ok": True}


def test_concurrent_hits_over_real_http_are_all_stored_once(tmp_path):
    with live_server(tmp_path) as (url, app, _server):

        def send(n):
            with httpx.Client(base_url=url, timeout=10) as http:
                return [http.get(hit_url(f"AQB=1&v1={n}-{i}&AQE=1")).status_code for i in range(5)]

        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            statuses = [status for batch in pool.map(send, range(6)) for status in batch]
        assert statuses == [200] * 30
        hits = app.store.hits()
        assert sorted(hit["pairs"][1][1] for hit in hits) == sorted(
            f"{n}-{i}" for n in range(6) for i in range(5)
        )
        assert len({hit["id"] for hit in hits}) == 30


def test_the_live_server_refuses_an_oversized_body_before_it_arrives(tmp_path):
    with live_server(tmp_path) as (url, app, _server):
        head = f"POST {hit_url('')} HTTP/1.1\r\nHost: x\r\nContent-Length: {MAX_BODY + 1}\r\nConnection: close\r\n\r\n"
        with raw_request(url, head.encode()) as sock:  # the body is never sent: 413 must not wait for it
            answer = read_all(sock)
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert app.store.hits() == []


def test_create_app_makes_the_database_folder(tmp_path):
    app = create_app(tmp_path / "new" / "folder" / "hits.sqlite3", tmp_path)
    try:
        with TestClient(app) as client:
            assert client.get(hit_url()).status_code == 200
    finally:
        app.close()
    assert (tmp_path / "new" / "folder" / "hits.sqlite3").is_file()
