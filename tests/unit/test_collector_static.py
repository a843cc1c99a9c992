"""Static files: MIME types, what is never served, traversal, the single-page-app fallback, ranges."""

import pytest

from collector import create_app
from tests.unit.collector_helpers import (
    INDEX_HTML,
    TestClient,
    in_process,
    live_server,
    raw_request,
    read_all,
)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/node_modules/pyodide/pyodide.mjs", "text/javascript; charset=utf-8"),
        ("/node_modules/@pyscript/core/dist/core.js", "text/javascript; charset=utf-8"),
        ("/node_modules/pyodide/pyodide.asm.wasm", "application/wasm"),
        ("/pyscript.toml", "text/plain; charset=utf-8"),
        ("/mpy.toml", "text/plain; charset=utf-8"),
        ("/app/main.py", "text/plain; charset=utf-8"),
        ("/node_modules/pyodide/pyodide-lock.json", "application/json"),
        ("/node_modules/@pyscript/core/dist/core.js.map", "application/json"),
        ("/app/style.css", "text/css; charset=utf-8"),
        ("/app/logo.png", "image/png"),
        ("/app/bundle.zip", "application/zip"),
        ("/tests/e2e/pages/demo/", "text/html; charset=utf-8"),
    ],
    ids=[
        "root",
        "html",
        "mjs",
        "js",
        "wasm",
        "pyscript toml",
        "mpy toml",
        "py",
        "json",
        "map",
        "css",
        "png",
        "zip",
        "page folder",
    ],
)
def test_files_are_served_with_the_mime_type_browsers_require(client, path, content_type):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


@pytest.mark.parametrize(
    "path",
    [
        "/.git/config",
        "/.venv/pyvenv.cfg",
        "/.gitignore",
        "/data/old.sqlite3",
        "/data/notes.txt",
        "/data/",
        "/data",
        "/..%2Fsecret.txt",
        "/%2e%2e/secret.txt",
        "/app/%2e%2e/%2e%2e/secret.txt",
        "/app/escape.txt",
        "/app/%00.py",
    ],
    ids=[
        ".git",
        ".venv",
        "dot-file",
        "data sqlite",
        "data file",
        "data folder",
        "data without slash",
        "encoded ../",
        "encoded ..",
        "encoded .. twice from a subfolder",
        "symlink out of the root",
        "nul byte",
    ],
)
def test_private_files_and_anything_outside_the_root_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"outside the root" not in response.content and response.content != INDEX_HTML


def test_the_database_file_is_never_served_even_inside_the_root(tmp_path):
    with in_process(tmp_path) as (_client, _app):
        pass  # builds the root
    app = create_app(tmp_path / "root" / "hits.sqlite3", tmp_path / "root")
    try:
        with TestClient(app) as client:
            assert client.get("/hits.sqlite3").status_code == 404
            assert client.get("/hits.sqlite3-wal").status_code == 404
    finally:
        app.close()


def test_a_literal_dot_dot_path_on_the_wire_is_refused(tmp_path):
    with live_server(tmp_path) as (url, _app, _server):
        request = b"GET /../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        with raw_request(url, request) as sock:
            answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 404 ")
    assert b"outside the root" not in answer


@pytest.mark.parametrize(
    "path",
    ["/products/42", "/products/42/", "/checkout", "/tests"],
    ids=["deep link", "deep link with slash", "one segment", "a folder without index.html"],
)
def test_unknown_extensionless_paths_answer_index_html_for_the_spa(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content == INDEX_HTML
    assert response.headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "/missing.js",
        "/products/42.json",
        "/api/nothing",
        "/api",
        "/b/whatever",
        "/node_modules/nothing",
        "/app/nothing",
    ],
    ids=["missing file", "deep link with extension", "api", "bare api", "b", "node_modules", "app"],
)
def test_other_unknown_paths_are_404(client, path):
    assert client.get(path).status_code == 404


def test_unknown_api_paths_answer_json(client):
    assert client.get("/api/nothing").json() == {"error": "no API endpoint /api/nothing"}


def test_a_folder_with_an_index_redirects_to_its_slash_form(client):
    response = client.get("/tests/e2e/pages/demo", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/tests/e2e/pages/demo/"


def test_range_requests_still_work(client):
    response = client.get("/node_modules/pyodide/pyodide.asm.wasm", headers={"Range": "bytes=0-3"})
    assert response.status_code == 206
    assert response.content == b"\x00asm"
    assert response.headers["content-range"] == "bytes 0-3/8"


def test_head_answers_headers_only_and_post_is_not_allowed(client):
    head = client.head("/app/main.py")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(b"print('hi')\n"))
    assert client.post("/app/main.py").status_code == 405
