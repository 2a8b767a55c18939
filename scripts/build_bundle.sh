#!/usr/bin/env bash
# Builds the one-folder application with PyInstaller (build.spec), then runs the bundle's
# headless self-check. Prints the bundle's size and the build time.
#   bash scripts/build_bundle.sh            # installs the build extra, builds, checks
#   SKIP_INSTALL=1 bash scripts/build_bundle.sh   # uses the packages already installed
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${SKIP_INSTALL:-}" ]]; then
    python3 -m pip install --quiet --disable-pip-version-check -e ".[build]"
fi

started=$(date +%s)
python3 -m PyInstaller --noconfirm --clean --log-level WARN build.spec
built=$(date +%s)

bundle=dist/velocity-planner
echo "bundle: $(du -sh "$bundle" | cut -f1) in $bundle, built in $((built - started)) s"

# The self-check must not need a display: Qt draws on its offscreen platform.
QT_QPA_PLATFORM=offscreen "$bundle/velocity-planner" --self-check
