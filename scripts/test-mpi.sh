#!/usr/bin/env bash
# Builds build/samdsim-mpi, the program with MPI (Debian OpenMPI) on the
# libraries of the Release build in build/, and checks that mpirun -np 2 and
# -np 3 reproduce the serial results exactly. The program is compiled as
# -DSAMDSIM_MPI=ON compiles samdsim (the same CMake macro).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh mpi
cmake -S . -B build -DSAMDSIM_MPI_PROGRAM=ON >/dev/null
cmake --build build --target samdsim samdsim-mpi -j"$(nproc)"
bash tests/mpi/check_mpi.sh build/samdsim build/samdsim-mpi
