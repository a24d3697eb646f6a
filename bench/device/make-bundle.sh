#!/usr/bin/env bash
#===- make-bundle.sh - the GPU check's inputs, built here ------------------===#
#
# A machine with a real GPU but without LLVM/MLIR runs what is built here:
#   e2e/      (<work root>/<program>/) the Vulkan end-to-end tests'
#             executables, inputs and recorded
#             runs (*.args), from the build's test work directories (run the
#             tests first: QuantE2ETests --gtest_filter='*Vulkan*',
#             QuantModelE2ETests --gtest_filter='Vulkan/*' and the
#             weight-splitting suite, ctest -R QuantE2EVulkanSplitWeightTests);
#   bench/    benchmark models compiled for Vulkan with --weights=external,
#             each with the quant-gguf make-llama arguments that regenerate
#             its GGUF there (the generator is deterministic and the
#             executable checks the file is the one it was compiled from);
#   bin/, lib/, layers/   quant-gguf and its libfmt, the Khronos validation
#             layer.
# gpu-check.sh runs it. Output: one .tar.xz.
# Usage: bench/device/make-bundle.sh OUT.tar.xz [--formats q4_0,q8_0,q4_k]
#                                   [--small]
# --small builds tiny benchmark models instead (a dry run of the scripts on
# lavapipe).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:?usage: make-bundle.sh OUT.tar.xz [--formats LIST]}
shift
formats=q4_0,q8_0,q4_k small=0
while [ $# -gt 0 ]; do
  case $1 in
    --formats) formats=$2; shift 2 ;;
    --small) small=1; shift ;;
    *) echo "make-bundle.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
build=${QUANT_BUILD_DIR:-$root/build}
bin=$build/bin work=$build/test/e2e
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{e2e,bench,bin,lib,layers}

# The recorded Vulkan runs: executables, inputs and .args, not outputs.
count=0
for dir in "$work"/work/*vulkan* "$work"/work-models-vulkan/* "$work"/work-split/*; do
  ls "$dir"/*.args >/dev/null 2>&1 || continue
  # e2e/<work root>/<program>: the layout the tests read the results from.
  name=$(basename "$(dirname "$dir")")/$(basename "$dir")
  mkdir -p "$stage/e2e/$name"
  for file in "$dir"/*; do
    case $(basename "$file") in
      prog | chat | *.args | *.env | x*.npy | g.npy | pos.npy) cp "$file" "$stage/e2e/$name/" ;;
    esac
  done
  count=$((count + 1))
done
[ "$count" -gt 0 ] || { echo "make-bundle.sh: no recorded Vulkan runs under $work (run the Vulkan tests first)" >&2; exit 1; }
echo "e2e: $count test programs"

# Benchmark models: TinyLlama-1.1B's shape, and one layer of an 8B model's
# shape (its ffn_down is the 4096 x 14336 decode matmul of the CPU table).
declare -A shapes=(
  [tinyllama]="--dim 2048 --layers 22 --heads 32 --kv-heads 4 --ffn 5632 --vocab 32000 --context 2048"
  [layer4096]="--dim 4096 --layers 1 --heads 32 --kv-heads 8 --ffn 14336 --vocab 4096 --context 2048"
)
if [ "$small" = 1 ]; then
  shapes[tinyllama]="--dim 128 --layers 2 --heads 4 --kv-heads 2 --ffn 256 --vocab 512 --context 1024"
  shapes[layer4096]="--dim 256 --layers 1 --heads 4 --kv-heads 2 --ffn 512 --vocab 512 --context 1024"
fi
# Each: shape, format, extra compile flags. The emulated-bytes build of one
# (kernels read 32-bit words instead of bytes) shows what 8-bit loads cost.
builds=()
for shape in tinyllama layer4096; do
  for format in ${formats//,/ }; do builds+=("$shape $format"); done
done
builds+=("layer4096 q4_0 --vulkan-bytes=emulated")
for build_spec in "${builds[@]}"; do
  read -r shape format flags <<<"$build_spec"
  name=$shape-$format${flags:+-emulated} dir=$stage/bench/$name
  mkdir "$dir"
  echo "${shapes[$shape]} --format $format" >"$dir/make.args"
  # A 512-token prompt inside the vocabulary (as bench/model.sh's).
  vocab=$(sed 's/.*--vocab \([0-9]*\).*/\1/' "$dir/make.args")
  python3 -c "print(','.join(str(3 + (i * 7919) % ($vocab - 10)) for i in range(512)))" >"$dir/prompt.txt"
  # shellcheck disable=SC2046
  "$bin/quant-gguf" make-llama "$dir/model.gguf" $(cat "$dir/make.args") >/dev/null
  # shellcheck disable=SC2086
  "$bin/quant-compile" "$dir/model.gguf" --target=vulkan --weights=external \
    --context 1024 --quiet $flags -o "$dir/chat"
  "$bin/quant-gguf" info "$dir/model.gguf" | awk '$2 ~ /\.weight$/ && $2 != "token_embd.weight" {s += $NF} END {print s}' >"$dir/weight-bytes"
  rm "$dir/model.gguf"
  echo "bench: $name"
done

cp "$bin/quant-gguf" "$stage/bin/"
cp -L "$(ldd "$bin/quant-gguf" | awk '/libfmt/ {print $3}')" "$stage/lib/"
cp /usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so "$stage/lib/"
cp /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json "$stage/layers/"
tar -C "$stage" -cf - . | xz -T0 -6 >"$out"
echo "$out: $(du -h "$out" | cut -f1)"
