#!/usr/bin/env bash
#===- matmul.sh - the matmul benchmark table of docs/benchmarks.md --------===#
#
# Runs quant-bench for the recorded formats at decode (N=1) and prompt
# (N=512) sizes of a 4096 x 14336 weight, with OpenBLAS fp32 as the baseline
# measured in the same process. Usage: bench/matmul.sh [--threads N]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
threads=2
if [ "${1:-}" = "--threads" ]; then threads=$2; fi
"$root/scripts/build.sh" quant-bench QuantRuntime >/dev/null
bench=${QUANT_BUILD_DIR:-$root/build}/bin/quant-bench
echo "# $(date -u +%Y-%m-%d) $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, threads=$threads"
"$bench" matmul --format q4_0,q8_0,q4_k,q6_k,int8_pc,int4_g128 \
  --m 4096 --k 14336 --n 1,512 --threads "$threads" --baseline openblas
