#!/usr/bin/env bash
# `npm run bench`: the performance table (benchmarks/bench.py) on this machine.
#
#   npm run bench                 # the full run (about 8 minutes on a 2-core machine)
#   npm run bench -- --quick      # a smoke run (about a minute)
#   npm run bench -- --sections collector
#
# Needs what `npm test` sets up (node_modules, .venv, a Chromium); prints the table and writes
# benchmarks/results/latest.json.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ ! -x .venv/bin/python ] || [ ! -d node_modules/pyodide ]; then
    echo "npm run bench: run 'npm test' (or 'npm run setup') first to install node_modules, .venv and Chromium" >&2
    exit 1
fi
if [ -z "${CHROMIUM_PATH:-}" ]; then
    CHROMIUM_PATH="$(.venv/bin/python tests/e2e/chromium.py)"
    export CHROMIUM_PATH
fi
exec .venv/bin/python benchmarks/bench.py "$@"
