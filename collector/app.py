"""The collector's Starlette application: collection endpoint, JSON API, faults and static files.

    from starlette.testclient import TestClient
    app = create_app("/tmp/hits.sqlite3", root="/work/main")
    client = TestClient(app)
    client.get("/b/ss/myrsid/1/JS-2.27.0/s123?AQB=1&pageName=Home&AQE=1")   # 1x1 GIF
    client.get("/api/hits?rsid=myrsid").json()["hits"][0]["pairs"]          # [["AQB","1"], ...]
    app.close()

The ``drop`` and ``hang`` faults need the raw connection, which only uvicorn exposes (see
``CollectorApp``); under any other server (TestClient included) they answer 501 instead.
"""

import asyncio
import functools
import json
import logging
import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from collector import edge
from collector.csp import ContentSecurityPolicy
from collector.decode import QueryError, decode_hit
from collector.faults import FaultBook, FaultError
from collector.static import StaticSite
from collector.store import HitStore

__all__ = ["DEFAULT_ROOT", "GIF", "MAX_BODY", "CollectorApp", "create_app"]

log = logging.getLogger("collector")

DEFAULT_ROOT = Path(__file__).resolve().parent.parent
MAX_BODY = 64 * 1024
# The classic 43-byte transparent 1x1 GIF89a tracking pixel.
GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
_HIT_PATH = re.compile(r"/b/ss/(?P<rsid>[^/]+)/[^/]+/[^/]+/s[0-9]+")
_NO_CACHE = {
    "Cache-Control": "no-cache, no-store, must-revalidate, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
    "Access-Control-Allow-Origin": "*",
}
_TRANSPORT = "collector.transport"
_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_DROP_GRACE_S = 5.0


