#!/usr/bin/env bash
# `npm start`: set the checkout up if needed, then run the local collector serving the repo root.
#
#   npm start                       # -> Collector serving http://127.0.0.1:8000/
#   PORT=9000 npm start             # another port (0 picks a free one)
#   npm start -- --db /tmp/h.sqlite3   # extra arguments go to `python -m collector`
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
# dist/: the loader, wheel and archives for examples/embed/, and the compiled modules (dist/mpy/) that
# MicroPython pages load through mpy.toml; a second of work, less when little changed.
.venv/bin/python scripts/build.py >/dev/null
# exec: Ctrl-C and signals reach the server itself, not a wrapper shell.
exec .venv/bin/python -m collector --port "${PORT:-8000}" --root "$ROOT" "$@"
