#!/usr/bin/env bash
# npm run build: the embeddable artifacts in dist/ (see scripts/build.py). Needs only Python 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=python3
exec "$PYTHON" scripts/build.py "$@"
