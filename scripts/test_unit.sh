#!/usr/bin/env bash
# `npm run test:unit`: set up (npm packages, .venv; never a browser), then pytest -m "not e2e".
#
#   npm run test:unit                 # CPython unit tests and MicroPython-in-Node, about 15 s
#   npm run test:unit -- -k escaping  # extra arguments go to pytest
#
# Works on a machine without Chromium: nothing here looks for one.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup
run_pytest -m "not e2e" "$@"
finish "npm run test:unit"
