#!/usr/bin/env bash
# Set this checkout up on a fresh machine; a second run only checks stamps and takes well under a second.
#
#   bash scripts/setup.sh              # node_modules (npm ci) + .venv (requirements.txt): what `npm start` needs
#   bash scripts/setup.sh --chromium   # ... plus a Chromium for the e2e tests: what `npm test` needs
#   bash scripts/setup.sh --lock       # regenerate the frozen requirements.txt from requirements.in
#
# Stamps, so that nothing is reinstalled needlessly:
#   node_modules/.setup-lock.sha256  sha256 of package-lock.json that `npm ci` installed
#   .venv/.setup-requirements.sha256 sha256 of requirements.txt that pip installed
# Set PYTHON=/path/to/python3.11 to choose the interpreter the venv is made from.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { echo "[setup] $*" >&2; }
die() { log "error: $*"; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# Write a stamp by rename: node_modules may be a hard-linked copy of another checkout's, and writing
# through the link would change that checkout's stamp too.
stamp() { printf '%s\n' "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"; }

want_chromium=0
want_lock=0
for arg in "$@"; do
    case "$arg" in
        --chromium) want_chromium=1 ;;
        --lock) want_lock=1 ;;
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $arg (try --help)" ;;
    esac
done

# Two set-ups at once (npm start in one terminal, npm test in another) would fight over node_modules and
# .venv; serialise them. The lock lives outside the work tree so it never shows up in git status.
if command -v flock >/dev/null 2>&1; then
    exec 9>"/tmp/appmeasurement-setup-$(echo "$ROOT" | sha256sum | cut -c1-12).lock"
    flock 9
fi

pick_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    die "no Python >= 3.11 found (set PYTHON=/path/to/python3.11)"
}

# pip on these machines is configured with local wheel folders that may not exist, and warns about each
# one for every package; drop just those lines so real warnings and errors stay visible.
quiet_pip() {
    "$@" 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'
}

ensure_node_modules() {
    command -v npm >/dev/null 2>&1 || die "npm not found: install Node.js 20+ (apt-get install -y nodejs npm)"
    local want have
    want="$(sha package-lock.json)"
    have="$(cat node_modules/.setup-lock.sha256 2>/dev/null || true)"
    [ "$want" = "$have" ] && return 0
    # No stamp yet, or the lock changed only outside the dependency tree (the project's own version, say):
    # node_modules may still be exactly what the lock asks for. npm's own record of the tree says so;
    # trust it rather than reinstalling.
    if [ -f node_modules/.package-lock.json ] && node -e '
        const fs = require("fs");
        const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages || {};
        const tree = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages || {};
        for (const [key, entry] of Object.entries(lock)) {
            if (key === "") continue;
            if (!(key in tree)) { if (entry.optional) continue; process.exit(1); }
            if (JSON.stringify(entry) !== JSON.stringify(tree[key]) || !fs.existsSync(key)) process.exit(1);
        }
        for (const key of Object.keys(tree)) if (!(key in lock)) process.exit(1);
    ' 2>/dev/null; then
        stamp node_modules/.setup-lock.sha256 "$want"
        return 0
    fi
    log "installing npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >&2
    stamp node_modules/.setup-lock.sha256 "$want"
}

ensure_venv() {
    if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        # Missing, or made on another machine / by a Python that is gone: start over.
        local python
        python="$(pick_python)"
        log "creating .venv with $python ($("$python" --version 2>&1))"
        rm -rf .venv
        "$python" -m venv .venv
    fi
    local want have
    want="$(sha requirements.txt)"
    have="$(cat .venv/.setup-requirements.sha256 2>/dev/null || true)"
    [ "$want" = "$have" ] && return 0
    log "installing Python requirements into .venv (pip install -r requirements.txt)"
    quiet_pip .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt >&2
    # Written last: an interrupted install leaves no stamp, so the next run tries again.
    stamp .venv/.setup-requirements.sha256 "$want"
}

lock_requirements() {
    local python tmp
    python="$(pick_python)"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' RETURN
    log "resolving requirements.in in a scratch venv"
    "$python" -m venv "$tmp/venv"
    quiet_pip "$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.in >&2
    {
        echo "# Frozen full set of Python requirements (top-level pins from requirements.in plus every transitive"
        echo "# dependency), installed into .venv by scripts/setup.sh. Do not edit by hand: edit requirements.in,"
        echo "# then run \`bash scripts/setup.sh --lock\`."
        "$tmp/venv/bin/python" -m pip freeze --disable-pip-version-check 2>/dev/null
    } > requirements.txt
    log "wrote requirements.txt ($(grep -vc '^#' requirements.txt) packages)"
}

if [ "$want_lock" = 1 ]; then
    lock_requirements
fi
ensure_node_modules
ensure_venv
if [ "$want_chromium" = 1 ]; then
    bash scripts/ensure_chromium.sh >/dev/null
fi
