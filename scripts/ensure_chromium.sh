#!/usr/bin/env bash
# Make sure a Chromium for the e2e tests is on this machine, and print its path on stdout.
#
#   bash scripts/ensure_chromium.sh            # -> /usr/bin/chromium
#   CHROMIUM_PATH=/opt/chrome/chrome bash scripts/ensure_chromium.sh
#
# The search order lives in tests/e2e/chromium.py (one place, shared with the pytest fixtures):
# $CHROMIUM_PATH, Debian's /usr/bin/chromium, then a Playwright-installed browser in ~/.cache/ms-playwright.
# When none is found and we are root, Debian's package is installed (Playwright's own browser download
# cannot work here: its CDN is unreachable). Otherwise this fails with instructions.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FINDER="$ROOT/tests/e2e/chromium.py"
# Any Python 3 will do: the finder is standard library only, and this may run before .venv exists.
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || PY="$(command -v python3)"

log() { echo "[chromium] $*" >&2; }

if path="$("$PY" "$FINDER" 2>/dev/null)"; then
    echo "$path"
    exit 0
fi

if [ -n "${CHROMIUM_PATH:-}" ]; then
    # An explicit choice that does not work is an error, not something to paper over with apt.
    "$PY" "$FINDER" >/dev/null
    exit 1
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "no Chromium found; installing Debian's chromium package (apt-get, a minute or two)"
    export DEBIAN_FRONTEND=noninteractive
    # Quiet apt, but show its output if it fails.
    apt_log="$(mktemp)"
    if ! { apt-get update -q && apt-get install -y -q chromium; } >"$apt_log" 2>&1; then
        cat "$apt_log" >&2
        rm -f "$apt_log"
        log "apt-get install chromium failed"
        exit 1
    fi
    rm -f "$apt_log"
    if ! path="$("$PY" "$FINDER")"; then
        log "apt-get installed chromium, but no Chromium is found where tests/e2e/chromium.py looks"
        exit 1
    fi
    log "installed $("$path" --version 2>/dev/null || echo "$path")"
    echo "$path"
    exit 0
fi

# Not root (or no apt): explain how to get one.
"$PY" "$FINDER" >/dev/null || true
log "run as root to let this script install Debian's chromium, or set CHROMIUM_PATH"
exit 1
