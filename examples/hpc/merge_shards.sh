#!/usr/bin/env bash
# Merges the shards of slurm_array.sh into one file. Submit after the array:
#   jid=$(sbatch --parsable --array=0-15 examples/hpc/slurm_array.sh CONFIG results/pma)
#   sbatch --dependency=afterok:$jid examples/hpc/merge_shards.sh results/pma 16
# merge refuses missing, duplicate or foreign shards and names them.
#SBATCH --job-name=samdsim-merge
#SBATCH --cpus-per-task=1
#SBATCH --time=01:00:00
set -euo pipefail

prefix=${1:?output prefix used by the array}
n=${2:?number of shards}
samdsim=${SAMDSIM:-build/samdsim}
shards=()
for ((i = 0; i < n; i++)); do shards+=("$prefix.shard${i}of${n}.h5"); done
"$samdsim" merge "${shards[@]}" -o "$prefix.h5"
