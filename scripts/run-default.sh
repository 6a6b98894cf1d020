#!/usr/bin/env bash
# Installs, builds, and runs the default scenario: an AI imaging triage device
# via 510(k). Writes results/ai_triage_510k.h5 and prints its summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p results
./build/samdsim run configs/ai_triage_510k.yaml -o results/ai_triage_510k.h5 "$@"
