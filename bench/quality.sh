#!/usr/bin/env bash
#===- quality.sh - the quantization quality table of docs/quality.md -------===#
#
# Quantizes the trained tiny llama model (models/tiny-llama) with RTN, GPTQ
# and AWQ into each format, compiles every variant with quant-compile and
# measures perplexity on the held-out text through the compiled executable.
# Usage: bench/quality.sh [--formats q4_0,q3_k,q8_0] [--methods rtn,gptq,awq]
#                         [--dir DIR] [--threads N] [--no-f32]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
formats=q4_0,q3_k,q8_0 methods=rtn,gptq,awq threads=2 f32=yes
dir=${TMPDIR:-/tmp}/quant-quality
while [ $# -gt 0 ]; do
  case $1 in
    --formats) formats=$2; shift 2 ;;
    --methods) methods=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --no-f32) f32=no; shift ;;
    *) echo "quality.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
"$root/scripts/build.sh" quant-gguf quant-compile QuantRuntime QuantRuntimeMain \
  QuantRuntimeModel >/dev/null
bin=${QUANT_BUILD_DIR:-$root/build}/bin
model=$root/models/tiny-llama/tiny-llama-f32.gguf
calib=$root/models/tiny-llama/calibration.txt
test=$root/models/tiny-llama/held-out-test.txt
mkdir -p "$dir"

# Perplexity of a GGUF through a compiled executable.
perplexity() {
  "$bin/quant-compile" "$1" -o "$dir/chat" --quiet
  "$dir/chat" --perplexity "$test" --threads "$threads" 2>/dev/null |
    sed -n 's/^perplexity: //p'
}
# Bits per weight of the 2-D matrices (all but the embedding table).
bits() {
  "$bin/quant-gguf" info "$1" | awk '$2 ~ /^blk\..*_(q|k|v|output|gate|up|down)\.weight$/ || $2 == "output.weight" {
      split($0, f, " "); n = 1; for (i = 3; i <= NF - 2; i++) if ($i ~ /^[0-9]+$/) n *= $i;
      e += n; b += $NF } END { printf "%.3f", 8 * b / e }'
}

echo "# $(date -u +%Y-%m-%d) held-out: $(wc -c < "$test") bytes, calibration: $(wc -c < "$calib") bytes"
printf '%-6s %-6s %8s %12s\n' format method bits/w perplexity
if [ "$f32" = yes ]; then
  printf '%-6s %-6s %8s %12s\n' f32 - 32.000 "$(perplexity "$model")"
fi
for format in ${formats//,/ }; do
  for method in ${methods//,/ }; do
    out=$dir/tiny-llama-$format-$method.gguf
    calibration=()
    [ "$method" = rtn ] || calibration=(--calib "$calib")
    "$bin/quant-gguf" quantize "$model" "$out" --format "$format" \
      --method "$method" "${calibration[@]}" >/dev/null 2>"$dir/quantize.log"
    printf '%-6s %-6s %8s %12s\n' "$format" "$method" "$(bits "$out")" "$(perplexity "$out")"
  done
done
