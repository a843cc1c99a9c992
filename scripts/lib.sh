# Shared by the npm scripts (sourced, never run): the repo root, set-up, and step bookkeeping.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   setup                 # npm packages + .venv (no browser): what lint and the unit tests need
#   setup_with_chromium   # ... plus a Chromium, exported as CHROMIUM_PATH: what e2e tests and benchmarks need
#   run_lint; run_pytest -m "not e2e" "$@"; finish "npm run test:unit"
#
# Every step runs even if an earlier one failed (one run shows all problems); `finish` lists the failed
# ones and exits non-zero if there are any.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

failed=()

setup() {
    bash scripts/setup.sh
}

setup_with_chromium() {
    bash scripts/setup.sh
    # The resolved browser is handed on so the fixtures launch exactly the one that was checked.
    CHROMIUM_PATH="$(bash scripts/ensure_chromium.sh)"
    export CHROMIUM_PATH
}

run_lint() {
    echo "== ruff format --check"
    .venv/bin/ruff format --check . || failed+=("ruff format (fix: .venv/bin/ruff format .)")
    echo "== ruff check"
    .venv/bin/ruff check . || failed+=("ruff check")
}

# pytest's "no tests ran" (exit 5) counts as a failure: a suite that silently tests nothing must not pass.
run_pytest() {
    echo "== pytest $*${CHROMIUM_PATH:+ (chromium: $CHROMIUM_PATH)}"
    local status=0
    .venv/bin/python -m pytest "$@" || status=$?
    case "$status" in
        0) ;;
        5) failed+=("pytest collected no tests (exit 5)") ;;
        *) failed+=("pytest (exit $status)") ;;
    esac
}

finish() {
    if [ "${#failed[@]}" -gt 0 ]; then
        echo "$1 FAILED:" >&2
        printf '  - %s\n' "${failed[@]}" >&2
        exit 1
    fi
}
