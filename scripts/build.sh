#!/usr/bin/env bash
# Installs missing dependencies and builds samdsim (Release) into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${SAMDSIM_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"$(nproc)"
