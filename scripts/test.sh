#!/usr/bin/env bash
# Install everything the tests need into .venv, then lint and run the whole test suite.
# Used by people (see README) and by CI (.ci/run) alike.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
