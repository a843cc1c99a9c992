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

from collector.app import create_app
from collector.launcher import Collector, CollectorStartError, launch

__all__ = ["Collector", "CollectorStartError", "create_app", "launch"]
