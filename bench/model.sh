#!/usr/bin/env bash
#===- model.sh - the TinyLlama-shaped model benchmark of docs/benchmarks.md ===#
#
# Writes a synthetic model with TinyLlama-1.1B's shape (dim 2048, 22 layers,
# FFN 5632, 32 heads, 4 KV heads, vocab 32000) in each format, compiles it,
# and records compile time, executable size, peak RSS, prompt tokens/s (512
# tokens) and decode tokens/s, with OpenBLAS sgemv's DRAM bandwidth measured
# in the same run for the decode roofline.
# With --rounds N each executable runs N times and the table shows the
# median prompt and decode rates (and the largest peak RSS); the sgemv
# bandwidth is measured before the first round and after the last.
# Usage: bench/model.sh [--threads N] [--formats q4_0,q8_0,q4_k] [--rounds N] [--dir DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
threads=2 formats=q4_0,q8_0,q4_k rounds=1 dir=${TMPDIR:-/tmp}/quant-model-bench
while [ $# -gt 0 ]; do
  case $1 in
    --threads) threads=$2; shift 2 ;;
    --formats) formats=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "model.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
case $rounds in
  ''|*[!0-9]*|0) echo "model.sh: --rounds needs a positive integer, got '$rounds'" >&2; exit 2 ;;
esac
"$root/scripts/build.sh" quant-gguf quant-compile quant-bench QuantRuntime \
  QuantRuntimeMain QuantRuntimeModel >/dev/null
bin=${QUANT_BUILD_DIR:-$root/build}/bin
mkdir -p "$dir"
echo "# $(date -u +%Y-%m-%d) $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, threads=$threads"

# DRAM bandwidth as fp32 sgemv streams it (4096 x 14336, 235 MB, in huge
# pages like the compiled models' weights: quant-bench --pages). This
# machine's bandwidth drifts, so it is measured right before and right after
# each model's run, and the roofline uses their mean.
sgemv_bandwidth() {
  "$bin/quant-bench" matmul --format q8_0 --m 4096 --k 14336 --n 1 \
    --threads "$threads" --baseline openblas | sed -n 's/.*openblas.*gbps=\([0-9.]*\).*/\1/p'
}

prompt=$(python3 -c "print(','.join(str(3 + (i * 7919) % 31990) for i in range(512)))")
printf '%-6s %10s %10s %9s %9s %12s %12s %12s %9s %9s\n' format make_s compile_s exe_MB rss_MB \
  prompt_tok/s decode_tok/s decode_GB/s sgemv_GB/s roofline
for format in ${formats//,/ }; do
  model=$dir/tinyllama-$format.gguf exe=$dir/tinyllama-$format
  start=$(date +%s.%N)
  "$bin/quant-gguf" make-llama "$model" --dim 2048 --layers 22 --heads 32 \
    --kv-heads 4 --ffn 5632 --vocab 32000 --context 2048 --format "$format" >/dev/null
  made=$(date +%s.%N)
  "$bin/quant-compile" "$model" -o "$exe" --context 1024 --quiet
  compiled=$(date +%s.%N)
  # The executable was just written: let its pages reach the disk first, so
  # the run does not compete with their writeback.
  sync
  # Bytes read per decoded token: every tensor but the embedding table (one
  # row of it is read).
  bytes=$("$bin/quant-gguf" info "$model" | awk '$2 ~ /\.weight$/ && $2 != "token_embd.weight" {s += $NF} END {print s}')
  before=$(sgemv_bandwidth)
  : > "$dir/runs.txt"
  for round in $(seq "$rounds"); do
    /usr/bin/time -f '%M' -o "$dir/rss.txt" "$exe" --tokens "$prompt" -n 64 --temp 0 \
      --threads "$threads" >/dev/null 2>"$dir/run.txt"
    echo "$(cat "$dir/rss.txt") $(grep 'tok/s' "$dir/run.txt")" >> "$dir/runs.txt"
  done
  after=$(sgemv_bandwidth)
  bandwidth=$(python3 -c "print(($before + $after) / 2)")
  python3 - "$format" "$made" "$start" "$compiled" "$exe" "$dir/runs.txt" \
    "$bytes" "$bandwidth" <<'PY'
import os, re, statistics, sys
fmt, made, start, compiled, exe, runs, nbytes, bw = sys.argv[1:]
# Each line: peak RSS in KB, then "prompt X tok/s, generation Y tok/s".
rss, prompts, decodes = 0, [], []
for line in open(runs):
    m = re.match(r"(\d+) prompt ([0-9.]+) tok/s, generation ([0-9.]+) tok/s", line)
    if not m:
        sys.exit(f"model.sh: unexpected run output: {line.strip()}")
    rss = max(rss, int(m.group(1)))
    prompts.append(float(m.group(2)))
    decodes.append(float(m.group(3)))
prompt, decode = statistics.median(prompts), statistics.median(decodes)
gbps = decode * float(nbytes) / 1e9
print(f"{fmt:<6} {float(made)-float(start):10.1f} {float(compiled)-float(made):10.1f} "
      f"{os.path.getsize(exe)/1e6:9.1f} {int(rss)/1e3:9.1f} {float(prompt):12.1f} "
      f"{float(decode):12.2f} {gbps:12.2f} {float(bw):9.1f} {gbps/float(bw):9.2f}")
PY
  rm -f "$model" "$exe"
done
