#!/usr/bin/env bash
# Peak resident memory of a 10^7-replicate us_pathway run that keeps every
# per-replicate output (SPEC: bounded memory). Usage:
#   benchmarks/memory_us_pathway.sh [BUILD_DIR] [REPLICATES]
# Prints the peak RSS from /usr/bin/time -v (Debian package "time") and the
# file size; the result file is written to a temporary directory and removed.
set -euo pipefail
build=${1:-build}
replicates=${2:-10000000}
here=$(cd "$(dirname "$0")/.." && pwd)
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/time -v "$build/samdsim" run "$here/configs/ai_triage_510k.yaml" -o "$work/big.h5" \
  --replicates "$replicates" --progress never >"$work/out.txt" 2>"$work/time.txt"
rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
size=$(du -m "$work/big.h5" | cut -f1)
echo "us_pathway (ai_triage_510k), $replicates replicates, every per-replicate output kept"
echo "peak resident memory: $((rss_kb / 1024)) MiB; wall time $wall; result file $size MiB"
tail -1 "$work/out.txt"
