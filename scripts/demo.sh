#!/usr/bin/env bash
#===- demo.sh - the main job ----------------------------------------------===#
#
# Builds quant, quantizes the shipped trained llama model to Q4_0, compiles
# it into a text-generation executable and generates from a prompt, compiles an example MLP with Q4_0 weights into a
# standalone executable and runs it, expands the dequantization of an example
# program with quant-opt, and quantizes an example GGUF file with quant-gguf.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh" quant-opt quant-gguf quant-compile QuantRuntime QuantRuntimeMain \
  QuantRuntimeModel
build=${QUANT_BUILD_DIR:-$root/build}
bin=$build/bin
out=$build/demo
mkdir -p "$out"

echo "== a trained llama (4.85 M parameters, Jane Austen's novels): F32 GGUF -> Q4_0 -> one executable"
"$bin/quant-gguf" quantize "$root/models/tiny-llama/tiny-llama-f32.gguf" \
  "$out/tiny-llama-q4_0.gguf" --format q4_0 >/dev/null
"$bin/quant-compile" "$out/tiny-llama-q4_0.gguf" -o "$out/tiny-chat"
echo "   $out/tiny-chat: $(stat -c %s "$out/tiny-chat") bytes, the GGUF embedded; generating:"
"$out/tiny-chat" -p "It is a truth universally acknowledged" -n 200 --temp 0.7 --seed 3
echo "   (quality of RTN/GPTQ/AWQ at 3, 4 and 8 bits on held-out text: docs/quality.md)"

echo "== quant-compile: an MLP whose Q4_0 weights live in a GGUF file -> one executable"
"$bin/quant-compile" "$root/docs/examples/mlp.mlir" -o "$out/mlp"
echo "   $out/mlp: $(stat -c %s "$out/mlp") bytes; links only: $(ldd "$out/mlp" | awk '{print $1}' | grep -v vdso | tr '\n' ' ')"
"$out/mlp" --input "$root/docs/examples/mlp-input.npy"
"$out/mlp" --input "$root/docs/examples/mlp-input.npy" --output "$out/mlp-output.npy"
"$out/mlp" --input "$root/docs/examples/mlp-input.npy" --bench 100

echo "== quant-opt: a Q4_0 weight and its dequantization expanded to vector code"
"$bin/quant-opt" "$root/docs/examples/dequant.mlir" --qt-dequant-pipeline \
  -o "$out/dequant.expanded.mlir"
grep -c "vector.shuffle" "$out/dequant.expanded.mlir" |
  xargs -I{} echo "   wrote $out/dequant.expanded.mlir ({} vector.shuffle ops decode the blocks)"

echo "== quant-gguf: quantize an example F32 GGUF file to Q4_0 and Q4_K"
"$bin/quant-gguf" make-example "$out/example-f32.gguf"
"$bin/quant-gguf" quantize "$out/example-f32.gguf" "$out/example-q4_0.gguf" --format q4_0
"$bin/quant-gguf" quantize "$out/example-f32.gguf" "$out/example-q4_k.gguf" --format q4_k
"$bin/quant-gguf" info "$out/example-q4_k.gguf"
"$bin/quant-gguf" dump "$out/example-q4_0.gguf" blk.0.attn_q.weight -o "$out/attn_q.npy"
echo "== done: outputs in $out"
