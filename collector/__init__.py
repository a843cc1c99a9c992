"""Local Adobe Analytics collection server: stores AppMeasurement hits in SQLite and serves the demo.

Why Starlette + uvicorn: Starlette is a small ASGI toolkit with a FileResponse that does Range and HEAD,
and an in-process TestClient; uvicorn is an asyncio server, so a delayed or hanging hit is a parked
coroutine that never blocks other requests, and its raw connection lets a fault drop it unanswered.

    python -m collector --port 0 --db /tmp/hits.sqlite3     # -> Collector serving http://127.0.0.1:PORT/

    from collector import create_app                          # in-process, for tests
    app = create_app("/tmp/hits.sqlite3", root=".")

    from collector import launch                              # a real server process, for e2e/benchmarks
    with launch() as collector:                               # collector.url, .hits(), .wait_for_hits()
        ...
"""

import importlib.util
import sys
from pathlib import Path

# The collector reads hits with the library's own parser (appmeasurement.parse). The library lives
# in app/ (served to the browser as source, never installed), and `python -m collector` runs from
# the repo root, where app/ is not on sys.path: add it when the package is not importable already
# (pytest and the demo's tooling put it there themselves).
if importlib.util.find_spec("appmeasurement") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "app"))

from collector.app import create_app  # noqa: E402
from collector.launcher import Collector, CollectorStartError, launch  # noqa: E402

__all__ = ["Collector", "CollectorStartError", "create_app", "launch"]
