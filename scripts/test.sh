#!/usr/bin/env bash
# Installs what the tests need (system libraries for Qt, the project with its test extra) and
# runs the linter and the test suite offscreen. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_system_packages.sh
python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
export QT_QPA_PLATFORM=offscreen
python3 -m ruff check simulation desktop tests benchmarks
python3 -m pytest -q "$@"
