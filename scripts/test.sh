#!/usr/bin/env bash
# Installs, builds, and runs the whole test suite, in stages:
#   normal  the Release build: the MPI build checked against the serial one,
#           then every test with ctest
#   asan    the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan    the multi-threaded tests under ThreadSanitizer
#   fuzz    a short fuzzing run of config loading (SAMDSIM_FUZZ_SECONDS, default 60)
#
#   scripts/test.sh             every stage (what CI runs)
#   scripts/test.sh --quick     the normal stage only
#   scripts/test.sh asan fuzz   the stages named
#
# Every stage runs even when an earlier one fails; the summary at the end
# gives each stage's result and time, and the exit status is 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."

stages=(normal asan tsan fuzz)
if [ $# -gt 0 ]; then
  if [ "$1" = --quick ]; then stages=(normal); else stages=("$@"); fi
fi

normal() {
  bash scripts/build.sh &&
    bash scripts/test-mpi.sh &&
    (cd build && ctest --output-on-failure -j"$(nproc)" --timeout 600)
}
asan() { bash scripts/sanitize.sh address; }
tsan() { bash scripts/sanitize.sh thread; }
# A fixed libFuzzer seed: the smoke run mutates the same way every time.
fuzz() { SAMDSIM_FUZZ_FLAGS="${SAMDSIM_FUZZ_FLAGS:--seed=1}" bash scripts/fuzz.sh "${SAMDSIM_FUZZ_SECONDS:-60}"; }

summary=()
failed=0
for s in "${stages[@]}"; do
  case "$s" in
    normal | asan | tsan | fuzz) ;;
    *) echo "scripts/test.sh: unknown stage '$s' (normal, asan, tsan, fuzz or --quick)" >&2; exit 2 ;;
  esac
  printf '\n=== stage %s\n' "$s" >&2
  start=$(date +%s)
  if "$s"; then result=passed; else result=FAILED; failed=1; fi
  summary+=("$(printf '%-7s %-7s %5d s' "$s" "$result" "$(( $(date +%s) - start ))")")
done
printf '\n=== summary\n' >&2
printf '%s\n' "${summary[@]}" >&2
exit "$failed"
