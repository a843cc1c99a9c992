#!/usr/bin/env bash
# `npm run bench`: set up (with Chromium), then the performance table (benchmarks/bench.py).
#
#   npm run bench                 # the full run (about 8 minutes on an idle 2-core machine)
#   npm run bench -- --quick      # a smoke run (about a minute)
#   npm run bench -- --sections collector
#
# Prints the table and writes benchmarks/results/latest.json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_with_chromium
.venv/bin/python benchmarks/bench.py "$@" || failed+=("benchmarks/bench.py")
finish "npm run bench"
