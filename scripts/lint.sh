#!/usr/bin/env bash
# `npm run lint`: ruff format --check and ruff check over the whole checkout (both run; either fails it).
#
#   npm run lint
#   .venv/bin/ruff format .           # fix what the format check reports
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

setup
run_lint
finish "npm run lint"
