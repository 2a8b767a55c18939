#!/usr/bin/env bash
# Installs the project with its test extra and runs the test suite offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
export QT_QPA_PLATFORM=offscreen
python3 -m ruff check simulation desktop tests benchmarks
python3 -m pytest -q "$@"
