"""Command line: ``python -m collector [--host 127.0.0.1] [--port 8000] [--db PATH] [--root DIR]``.

Prints exactly one line to stdout once listening, e.g. ``Collector serving http://127.0.0.1:8000/``
(``--port 0`` picks a free port; read the line to learn it). Logs go to stderr.
"""

import argparse
import sqlite3
import sys
from pathlib import Path

from collector.app import DEFAULT_ROOT, create_app
from collector.server import CollectorServer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m collector", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one (default 8000)")
    parser.add_argument("--db", type=Path, help="SQLite file (default ROOT/data/collector.sqlite3)")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="folder to serve (default the repo)")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        parser.error(f"--root {args.root} is not a folder")
    db = args.db or args.root / "data" / "collector.sqlite3"
    try:
        app = create_app(db, args.root)
    except (OSError, sqlite3.Error) as exc:
        parser.error(f"--db {db}: {exc}")

    def announce(url: str) -> None:
        print(f"Collector serving {url}", flush=True)

    try:
        CollectorServer(app, host=args.host, port=args.port, on_ready=announce).run()
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl+C after its graceful shutdown
        return 130
    finally:
        app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
