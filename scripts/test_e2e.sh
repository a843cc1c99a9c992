#!/usr/bin/env bash
# `npm run test:e2e`: set up (npm packages, .venv, Chromium), then pytest -m e2e (headless Chromium
# against the real collector, every browser test under MicroPython and under Pyodide; a few minutes).
#
#   npm run test:e2e
#   npm run test:e2e -- -m "e2e and not mpy"        # extra arguments go to pytest (a later -m wins)
#   npm run test:e2e -- tests/e2e/test_demo.py
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_with_chromium
run_pytest -m e2e "$@"
finish "npm run test:e2e"
