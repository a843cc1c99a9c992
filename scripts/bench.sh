#!/usr/bin/env bash
# `npm run bench`: set up (with Chromium), then run the benchmarks in benchmarks/ through .venv.
#
#   npm run bench                               # bench_startup.py, then bench_hits.py (10,000 hits: minutes)
#   npm run bench -- startup --runs 3           # one benchmark, with its own options (see its --help)
#   npm run bench -- hits --hits 2000 --interpreters mpy
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

which="${1:-all}"
[ "$#" -gt 0 ] && shift
case "$which" in
    all) [ "$#" -eq 0 ] || { echo "options need a benchmark name: startup or hits" >&2; exit 2; } ;;
    startup|hits) ;;
    *) echo "unknown benchmark $which (startup, hits, or none for both)" >&2; exit 2 ;;
esac

setup_with_chromium
for name in startup hits; do
    if [ "$which" = all ] || [ "$which" = "$name" ]; then
        echo "== benchmarks/bench_$name.py $*"
        .venv/bin/python "benchmarks/bench_$name.py" "$@" || failed+=("bench_$name.py")
    fi
done
finish "npm run bench"
