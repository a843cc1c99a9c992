"""Static files from the repository root, with the MIME types PyScript and Pyodide insist on.

    site = StaticSite(Path("/work/main"), hidden=[Path("data/collector.sqlite3")])
    response = site.response("/app/main.py")    # FileResponse, text/plain; charset=utf-8

``/`` is ``index.html``. Dot-files and dot-folders (``.git``, ``.venv``) and the top-level ``data/``
folder are never served, nor is anything outside the root (``..``, symlinks out). An unknown path
without a file extension, outside ``/api/``, ``/b/``, ``/node_modules/`` and ``/app/``, answers
``index.html`` so single-page-app deep links survive a reload. FileResponse handles Range requests.

Caching: every file carries an ETag and Last-Modified, and a request whose If-None-Match (or, without
it, If-Modified-Since) still matches answers 304 with no body. ``/node_modules/`` holds the pinned
npm packages (PyScript, Pyodide, MicroPython; their versions change only with package-lock.json), so
it is ``public, max-age=31536000, immutable``; everything else is ``no-cache`` (revalidated on every
use, cheap with the validators), so an edit to the app shows on the next reload.

Compiled modules: ``/dist/mpy/<module>.mpy`` is what scripts/build.py compiles from ``app/<module>.py``
for MicroPython pages (mpy.toml). A MicroPython page must never run stale code, so while the source is
newer than its .mpy (edited since the last build) the .mpy answers 409, and 404 while it is not built
at all, each saying to run ``npm run build``; PyScript then stops with "[409] Unable to fetch ...".

Compression: text, WebAssembly and MicroPython bytecode (``.wasm .js .mjs .zip .json .mpy`` and the
other text types) go out gzip-compressed to a client that accepts it, compressed once per file version
and kept in memory; Range requests and files that do not shrink go out as they are.

    site.response("/node_modules/pyodide/pyodide.asm.wasm", {"accept-encoding": "gzip, br"})
"""

import email.utils
import gzip
import mimetypes
import os
import threading
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

__all__ = ["MIME_TYPES", "StaticSite"]

# Explicit, because mimetypes depends on the host's /etc/mime.types: a browser refuses a module script
# that is not text/javascript, and WebAssembly.instantiateStreaming needs application/wasm.
MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".toml": "text/plain; charset=utf-8",
    ".py": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".zip": "application/zip",
    ".whl": "application/zip",
    ".tar": "application/x-tar",
    ".mpy": "application/octet-stream",
}
SPA_EXCLUDED = ("/api/", "/b/", "/node_modules/", "/app/")
HIDDEN_TOP_LEVEL = ("data",)

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = {
    ".wasm",
    ".js",
    ".mjs",
    ".zip",
    ".json",
    ".map",
    ".py",
    ".toml",
    ".html",
    ".css",
    ".txt",
    ".md",
}
COMPRESSIBLE |= {".svg", ".tar", ".mpy"}  # .mpy: about a third smaller gzipped
# scripts/build.py compiles app/<module>.py to dist/mpy/<module>.mpy (what mpy.toml lists).
COMPILED_URL = "/dist/mpy/"
COMPILED_FIX = "run `npm run build` (scripts/build.py), then reload"
MIN_COMPRESS_BYTES = 512
GZIP_LEVEL = 6  # level 9 takes about twice as long on the Pyodide wasm for a 1% smaller file
CACHE_LIMIT_BYTES = 64 * 1024 * 1024  # compressed bodies kept in memory (Pyodide's files: about 6 MB)


def mime_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return MIME_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _not_found(url_path: str) -> Response:
    if url_path.startswith("/api/"):
        return JSONResponse({"error": f"no API endpoint {url_path}"}, status_code=404)
    return PlainTextResponse("Not Found", status_code=404)


