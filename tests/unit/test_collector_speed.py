"""The collector's speed features: group commit of hits, cache validators, immutable caching, gzip.

Each hit's 200 is sent only once its row is committed (readable from another connection), and hits
that arrive together share a transaction; static files answer 304 to a matching validator, carry a
year-long immutable policy only under /node_modules/, and go out gzip-compressed to a client that
accepts it, byte-identical once decompressed.
"""

import concurrent.futures
import gzip
import sqlite3
import threading

import httpx
import pytest

from collector.store import HitStore
from tests.unit.collector_helpers import hit_url, in_process, live_server, site_root

HIT = {
    "method": "GET",
    "transport": "image",
    "rsid": "r",
    "path": "/b/ss/r/1/JS-2.27.0/s1",
    "query": "AQB=1&AQE=1",
    "status": 200,
    "pairs": [["AQB", "1"], ["AQE", "1"]],
    "context": {},
}
BIG_JS = ("export const words = [" + ",".join('"word%d"' % i for i in range(2000)) + "];\n").encode()
BIG_WASM = b"\x00asm\x01\x00\x00\x00" + bytes(range(256)) * 40 + b"\x00" * 20000


def _rows(db_path, page_names):
    """Which of page_names a fresh connection (so: only committed rows) can read."""
    db = sqlite3.connect(str(db_path))
    try:
        found = {row[0] for row in db.execute("SELECT query FROM hits")}
    finally:
        db.close()
    return {name for name in page_names if any("pageName=" + name + "&" in query for query in found)}


def test_concurrent_hits_are_each_committed_before_their_200(tmp_path):
    with live_server(tmp_path) as (url, app, _server):
        db_path = tmp_path / "live.sqlite3"
        names = ["p%d" % i for i in range(64)]

        def send(name):
            response = httpx.get(url.rstrip("/") + hit_url("AQB=1&pageName=%s&AQE=1" % name), timeout=10)
            # Read from another connection at once: a row still in an open transaction is invisible there.
            return response.status_code, _rows(db_path, [name])

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(send, names))
        late = [name for name, (status, seen) in zip(names, answers) if status != 200 or name not in seen]
        assert late == [], f"hits answered before their row was committed (or not 200): {late}"
        assert _rows(db_path, names) == set(names), "every hit of the batch is stored"
        assert app.store.stats()["rows"] == 64


def test_rows_waiting_together_share_one_transaction(tmp_path):
    store = HitStore(tmp_path / "hits.sqlite3")
    try:
        # While a reader holds the store, the writer cannot commit: the 20 adds pile up behind it.
        with store._lock:
            futures = [store.submit(**{**HIT, "query": "n=%d" % i}) for i in range(20)]
            assert not any(f.done() for f in futures), "nothing may be acknowledged before its commit"
        ids = [f.result(timeout=10) for f in futures]
        assert sorted(ids) == ids and len(set(ids)) == 20, f"ids in submission order, unique: {ids}"
        assert store.stats() == {"rows": 20, "batches": 1}, store.stats()
        assert [hit["query"] for hit in store.hits()] == ["n=%d" % i for i in range(20)]
    finally:
        store.close()


def test_adds_from_many_threads_are_all_stored_with_distinct_ids(tmp_path):
    store = HitStore(tmp_path / "hits.sqlite3")
    try:
        start = threading.Barrier(8)

        def add_many(worker):
            start.wait()
            return [store.add(**{**HIT, "query": "w=%d&i=%d" % (worker, i)}) for i in range(25)]

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            ids = [hit_id for chunk in pool.map(add_many, range(8)) for hit_id in chunk]
        assert len(set(ids)) == 200
        assert len(store.hits()) == 200
        assert store.stats()["rows"] == 200
    finally:
        store.close()


