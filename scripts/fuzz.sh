#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/ and runs
# them one after the other (docs/robustness.md):
#   fuzz_config    config loading and validation for every model, from bytes;
#   fuzz_extremes  every model run on the example configs with numbers moved
#                  toward extremes: refused at load, or every replicate runs;
#   fuzz_result_files  summarize, sensitivity, voi and merge on real result
#                  files altered object by object: status 0 or 2, never 1.
#
#   scripts/fuzz.sh [SECONDS]      fuzz each target for SECONDS (default 60); 0: build only
#
# The build goes to build-fuzz/ (tests off; -O1, line tables), or to
# SAMDSIM_FUZZ_BUILD_DIR, reused as it is when already configured with
# -DSAMDSIM_FUZZ=ON.
#
# Seeds: configs/ and tests/bad_inputs/. The working corpus grows in
# build-fuzz/corpus/; anything found is written to build-fuzz/artifacts/ and
# the script exits non-zero. Extra libFuzzer flags can be given in
# SAMDSIM_FUZZ_FLAGS (e.g. "-runs=1000000" or "-fork=2 -ignore_crashes=1").
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
jobs=$(nproc)

build=${SAMDSIM_FUZZ_BUILD_DIR:-build-fuzz}

bash scripts/install-deps.sh
if ! grep -q '^SAMDSIM_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -g1" \
    "-DCMAKE_C_FLAGS_RELEASE=-O1 -g1" -DSAMDSIM_FUZZ=ON "-DSAMDSIM_SANITIZE=address;undefined" \
    -DSAMDSIM_BUILD_TESTS=OFF -DSAMDSIM_BUILD_BENCHMARKS=OFF >/dev/null
fi
cmake --build "$build" -j"$jobs" --target fuzz_config fuzz_extremes fuzz_result_files samdsim
[ "$seconds" = 0 ] && exit 0

corpus=$build/corpus
artifacts=$build/artifacts
mkdir -p "$corpus" "$build/corpus-extremes" "$build/corpus-result-files" "$artifacts"
# The dictionary: YAML syntax and the distribution vocabulary, plus every
# parameter name of every model as the program lists them.
{
  cat fuzz/config.dict
  "$build"/samdsim models | grep -oE '^ +[a-z_0-9]+:' | sed -E 's/^ +//' | sort -u | sed 's/.*/"&"/'
} > "$build"/config.dict

export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
# 10 s per input: a config must be refused or accepted in seconds. 2 GiB: no
# config may make validation allocate more.
# shellcheck disable=SC2086
"$build"/fuzz/fuzz_config "$corpus" configs tests/bad_inputs \
  -dict="$build"/config.dict -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 ${SAMDSIM_FUZZ_FLAGS:-}

# Inputs here are choices (which config, which numbers, where to), a few
# bytes each; every input runs 16 replicates of a model. Inputs that once
# found a defect are kept in fuzz/regressions/extremes/ and run first.
# shellcheck disable=SC2086
"$build"/fuzz/fuzz_extremes "$build/corpus-extremes" fuzz/regressions/extremes \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=64 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 ${SAMDSIM_FUZZ_FLAGS:-}

# The commands' own messages are not wanted (-close_fd_mask=3); a finding is
# reported with the command and the changes made to the file.
# shellcheck disable=SC2086
"$build"/fuzz/fuzz_result_files "$build/corpus-result-files" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=64 -close_fd_mask=3 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 ${SAMDSIM_FUZZ_FLAGS:-}
