#!/usr/bin/env bash
# Builds samdsim with -DSAMDSIM_MPI=ON (Debian OpenMPI) in build-mpi and checks
# that mpirun -np 2 and -np 3 reproduce the serial results exactly.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh mpi
cmake -S . -B build-mpi -DCMAKE_BUILD_TYPE=Release -DSAMDSIM_MPI=ON -DSAMDSIM_BUILD_TESTS=OFF \
  -DSAMDSIM_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-mpi --target samdsim -j"$(nproc)"
bash tests/mpi/check_mpi.sh build/samdsim build-mpi/samdsim
