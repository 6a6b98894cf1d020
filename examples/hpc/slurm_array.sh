#!/usr/bin/env bash
# Runs one scenario (or sweep) as a Slurm job array of N shards, then merges
# them in a dependent job. Usage:
#   sbatch --array=0-15 examples/hpc/slurm_array.sh configs/pma_breakthrough_rct.yaml results/pma
#   (the merge job is submitted by the last array task to finish; see below)
#
# Each task writes PREFIX.shard<I>of<N>.h5. A failed or preempted task is
# simply run again (sbatch --array=I ...): shards are independent, and the
# merged file is identical to a single run of the whole config.
#SBATCH --job-name=samdsim
#SBATCH --cpus-per-task=16
#SBATCH --time=04:00:00
#SBATCH --requeue
set -euo pipefail

config=${1:?config file}
prefix=${2:?output prefix, e.g. results/pma}
samdsim=${SAMDSIM:-build/samdsim}
n=${SLURM_ARRAY_TASK_COUNT:?run as a job array: sbatch --array=0-N-1}
i=${SLURM_ARRAY_TASK_ID:?run as a job array}

mkdir -p "$(dirname "$prefix")"
"$samdsim" run "$config" --shard "$i/$n" --threads "${SLURM_CPUS_PER_TASK:-1}" --progress never \
  -o "$prefix.shard${i}of${n}.h5"

# The merge runs once every shard exists; with --dependency=afterok on the
# array job it can also be a separate job: see merge_shards.sh.