class StaticSite:
    def __init__(self, root: Path, hidden=()) -> None:
        self.root = Path(root).resolve()
        # The SQLite file and its -wal/-shm companions, should --db point inside the root.
        self.hidden = [str(Path(path).resolve()) for path in hidden]
        self._gzipped = {}  # (path, mtime_ns, size) -> gzip bytes
        self._gzipped_bytes = 0
        self._gzip_lock = threading.Lock()

    def response(self, url_path: str, request_headers=None) -> Response:
        """The answer to GET/HEAD ``url_path``; ``request_headers`` (a mapping) enables 304 and gzip."""
        headers = Headers(request_headers or {})
        real = self._resolve(url_path)
        if real is None:
            return _not_found(url_path)
        if url_path.startswith(COMPILED_URL) and url_path.endswith(".mpy"):
            refused = self._stale_compiled(url_path, real)
            if refused is not None:
                return refused
        try:
            if real.is_file():
                return self._file(real, url_path, headers)
            index = real / "index.html"
            if index.is_file():
                if not url_path.endswith("/"):
                    # Relative links in that index.html only resolve against a trailing slash.
                    return RedirectResponse(url_path + "/", status_code=307)
                return self._file(index, url_path, headers)
        except (OSError, ValueError):
            return _not_found(url_path)
        if self._is_spa_route(url_path) and (self.root / "index.html").is_file():
            return self._file(self.root / "index.html", url_path, headers)
        return _not_found(url_path)

    def _file(self, path: Path, url_path: str, headers: Headers) -> Response:
        stat = path.stat()
        response = FileResponse(path, media_type=mime_type(path.name), stat_result=stat)
        cache = {"cache-control": IMMUTABLE if url_path.startswith("/node_modules/") else REVALIDATE}
        compressible = os.path.splitext(path.name)[1].lower() in COMPRESSIBLE
        if compressible:
            cache["vary"] = "Accept-Encoding"
        response.headers.update(cache)
        validators = {"etag": response.headers["etag"], "last-modified": response.headers["last-modified"]}
        if _not_modified(headers, validators["etag"], stat.st_mtime):
            return Response(status_code=304, headers={**validators, **cache})
        if compressible and "range" not in headers and _accepts_gzip(headers.get("accept-encoding", "")):
            body = self._gzip(path, stat)
            if body is not None:
                # Another representation, so another ETag (RFC 9110 8.8.3); _not_modified accepts both.
                etag = validators["etag"][:-1] + '-gz"'
                return Response(
                    body,
                    media_type=mime_type(path.name),
                    headers={
                        **cache,
                        "etag": etag,
                        "last-modified": validators["last-modified"],
                        "content-encoding": "gzip",
                    },
                )
        return response

    def _stale_compiled(self, url_path: str, real: Path):
        """409 for a compiled module older than its source, 404 for one not built; None to serve it."""
        module = url_path[len(COMPILED_URL) : -len(".mpy")]
        try:
            source_mtime = (self.root / "app" / (module + ".py")).stat().st_mtime_ns
        except OSError:
            return None  # no such source here: an ordinary file (or an ordinary 404)
        try:
            compiled_mtime = real.stat().st_mtime_ns
        except OSError:
            return PlainTextResponse(
                f"{url_path[1:]} is not built: {COMPILED_FIX}",
                status_code=404,
                headers={"cache-control": REVALIDATE},
            )
        if compiled_mtime >= source_mtime:
            return None
        return PlainTextResponse(
            f"{url_path[1:]} is older than app/{module}.py: {COMPILED_FIX}",
            status_code=409,
            headers={"cache-control": REVALIDATE},
        )

    def _gzip(self, path: Path, stat):
        """The file gzip-compressed (cached per version), or None when it is too small or does not shrink."""
        if stat.st_size < MIN_COMPRESS_BYTES:
            return None
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        with self._gzip_lock:
            if key in self._gzipped:
                return self._gzipped[key]
        body = gzip.compress(path.read_bytes(), compresslevel=GZIP_LEVEL, mtime=0)
        if len(body) >= stat.st_size * 0.95:
            body = None
        with self._gzip_lock:
            size = len(body or b"")
            if self._gzipped_bytes + size > CACHE_LIMIT_BYTES:
                self._gzipped.clear()
                self._gzipped_bytes = 0
            self._gzipped[key] = body
            self._gzipped_bytes += size
        return body

    def _resolve(self, url_path: str):
        """The file or folder ``url_path`` names under the root, or None if it must not be served."""
        segments = [segment for segment in url_path.split("/") if segment]
        if any(segment.startswith(".") or "\\" in segment or "\0" in segment for segment in segments):
            return None
        if segments and segments[0] in HIDDEN_TOP_LEVEL:
            return None
        try:
            real = self.root.joinpath(*segments).resolve()
        except (OSError, RuntimeError):
            return None
        if not real.is_relative_to(self.root) or any(str(real).startswith(path) for path in self.hidden):
            return None
        return real

    @staticmethod
    def _is_spa_route(url_path: str) -> bool:
        if (url_path + "/").startswith(SPA_EXCLUDED):
            return False
        return "." not in url_path.rsplit("/", 1)[-1]


def _accepts_gzip(accept_encoding: str) -> bool:
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().replace(" ", "")
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
    return False


def _not_modified(headers: Headers, etag: str, mtime: float) -> bool:
    """RFC 9110 13.2.2: If-None-Match (weak comparison, either representation) wins over If-Modified-Since."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        wanted = {tag.strip().removeprefix("W/").replace('-gz"', '"') for tag in if_none_match.split(",")}
        return "*" in wanted or etag in wanted
    if_modified_since = headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return int(mtime) <= since
    return False
