#!/usr/bin/env bash
# samdsim against its peers, side by side in one run (SPEC, "Performance"):
#   bench_rpact              two-arm trials vs R's rpact (getSimulationMeans, getSimulationRates)
#   bench_demonstration      stepped-wedge REML vs R's lme4
#   bench_hospital_adoption  the adoption model vs a vectorized NumPy implementation
#   bench_us_pathway         the evidence model vs a raw loop of its random numbers, and the HDF5 writer's share
# Installs what the peers need (scripts/install-deps.sh peers: r-base-core,
# r-cran-rpact, r-cran-lme4, python3-yaml besides NumPy) when missing, builds the
# benchmarks in build-bench (Release) and prints every program's table with
# the machine's load. Run from the repository root.
# Usage: benchmarks/peers.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
case "${1:-}" in
  --quick) quick=(--quick) ;;
  "") ;;
  *) echo "usage: benchmarks/peers.sh [--quick]" >&2; exit 2 ;;
esac

bash scripts/install-deps.sh peers

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_rpact bench_demonstration bench_hospital_adoption \
  bench_us_pathway >/dev/null

# The Debian interpreter, which has NumPy (another python3 may come first on PATH).
export PATH="/usr/bin:$PATH"
echo "peers.sh: $(nproc) hardware threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //');" \
     "load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
for program in bench_rpact bench_demonstration bench_hospital_adoption bench_us_pathway; do
  echo
  echo "=== $program"
  "build-bench/benchmarks/$program" "${quick[@]}"
done
