#!/usr/bin/env bash
# Builds samdsim with sanitizers and runs the tests under them (docs/robustness.md).
#
#   scripts/sanitize.sh [address|thread|all]     (default: all)
#
#   address  AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer)
#            in build-asan/; runs the ctest suite but for the tests that
#            SAMDSIM_ASAN_SKIP (a ctest -E regex; empty: none) leaves out
#   thread   ThreadSanitizer in build-tsan/; builds and runs the test programs
#            that run replicates on several threads (SAMDSIM_TSAN_TESTS, a
#            ctest -R regex, selects others)
#
# Both use the default compiler (g++); the fuzzer (scripts/fuzz.sh) is the
# clang build.
#
# Both build with -O1 (the usual level for sanitizers: half the compile time
# of -O3, and stack traces that match the source) and line tables (-g1).
#
# Every report fails the run: -fno-sanitize-recover and halt_on_error.
# Suppressions live in tests/sanitizers/ and each one is justified there and
# in docs/robustness.md.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
jobs=$(nproc)
root=$PWD
# Line tables only: readable stack traces without the compile time of full debug info.
common=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -g1" "-DCMAKE_C_FLAGS_RELEASE=-O1 -g1"
        -DSAMDSIM_BUILD_BENCHMARKS=OFF ${SAMDSIM_CMAKE_ARGS:-})

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/sanitizers/ubsan.supp"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
# history_size=7 (the most): both stacks of a report stay restorable, so a
# report whose earlier access was TBB's own (tsan.supp) is recognised.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=7:suppressions=$root/tests/sanitizers/tsan.supp"

stage() { printf '\n== %s\n' "$*" >&2; }
elapsed() { printf '== %s: %d s\n' "$1" "$(( $(date +%s) - $2 ))" >&2; }

bash scripts/install-deps.sh

if [ "$which" = address ] || [ "$which" = all ]; then
  t0=$(date +%s)
  stage "ASan+UBSan: build (build-asan/)"
  cmake -S . -B build-asan "${common[@]}" "-DSAMDSIM_SANITIZE=address;undefined" >/dev/null
  cmake --build build-asan -j"$jobs"
  # Left to the plain build: the Python report's tests (test_tools: the
  # program runs they start are the ones test_cli and test_output_files run
  # here) and the choice test at a shipped config's full replicate count.
  asan_skip=${SAMDSIM_ASAN_SKIP-'^test_tools:|at its shipped replicate count'}
  stage "ASan+UBSan: ctest -E '$asan_skip'"
  (cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 900 ${asan_skip:+-E "$asan_skip"})
  elapsed "ASan+UBSan build and tests" "$t0"
fi

if [ "$which" = thread ] || [ "$which" = all ]; then
  t0=$(date +%s)
  # The test programs that run replicates on several threads, in-process or
  # through the samdsim program (every run there uses all cores), and the
  # canary that proves a planted race is still reported.
  tsan_programs=(test_cli test_resume test_shards test_us_pathway test_hospital_adoption test_demonstration
                 test_numeric_guards test_stats test_tsan_canary test_evidence_program test_sensitivity
                 test_result_chunks)
  tsan_targets=(samdsim "${tsan_programs[@]}")
  default_tests="^($(IFS='|'; echo "${tsan_programs[*]}")):"
  tsan_tests=${SAMDSIM_TSAN_TESTS:-$default_tests}
  stage "TSan: build (build-tsan/): ${tsan_targets[*]}"
  # Without unity batches: every file of the engine and the models must compile on its own.
  cmake -S . -B build-tsan "${common[@]}" -DSAMDSIM_SANITIZE=thread -DSAMDSIM_UNITY_BUILD=OFF >/dev/null
  cmake --build build-tsan -j"$jobs" --target "${tsan_targets[@]}"
  stage "TSan: ctest -R '$tsan_tests'"
  (cd build-tsan && ctest --output-on-failure -j"$jobs" --timeout 900 -R "$tsan_tests")
  elapsed "TSan build and tests" "$t0"
fi