def test_a_closed_store_refuses_new_hits_and_has_written_the_queued_ones(tmp_path):
    store = HitStore(tmp_path / "hits.sqlite3")
    future = store.submit(**HIT)
    store.close()
    assert future.result(timeout=5) == 1, "a hit queued before close() is written"
    with pytest.raises(RuntimeError, match="closed"):
        store.submit(**HIT)
    store.close()  # idempotent


@pytest.fixture
def client(tmp_path):
    root = site_root(tmp_path)
    (root / "node_modules/pyodide/big.mjs").write_bytes(BIG_JS)
    (root / "node_modules/pyodide/big.asm.wasm").write_bytes(BIG_WASM)
    (root / "app/big.js").write_bytes(BIG_JS)
    with in_process(tmp_path) as (test_client, _app):
        yield test_client


@pytest.mark.parametrize(
    "path",
    [
        "/app/main.py",
        "/node_modules/pyodide/pyodide.mjs",
        "/node_modules/pyodide/big.asm.wasm",
        "/app/big.js",
        "/",
    ],
    ids=["app-file", "node-module", "compressed-wasm", "compressed-app-js", "index"],
)
def test_a_matching_validator_answers_304_without_a_body(client, path):
    first = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in (
        {"If-None-Match": etag},
        {"If-Modified-Since": modified},
        {"If-None-Match": '"x", ' + etag},
    ):
        again = client.get(path, headers={"Accept-Encoding": "gzip", **headers})
        assert (again.status_code, again.content) == (304, b""), f"{headers} -> {again.status_code}"
        assert again.headers["etag"] and again.headers["cache-control"] == first.headers["cache-control"]
    changed = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200, "a stale ETag gets the file"
    old = client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})
    assert old.status_code == 200, "an older date gets the file"


@pytest.mark.parametrize(
    "path, policy",
    [
        ("/node_modules/pyodide/pyodide.mjs", "public, max-age=31536000, immutable"),
        ("/node_modules/pyodide/big.asm.wasm", "public, max-age=31536000, immutable"),
        ("/node_modules/@pyscript/core/dist/core.js", "public, max-age=31536000, immutable"),
        ("/app/main.py", "no-cache"),
        ("/app/big.js", "no-cache"),
        ("/mpy.toml", "no-cache"),
        ("/", "no-cache"),
        ("/product/42", "no-cache"),
    ],
    ids=["pyodide-mjs", "pyodide-wasm", "pyscript-core", "app-py", "app-js", "toml", "index", "spa-route"],
)
def test_only_node_modules_are_cached_as_immutable(client, path, policy):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == policy, f"{path}: {response.headers['cache-control']}"


@pytest.mark.parametrize(
    "path, original",
    [
        ("/node_modules/pyodide/big.asm.wasm", BIG_WASM),
        ("/node_modules/pyodide/big.mjs", BIG_JS),
        ("/app/big.js", BIG_JS),
    ],
    ids=["wasm", "mjs", "js"],
)
def test_gzip_is_served_when_accepted_and_decompresses_to_the_file(client, path, original):
    # TestClient (httpx) would decode gzip itself; read the raw stream to see what was on the wire.
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert len(raw) < len(original), f"{len(raw)} compressed bytes for {len(original)}"
    assert gzip.decompress(raw) == original
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == original


@pytest.mark.parametrize(
    "path, headers",
    [
        ("/app/main.py", {"Accept-Encoding": "gzip"}),  # too small to be worth it
        ("/app/logo.png", {"Accept-Encoding": "gzip"}),  # not a compressible type
        ("/app/big.js", {"Accept-Encoding": "gzip;q=0"}),  # refused by the client
        ("/app/big.js", {"Accept-Encoding": "gzip", "Range": "bytes=0-9"}),  # ranges address the file
    ],
    ids=["small-file", "png", "q-zero", "range"],
)
def test_files_go_out_uncompressed_when_gzip_does_not_apply(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code in (200, 206)
    assert "content-encoding" not in response.headers, f"{path} {headers}"
