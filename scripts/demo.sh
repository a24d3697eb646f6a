#!/usr/bin/env bash
#===- demo.sh - the main job ----------------------------------------------===#
#
# Builds quant, expands the dequantization of an example program with
# quant-opt, and quantizes an example GGUF file with quant-gguf.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh" quant-opt quant-gguf
build=${QUANT_BUILD_DIR:-$root/build}
bin=$build/bin
out=$build/demo
mkdir -p "$out"

echo "== quant-opt: a Q4_0 weight and its dequantization expanded to vector code"
"$bin/quant-opt" "$root/docs/examples/dequant.mlir" --qt-dequant-pipeline \
  -o "$out/dequant.expanded.mlir"
grep -c "vector.shuffle" "$out/dequant.expanded.mlir" |
  xargs -I{} echo "   wrote $out/dequant.expanded.mlir ({} vector.shuffle ops, no float copy of the weight)"

echo "== quant-gguf: quantize an example F32 GGUF file to Q4_0 and Q4_K"
"$bin/quant-gguf" make-example "$out/example-f32.gguf"
"$bin/quant-gguf" quantize "$out/example-f32.gguf" "$out/example-q4_0.gguf" --format q4_0
"$bin/quant-gguf" quantize "$out/example-f32.gguf" "$out/example-q4_k.gguf" --format q4_k
"$bin/quant-gguf" info "$out/example-q4_k.gguf"
first=$("$bin/quant-gguf" info "$out/example-q4_0.gguf" | awk '/weight/ {print $1; exit}')
"$bin/quant-gguf" dump "$out/example-q4_0.gguf" "$first" -o "$out/$first.npy"
echo "== done: outputs in $out"