class _BadHit(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class StopSignal:
    """Set when the server shuts down, so a hanging or delayed request lets go instead of blocking it."""

    def __init__(self) -> None:
        self.stopped = False
        self._waiters: set = set()

    def stop(self) -> None:
        self.stopped = True
        for waiter in list(self._waiters):
            waiter.get_loop().call_soon_threadsafe(lambda w=waiter: w.done() or w.set_result(None))

    async def wait(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            if not self.stopped:
                await waiter
        finally:
            self._waiters.discard(waiter)


class CollectorApp(Starlette):
    """Starlette, plus the hit store, the faults, and a handle on each request's connection.

    ASGI has no way to close a connection without answering: uvicorn turns an exception into a 500.
    So, for ``drop``, we keep the asyncio transport behind uvicorn's ``send`` (a bound method of its
    request cycle) and abort it ourselves.
    """

    def __init__(self, store: HitStore, faults: FaultBook, site: StaticSite, routes) -> None:
        super().__init__(routes=routes)
        self.store = store
        self.faults = faults
        self.site = site
        self.stop_signal = StopSignal()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            scope[_TRANSPORT] = transport if hasattr(transport, "abort") else None
        await super().__call__(scope, receive, send)

    def close(self) -> None:
        self.stop_signal.stop()
        self.store.close()


def _error(status: int, message: str, headers=None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _guarded(endpoint):
    """Turn any unexpected exception into a JSON 500, so one bad request never takes the server down."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ClientDisconnect:
            return _error(400, "client disconnected before the request was complete")
        except Exception as exc:
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            return _error(500, f"internal error: {type(exc).__name__}")

    return guarded


async def _until_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _wait_for_end(request: Request, timeout_s=None) -> str:
    """Wait until the client goes away ("gone"), the server stops ("stopped") or ``timeout_s`` ("timeout")."""
    gone = asyncio.ensure_future(_until_disconnect(request.receive))
    stopped = asyncio.ensure_future(request.app.stop_signal.wait())
    try:
        done, _ = await asyncio.wait({gone, stopped}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        stopped.cancel()
    if gone in done and not gone.cancelled():
        gone.exception()  # a receive error also means the client is gone; don't leave it unretrieved
    return "stopped" if stopped in done else "gone" if gone in done else "timeout"


async def _drop(request: Request) -> Response:
    request.scope[_TRANSPORT].abort()
    # Let uvicorn see the disconnect first, so it discards the response below instead of writing
    # it into a dead transport (which asyncio logs as an error after a few attempts).
    try:
        await asyncio.wait_for(_until_disconnect(request.receive), _DROP_GRACE_S)
    except (asyncio.TimeoutError, OSError):
        pass
    return Response(status_code=204)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise _BadHit(400, f"Content-Length {declared!r} is not a number")
        if int(declared) > MAX_BODY:
            raise _BadHit(413, f"body of {declared} bytes is over the {MAX_BODY}-byte limit")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise _BadHit(413, f"body is over the {MAX_BODY}-byte limit")
    return bytes(body)


async def _receive_hit(request: Request) -> tuple:
    """``(transport, raw query)`` of a hit request, or _BadHit."""
    if len(request.scope["query_string"]) > MAX_BODY:
        # The same limit as a POST body: a longer GET is refused whole, never stored truncated.
        raise _BadHit(414, f"the URL query is over the {MAX_BODY}-byte limit")
    try:
        url_query = request.scope["query_string"].decode("utf-8")
    except UnicodeDecodeError:
        raise _BadHit(400, "the URL query is not UTF-8") from None
    if request.method == "GET":
        return "image", url_query
    body = await _read_body(request)
    if not body:
        return "beacon", url_query
    if url_query:
        raise _BadHit(400, "a POST hit carries its query in the URL or in the body, not both")
    try:
        return "post", body.decode("utf-8")
    except UnicodeDecodeError:
        raise _BadHit(400, "the body is not UTF-8") from None


@_guarded
async def collect(request: Request) -> Response:
    """``/b/ss/{rsid}/{version}/{library}/s{digits}``: validate, store, then answer (or fail on purpose)."""
    path = request.url.path
    match = _HIT_PATH.fullmatch(path)
    if not match:
        return _error(404, "expected /b/ss/{rsid}/{version}/{library}/s{digits}", _NO_CACHE)
    if request.method not in ("GET", "POST"):
        return _error(405, f"method {request.method} not allowed", {**_NO_CACHE, "Allow": "GET, POST"})
    try:
        transport, query = await _receive_hit(request)
        pairs, context = decode_hit(query)
    except _BadHit as exc:
        return _error(exc.status, str(exc), _NO_CACHE)
    except QueryError as exc:
        return _error(400, f"malformed hit: {exc}", _NO_CACHE)

    app: CollectorApp = request.app
    rsid = match["rsid"]
    fault = app.faults.take(rsid) or {"action": None}
    action, status = fault["action"], 200
    if action in ("hang", "drop") and request.scope[_TRANSPORT] is None:
        action, status = "status", 501  # no connection to hold or drop outside uvicorn
    elif action in ("hang", "drop"):
        status = None
    elif action == "status":
        status = fault["status"]
    # Stored before answering, so a client that sees the answer can already list the hit: this waits
    # for the commit of the transaction holding the row; requests that arrive together share one
    # COMMIT (group commit, see collector/store.py).
    await app.store.add_async(
        method=request.method,
        transport=transport,
        rsid=rsid,
        path=path,
        query=query,
        status=status,
        pairs=pairs,
        context=context,
    )
    if action == "drop":
        return await _drop(request)
    if action == "hang":
        if await _wait_for_end(request) == "stopped":
            return await _drop(request)
        return Response(status_code=204)  # the client is gone; nobody reads this
    if action == "status":
        return PlainTextResponse(f"collector fault: status {status}\n", status_code=status, headers=_NO_CACHE)
    if action == "delay" and await _wait_for_end(request, fault["delay_ms"] / 1000) == "gone":
        return Response(status_code=204)
    return Response(GIF, media_type="image/gif", headers=_NO_CACHE)


def _api_json(data, status: int = 200) -> JSONResponse:
    # The demo page polls these; a cached answer would hide new hits.
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


def _hit_filters(request: Request) -> tuple:
    rsid = request.query_params.get("rsid")
    if rsid == "":
        raise _BadHit(400, "rsid: empty (leave it out for all report suites)")
    since_id = request.query_params.get("since_id")
    if since_id is not None:
        if not since_id.isdigit():
            raise _BadHit(400, f"since_id: {since_id!r} is not a non-negative integer")
        since_id = int(since_id)
    return rsid, since_id


@_guarded
async def hits(request: Request) -> Response:
    try:
        rsid, since_id = _hit_filters(request)
    except _BadHit as exc:
        return _error(exc.status, str(exc))
    if request.method == "DELETE":
        return _api_json({"deleted": request.app.store.delete(rsid)})
    return _api_json({"hits": request.app.store.hits(rsid, since_id)})


@_guarded
async def faults(request: Request) -> Response:
    book: FaultBook = request.app.faults
    if request.method == "DELETE":
        return _api_json({"deleted": book.clear()})
    if request.method == "GET":
        return _api_json({"faults": book.list()})
    try:
        data = json.loads(await _read_body(request))
    except _BadHit as exc:
        return _error(exc.status, str(exc))
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        return _error(400, f"body: not valid JSON ({exc})")
    try:
        fault = book.add(data)
    except FaultError as exc:
        return _error(400, str(exc))
    return _api_json({"id": fault["id"]})


async def health(request: Request) -> Response:
    return _api_json({"ok": True})


@_guarded
async def static(request: Request) -> Response:
    # In the thread pool: the first request for a large file compresses it (once; then it is cached).
    return await run_in_threadpool(request.app.site.response, request.url.path, request.headers)


def create_app(db_path, root=None) -> CollectorApp:
    """The collector app storing hits in ``db_path`` and serving files from ``root`` (default: the repo)."""
    root = Path(root) if root is not None else DEFAULT_ROOT
    db_path = Path(db_path)
    routes = [
        Route("/api/health", health, methods=["GET"]),
        Route("/api/hits", hits, methods=["GET", "DELETE"]),
        Route("/api/faults", faults, methods=["GET", "POST", "DELETE"]),
        # Every common method reaches collect(), which answers 405 itself, with CORS headers.
        Route("/b/ss/{rest:path}", collect, methods=_ALL_METHODS),
        *edge.routes(),  # the Web SDK's Edge Network stand-in (collector/edge.py)
        Route("/{path:path}", static, methods=["GET", "HEAD"]),
    ]
    app = CollectorApp(HitStore(db_path), FaultBook(), StaticSite(root, hidden=[db_path]), routes)
    app.edge = edge.EdgeStore()
    app.add_middleware(ContentSecurityPolicy)  # every HTML page gets its CSP (collector/csp.py)
    return app
