#!/usr/bin/env bash
# One run over several nodes with MPI (build with -DSAMDSIM_MPI=ON):
#   sbatch --nodes=4 --ntasks-per-node=2 --cpus-per-task=16 examples/hpc/mpirun.sh CONFIG results/run.h5
# Each rank runs its share of the blocks with --threads workers; rank 0
# merges the ranks' parts into one file identical to a single-process run.
#SBATCH --job-name=samdsim-mpi
#SBATCH --time=04:00:00
set -euo pipefail
config=${1:?config file}
out=${2:?result file}
samdsim=${SAMDSIM:-build-mpi/samdsim}
mpirun "$samdsim" run "$config" -o "$out" --threads "${SLURM_CPUS_PER_TASK:-1}" --progress never
