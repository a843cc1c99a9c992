#!/usr/bin/env bash
# `npm test`: set up (npm packages, .venv, Chromium), then lint and run every test.
#
#   npm test                          # ruff format --check, ruff check, pytest tests (unit + e2e)
#   npm test -- -m "not e2e"          # extra arguments go to pytest
#   npm test -- tests/e2e -k "not mpy"
#
# Every step runs even if an earlier one failed (one run shows all problems); the exit status is non-zero
# if any failed. pytest's "no tests ran" (exit 5) counts as a failure: a suite that silently tests nothing
# must not pass.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
# The resolved browser is handed to pytest so the fixtures launch exactly the one that was checked.
CHROMIUM_PATH="$(bash scripts/ensure_chromium.sh)"
export CHROMIUM_PATH

failed=()

echo "== ruff format --check"
.venv/bin/ruff format --check . || failed+=("ruff format (fix: .venv/bin/ruff format .)")
echo "== ruff check"
.venv/bin/ruff check . || failed+=("ruff check")

echo "== pytest (chromium: $CHROMIUM_PATH)"
status=0
.venv/bin/python -m pytest "$@" || status=$?
case "$status" in
    0) ;;
    5) failed+=("pytest collected no tests (exit 5)") ;;
    *) failed+=("pytest (exit $status)") ;;
esac

if [ "${#failed[@]}" -gt 0 ]; then
    echo "npm test FAILED:" >&2
    printf '  - %s\n' "${failed[@]}" >&2
    exit 1
fi
