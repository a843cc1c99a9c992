#!/usr/bin/env bash
# `npm test`: set up (npm packages, .venv, Chromium), then lint and run every test (unit + e2e).
#
#   npm test                          # ruff format --check, ruff check, pytest tests (unit + e2e)
#   npm test -- -m "not e2e"          # extra arguments go to pytest
#   npm test -- tests/e2e -k "not mpy"
#
# The parts on their own: npm run lint, npm run test:unit (no browser needed), npm run test:e2e.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup_with_chromium
run_lint
run_pytest "$@"
finish "npm test"
