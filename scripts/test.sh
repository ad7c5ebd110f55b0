#!/usr/bin/env bash
# Installs dependencies, builds everything and runs every test with CTest.
# Exits non-zero on any failure. PRESET=asan ./scripts/test.sh runs the ASan+UBSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --browser
preset=${PRESET:-release}
cmake --preset "$preset"
cmake --build --preset "$preset"
# A test that fails is run once more (load on a shared machine); one that fails twice fails the run.
ctest --preset "$preset" -j2 --repeat until-pass:2
