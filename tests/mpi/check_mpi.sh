#!/usr/bin/env bash
# mpirun -np 2 and -np 3 (oversubscribed) give the file a serial run gives:
# h5diff compares every dataset and summary, for a plain scenario and a sweep.
# Usage: check_mpi.sh SERIAL_SAMDSIM MPI_SAMDSIM
set -euo pipefail
serial=${1:?serial samdsim binary}
parallel=${2:?MPI samdsim binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/plain.yaml" <<'YAML'
model: us_pathway
replicates: 7000
seed: 11
parameters:
  pathway: de_novo
  studies:
    - type: standalone
      sensitivity: {dist: beta, mean: 0.92, sd: 0.02}
      specificity: {dist: beta, mean: 0.9, sd: 0.02}
      sensitivity_goal: 0.85
      specificity_goal: 0.85
    - type: single_arm
      success_rate: {dist: beta, mean: 0.85, sd: 0.03}
      performance_goal: 0.75
YAML
{ cat "$work/plain.yaml"; printf 'sweep:\n  grid:\n    studies[1].performance_goal: [0.7, 0.75, 0.8]\n'; } >"$work/sweep.yaml"

mpirun_args=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && mpirun_args+=(--allow-run-as-root)
failed=0
compare() {
  local a=$1 b=$2 group
  shift 2
  for group in "$@"; do
    if ! h5diff -q "$a" "$b" "$group" "$group"; then
      echo "FAIL: $b differs from the serial result in $group"
      failed=1
    fi
  done
}
for config in plain sweep; do
  "$serial" run "$work/$config.yaml" -o "$work/$config-serial.h5" --progress never >/dev/null
  groups=(/replicates /parameters /summary)
  [ $config = sweep ] && groups=(/scenarios /points/0/replicates /points/1/summary /points/2/parameters /points/2/summary)
  for np in 2 3; do
    mpirun "${mpirun_args[@]}" -np $np "$parallel" run "$work/$config.yaml" -o "$work/$config-np$np.h5" \
      --progress never --threads 1 >/dev/null
    compare "$work/$config-serial.h5" "$work/$config-np$np.h5" "${groups[@]}"
    if ls "$work"/*.rank* >/dev/null 2>&1; then
      echo "FAIL: rank files left behind"
      failed=1
    fi
    echo "checked $config with mpirun -np $np"
  done
done
# A precision target stops the merged file where the serial run stops.
target=(--target-rse 0.01 --target-output total_cost_usd --max-replicates 40000 --progress never)
"$serial" run "$work/plain.yaml" -o "$work/target-serial.h5" "${target[@]}" >/dev/null
mpirun "${mpirun_args[@]}" -np 3 "$parallel" run "$work/plain.yaml" -o "$work/target-np3.h5" "${target[@]}" \
  --threads 1 >/dev/null
compare "$work/target-serial.h5" "$work/target-np3.h5" /replicates /summary
echo "checked a precision target with mpirun -np 3"
# The Saltelli design split over the ranks (grown once towards a target
# width) stores the indices a serial process stores, and leaves no rank files.
sobol=(--method sobol --rows 120 --target-width 0.01 --max-rows 240 --bootstrap 20 --no-tornado
  --output authorized --output total_cost_usd)
cp "$work/plain-serial.h5" "$work/sobol-serial.h5"
cp "$work/plain-serial.h5" "$work/sobol-np3.h5"
"$serial" sensitivity "$work/sobol-serial.h5" "${sobol[@]}" >/dev/null 2>&1
timeout 300 mpirun "${mpirun_args[@]}" -np 3 "$parallel" sensitivity "$work/sobol-np3.h5" "${sobol[@]}" --threads 1 \
  >/dev/null 2>&1 || { echo "FAIL: sensitivity --method sobol under mpirun"; failed=1; }
compare "$work/sobol-serial.h5" "$work/sobol-np3.h5" /sensitivity
if ls "$work"/*.sobol.rank* >/dev/null 2>&1; then
  echo "FAIL: design rank files left behind"
  failed=1
fi
echo "checked a Saltelli design with mpirun -np 3"
# A sensitivity: section runs after the run: ranks and a tornado on the
# first rank alone, and a sweep's points in turn with the design split
# over the ranks; each file equals the serial one.
{ cat "$work/plain.yaml"; printf 'sensitivity:\n  outputs: [total_cost_usd]\n  bootstrap: 20\n  tornado_replicates: 100\n'; } \
  >"$work/ranks.yaml"
{ cat "$work/sweep.yaml"; printf 'sensitivity:\n  method: sobol\n  outputs: [authorized]\n  rows: 40\n  bootstrap: 20\n  tornado_replicates: 50\n'; } \
  >"$work/sobol-sweep.yaml"
for config in ranks sobol-sweep; do
  "$serial" run "$work/$config.yaml" -o "$work/$config-serial.h5" --progress never >/dev/null 2>&1
  timeout 300 mpirun "${mpirun_args[@]}" -np 3 "$parallel" run "$work/$config.yaml" -o "$work/$config-np3.h5" --progress never \
    --threads 1 >/dev/null 2>&1 || { echo "FAIL: run with a sensitivity: section under mpirun ($config)"; failed=1; }
done
compare "$work/ranks-serial.h5" "$work/ranks-np3.h5" /sensitivity
compare "$work/sobol-sweep-serial.h5" "$work/sobol-sweep-np3.h5" /points/0/sensitivity /points/2/sensitivity
echo "checked runs with a sensitivity: section with mpirun -np 3"
# A bad analysis under mpirun ends on every rank with status 2 (no rank
# left waiting: the timeout would say so) and leaves the file as it was.
cp "$work/plain-serial.h5" "$work/bad-sobol.h5"
status=0
timeout 300 mpirun "${mpirun_args[@]}" -np 3 "$parallel" sensitivity "$work/bad-sobol.h5" --method sobol --rows 30 \
  --output no_such_output >/dev/null 2>&1 || status=$?
if [ "$status" -ne 2 ]; then
  echo "FAIL: a bad sensitivity analysis under mpirun ended with status $status, not 2"
  failed=1
fi
cmp -s "$work/plain-serial.h5" "$work/bad-sobol.h5" || { echo "FAIL: a refused analysis changed the file"; failed=1; }
echo "checked a refused analysis with mpirun -np 3"
# Bad input: every rank refuses it, exit status 2, no output.
printf 'model: us_pathway\nparameters:\n  pathwy: 510k\n' >"$work/bad.yaml"
if mpirun "${mpirun_args[@]}" -np 2 "$parallel" run "$work/bad.yaml" -o "$work/bad.h5" >/dev/null 2>&1; then
  echo "FAIL: a bad config succeeded under mpirun"
  failed=1
fi
[ -e "$work/bad.h5" ] && { echo "FAIL: a bad config left an output"; failed=1; }
if [ $failed -eq 0 ]; then echo "mpi: every result equals the serial one"; else echo "mpi: FAILED"; fi
exit $failed
