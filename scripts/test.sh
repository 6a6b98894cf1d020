#!/usr/bin/env bash
# Installs, builds, and runs the whole test suite: the MPI build checked
# against the serial one, then every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
bash scripts/test-mpi.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
