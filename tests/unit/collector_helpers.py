"""Shared pieces for the collector tests: a throw-away site root, an in-process client, a live server.

with in_process(tmp_path) as (client, app):            # Starlette TestClient, no sockets
    client.get(hit_url("AQB=1&AQE=1"))
with live_server(tmp_path) as (url, app, server):      # real uvicorn on a free port, in a thread
    httpx.get(url + "api/health")
"""

import contextlib
import socket
import threading
import warnings
from pathlib import Path

from collector import create_app
from collector.server import CollectorServer

STARTUP_TIMEOUT_S = 15
SHUTDOWN_TIMEOUT_S = 15
INDEX_HTML = b"<!doctype html><title>demo</title>"

# Starlette 1.x nags that its TestClient wants httpx2; httpx 0.28 is what requirements pin.
warnings.filterwarnings("ignore", message=".*httpx2.*")
from starlette.testclient import TestClient  # noqa: E402


def hit_url(
    query: str = "AQB=1&AQE=1", rsid: str = "testrsid", path_tail: str = "1/JS-2.27.0/s45982307240157"
):
    return f"/b/ss/{rsid}/{path_tail}" + (f"?{query}" if query else "")


def site_root(base: Path) -> Path:
    """A small stand-in for the repo under ``base``: what the collector must serve, and what it must not."""
    root = base / "root"
    if root.exists():
        return root
    files = {
        "index.html": INDEX_HTML,
        "pyscript.toml": b'name = "demo"\n',
        "mpy.toml": b"[files]\n",
        "app/main.py": b"print('hi')\n",
        "app/style.css": b"body{}",
        "app/logo.png": b"\x89PNG\r\n\x1a\n",
        "app/bundle.zip": b"PK\x05\x06" + bytes(18),
        "node_modules/@pyscript/core/dist/core.js": b"export {};\n",
        "node_modules/@pyscript/core/dist/core.js.map": b"{}",
        "node_modules/pyodide/pyodide.mjs": b"export const x = 1;\n",
        "node_modules/pyodide/pyodide.asm.wasm": b"\x00asm\x01\x00\x00\x00",
        "node_modules/pyodide/pyodide-lock.json": b"{}",
        "tests/e2e/pages/demo/index.html": b"<!doctype html><title>page</title>",
        ".git/config": b"[core]\n",
        ".venv/pyvenv.cfg": b"home = /usr\n",
        ".gitignore": b"data/\n",
        "data/old.sqlite3": b"not really sqlite",
        "data/notes.txt": b"private",
    }
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (base / "secret.txt").write_bytes(b"outside the root")
    (root / "app" / "escape.txt").symlink_to(base / "secret.txt")
    return root


@contextlib.contextmanager
def in_process(base: Path, db_name: str = "hits.sqlite3"):
    app = create_app(base / db_name, site_root(base))
    try:
        with TestClient(app) as client:
            yield client, app
    finally:
        app.close()


@contextlib.contextmanager
def live_server(base: Path):
    """uvicorn on 127.0.0.1:0 in a daemon thread; stops (and must stop promptly) on exit."""
    app = create_app(base / "live.sqlite3", site_root(base))
    ready = threading.Event()
    urls = []
    server = CollectorServer(app, port=0, on_ready=lambda url: (urls.append(url), ready.set()))
    thread = threading.Thread(target=server.run, name="collector-uvicorn", daemon=True)
    thread.start()
    try:
        assert ready.wait(STARTUP_TIMEOUT_S), "uvicorn did not start listening"
        yield urls[0], app, server
    finally:
        server.should_exit = True
        thread.join(SHUTDOWN_TIMEOUT_S)
        app.close()
    assert not thread.is_alive(), "uvicorn did not shut down"


class StoreWatch:
    """Counts hits as the app stores them, so a test can wait for "stored" instead of sleeping."""

    def __init__(self, app) -> None:
        self._cond = threading.Condition()
        self.count = 0
        original = app.store.add

        def add(**hit):
            hit_id = original(**hit)
            with self._cond:
                self.count += 1
                self._cond.notify_all()
            return hit_id

        app.store.add = add
        original_async = app.store.add_async

        async def add_async(**hit):  # what the hit endpoint calls
            hit_id = await original_async(**hit)
            with self._cond:
                self.count += 1
                self._cond.notify_all()
            return hit_id

        app.store.add_async = add_async

    def wait_for(self, count: int, timeout_s: float = 10) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: self.count >= count, timeout_s), (
                f"{self.count} of {count} hits stored"
            )


def raw_request(url: str, request: bytes, timeout_s: float = 10) -> socket.socket:
    """Open a socket to the live server at ``url`` and send ``request`` as is (no client-side cleanup)."""
    host, port = url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=timeout_s)
    sock.sendall(request)
    return sock


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a reset counts as a close)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data
