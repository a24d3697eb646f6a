#!/usr/bin/env bash
#===- gpu-check.sh - Vulkan tests and benchmarks on a real GPU ------------===#
#
# Runs on a GPU machine that has a Vulkan driver but no LLVM/MLIR, in the
# repository root, on a bundle from make-bundle.sh:
#   1. lists the Vulkan devices (the first bench executable's --list-devices);
#   2. replays every recorded end-to-end run with the validation layer on
#      (results checked back home with QUANT_E2E_DEVICE_OUTPUTS);
#   3. measures the GPU's memory bandwidth (PyTorch, when present: a
#      device-to-device copy and a read-only sum);
#   4. regenerates each benchmark model's GGUF and runs it: one short run
#      with the validation layer, then 512 prompt tokens and 128 decoded
#      tokens with per-kernel GPU times (QUANT_VK_PROFILE=1).
# Results go to $OUT (default ./gpu-check-out): summary.txt, the replayed
# e2e results as e2e-results.tar.gz, replay.log and bench.log (the models'
# full output and GPU profiles): four files.
# Usage: bench/device/gpu-check.sh BUNDLE.tar.xz
set -uo pipefail
bundle=${1:?usage: gpu-check.sh BUNDLE.tar.xz}
out=${OUT:-$PWD/gpu-check-out}
work=${TMPDIR:-/tmp}/quant-gpu-check
rm -rf "$work" && mkdir -p "$work" "$out"
summary=$out/summary.txt
note() { echo "$*" | tee -a "$summary"; }
tar -xJf "$bundle" -C "$work" || { echo "gpu-check.sh: cannot unpack $bundle" >&2; exit 1; }

# The Vulkan loader (and libglvnd, which NVIDIA's driver needs) when the
# machine has none: Debian packages unpacked from .gl/, as
# /work/.library/device/README.md describes.
if ! ldconfig -p | grep -q libvulkan.so.1 && ls .gl/*.deb >/dev/null 2>&1; then
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
if ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -e "$icd" ] && export VK_DRIVER_FILES=$icd
fi
export LD_LIBRARY_PATH=$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export VK_LAYER_PATH=$work/layers

note "# gpu-check $(date -u +%Y-%m-%dT%H:%MZ)"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.memory --format=csv,noheader 2>/dev/null | sed 's/^/gpu: /' | tee -a "$summary"
first=$(ls -d "$work"/bench/*/ | head -1)
"$first/chat" --list-devices 2>&1 | sed 's/^/device: /' | tee -a "$summary"

# 2. The end-to-end tests' runs, validation layer on.
start=$(date +%s)
touch "$work/stamp"
QUANT_VK_VALIDATION=1 "$(dirname "$0")/replay-runs.sh" "$work/e2e" >"$out/replay.log" 2>&1
tail -1 "$out/replay.log" | tee -a "$summary"
grep -v '^replay: [0-9]* runs' "$out/replay.log" | head -20 | tee -a "$summary"
(cd "$work/e2e" && find . -type f -newer "$work/stamp" -print0 | tar -czf "$out/e2e-results.tar.gz" --null -T -)
note "replay took $(($(date +%s) - start)) s"

# 3. Memory bandwidth.
python3 - <<'PY' 2>&1 | tee -a "$summary"
try:
    import torch
    n = 1 << 30
    x = torch.empty(n, dtype=torch.uint8, device="cuda").random_(0, 255)
    y = torch.empty_like(x)
    f = x.view(torch.float32)
    def timed(fn, reps=20):
        for _ in range(3):
            fn()
        torch.cuda.synchronize()
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(reps):
            fn()
        e.record()
        torch.cuda.synchronize()
        return s.elapsed_time(e) / 1e3 / reps
    copy = timed(lambda: y.copy_(x))
    read = timed(lambda: f.sum())
    print(f"bandwidth: copy {2 * n / copy / 1e9:.0f} GB/s (read + write), sum {n / read / 1e9:.0f} GB/s (read)")
except Exception as error:
    print(f"bandwidth: not measured ({error})")
PY

# 4. Benchmark models.
printf '%-16s %8s %12s %12s %10s\n' model make_s prompt_tok/s decode_tok/s decode_GB/s | tee -a "$summary"
for dir in "$work"/bench/*/; do
  name=$(basename "$dir")
  start=$(date +%s.%N)
  # shellcheck disable=SC2046
  "$work/bin/quant-gguf" make-llama "$dir/model.gguf" $(cat "$dir/make.args") >/dev/null 2>"$dir/make.err" ||
    { note "$name: make-llama failed: $(head -c 300 "$dir/make.err")"; continue; }
  made=$(date +%s.%N)
  prompt=$(cat "$dir/prompt.txt")
  # A short run under the validation layer (any message fails it).
  if ! QUANT_VK_VALIDATION=1 timeout 120 "$dir/chat" --weights "$dir/model.gguf" --tokens "$(echo "$prompt" | cut -d, -f1-40)" \
      -n 8 --temp 0 --ignore-eos >/dev/null 2>"$dir/validate.err"; then
    note "$name: validation run failed: $(head -c 500 "$dir/validate.err")"
  fi
  QUANT_VK_PROFILE=1 timeout 180 "$dir/chat" --weights "$dir/model.gguf" --tokens "$prompt" -n 128 \
    --temp 0 --ignore-eos >/dev/null 2>"$dir/run.err"
  rc=$?
  { echo "== $name (exit $rc)"; cat "$dir/run.err"; } >>"$out/bench.log"
  speeds=$(grep 'tok/s' "$dir/run.err")
  p=$(echo "$speeds" | sed -n 's/prompt \([0-9.]*\) tok\/s.*/\1/p')
  d=$(echo "$speeds" | sed -n 's/.*generation \([0-9.]*\) tok\/s.*/\1/p')
  gbps=$(python3 -c "print(f'{float(\"${d:-0}\") * $(cat "$dir/weight-bytes") / 1e9:.1f}')")
  took=$(python3 -c "print(f'{$made - $start:.1f}')")
  printf '%-16s %8s %12s %12s %10s\n' "$name" "$took" "${p:-?}" "${d:-?}" "$gbps" | tee -a "$summary"
  grep 'qt_matmul_' "$dir/run.err" | sed "s/^vulkan profile: /  $name: /" | tee -a "$summary"
  rm -f "$dir/model.gguf"
done
note "done $(date -u +%H:%M:%SZ)"
