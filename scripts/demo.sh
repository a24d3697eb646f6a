#!/usr/bin/env bash
#===- demo.sh - the main job ----------------------------------------------===#
#
# Builds quant, compiles a llama-family GGUF model into a text-generation
# executable and runs it, compiles an example MLP with Q4_0 weights into a
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

echo "== quant-compile model.gguf: a llama-architecture model (Q4_K, 4 layers, GQA) -> one executable"
echo "   (synthetic random weights written by quant-gguf make-llama: the text is meaningless,"
echo "   the pipeline is real: tokenizer, batched prompt, KV cache, fused Q4_K kernels, sampling)"
"$bin/quant-gguf" make-llama "$out/llama-q4_k.gguf" --dim 256 --layers 4 --heads 8 \
  --kv-heads 2 --ffn 768 --vocab 2000 --context 256 --format q4_k --output-format q6_k
"$bin/quant-compile" "$out/llama-q4_k.gguf" -o "$out/chat"
"$out/chat" -p "Once upon a time" -n 32 --seed 1

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
