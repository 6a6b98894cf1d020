#!/usr/bin/env bash
# A long single run that survives Slurm preemption: Slurm sends SIGTERM
# before killing a preempted job; samdsim stops at the next replicate, writes
# the complete blocks, leaves OUT.h5.partial and exits with status 3 (in
# about 2 s on 2 threads; see docs/hpc.md), and the requeued job resumes from
# there. The finished file is identical to an uninterrupted run.
#   sbatch examples/hpc/resume_on_preemption.sh configs/pma_breakthrough_rct.yaml results/pma.h5
#SBATCH --job-name=samdsim-long
#SBATCH --cpus-per-task=16
#SBATCH --time=24:00:00
#SBATCH --requeue
#SBATCH --signal=B:TERM@120
set -uo pipefail

config=${1:?config file}
out=${2:?result file}
samdsim=${SAMDSIM:-build/samdsim}
resume=()
[ -e "$out.partial" ] && resume=(--resume)
"$samdsim" run "$config" -o "$out" --threads "${SLURM_CPUS_PER_TASK:-1}" --progress never "${resume[@]}" &
pid=$!
trap 'kill -TERM $pid' TERM
wait $pid; status=$?
# wait returns early when the trap fires: wait again for samdsim to write its checkpoint.
if kill -0 $pid 2>/dev/null; then wait $pid; status=$?; fi
[ $status -eq 3 ] && scontrol requeue "$SLURM_JOB_ID"
exit $status
