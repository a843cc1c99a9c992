"""Static files from the repository root, with the MIME types PyScript and Pyodide insist on.

    site = StaticSite(Path("/work/main"), hidden=[Path("data/collector.sqlite3")])
    response = site.response("/app/main.py")    # FileResponse, text/plain; charset=utf-8

``/`` is ``index.html``. Dot-files and dot-folders (``.git``, ``.venv``) and the top-level ``data/``
folder are never served, nor is anything outside the root (``..``, symlinks out). An unknown path
without a file extension, outside ``/api/``, ``/b/``, ``/node_modules/`` and ``/app/``, answers
``index.html`` so single-page-app deep links survive a reload. FileResponse handles Range requests.
"""

import mimetypes
import os
from pathlib import Path

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
}
SPA_EXCLUDED = ("/api/", "/b/", "/node_modules/", "/app/")
HIDDEN_TOP_LEVEL = ("data",)


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

    def response(self, url_path: str) -> Response:
        real = self._resolve(url_path)
        if real is None:
            return _not_found(url_path)
        try:
            if real.is_file():
                return FileResponse(real, media_type=mime_type(real.name), stat_result=real.stat())
            index = real / "index.html"
            if index.is_file():
                if not url_path.endswith("/"):
                    # Relative links in that index.html only resolve against a trailing slash.
                    return RedirectResponse(url_path + "/", status_code=307)
                return FileResponse(index, media_type=MIME_TYPES[".html"])
        except (OSError, ValueError):
            return _not_found(url_path)
        if self._is_spa_route(url_path) and (self.root / "index.html").is_file():
            return FileResponse(self.root / "index.html", media_type=MIME_TYPES[".html"])
        return _not_found(url_path)

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
