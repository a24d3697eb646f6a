#!/usr/bin/env bash
#===- train-tiny-llama.sh - train the tiny llama on Jane Austen ----------===#
#
# Reproduces models/tiny-llama/: the calibration and held-out test text, the
# trained byte-level llama as an F32 GGUF file, and metrics.json (see
# docs/tiny-llama.md). Installs what is missing: Debian's python3-torch
# (1.13) and the text of r-cran-janeaustenr 1.0.0-1 (downloaded with
# apt-get download and unpacked with dpkg -x, so R itself is not needed).
# Deterministic: fixed seeds, deterministic algorithms, 2 threads; on the
# same CPU type and the same Debian packages it rewrites byte-identical
# files and says so at the end (models/tiny-llama/SHA256SUMS).
#
# Training takes about 17 minutes on 2 otherwise idle cores. When
# build/bin/quant-compile exists, the model is also compiled and the
# executable's logits and perplexity are checked against PyTorch.
#
# Usage: scripts/train-tiny-llama.sh [--skip-verify]
# TINY_LLAMA_OUT=DIR writes the files to DIR instead of models/tiny-llama
# (to check a reproduction without touching the committed files).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${TINY_LLAMA_OUT:-$root/models/tiny-llama}
sums=$root/models/tiny-llama/SHA256SUMS
work=${QUANT_BUILD_DIR:-$root/build}/tiny-llama
python=/usr/bin/python3 # Debian's Python, where python3-torch lives
verify=1
[ "${1:-}" = "--skip-verify" ] && verify=0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_update() {
  if [ $apt_updated -eq 0 ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
}

if ! "$python" -c "import torch" 2>/dev/null; then
  echo "tiny-llama: installing python3-torch"
  apt_update
  $SUDO apt-get install -y -qq --no-install-recommends python3-torch
fi

# The novels: janeaustenr's lazy-load R data file.
rdata_sha256=8fb5198960d0da724b1562f96e4221e5c1b41ff455000280b02c55980c3d8f21
rdata=/usr/lib/R/site-library/janeaustenr/data/Rdata.rdb
if [ ! -f "$rdata" ] || ! echo "$rdata_sha256  $rdata" | sha256sum -c --status; then
  rdata=$work/janeaustenr/usr/lib/R/site-library/janeaustenr/data/Rdata.rdb
  if [ ! -f "$rdata" ] || ! echo "$rdata_sha256  $rdata" | sha256sum -c --status; then
    echo "tiny-llama: downloading r-cran-janeaustenr 1.0.0-1"
    mkdir -p "$work/deb"
    rm -rf "$work/janeaustenr" "$work/deb"/r-cran-janeaustenr_*.deb
    (cd "$work/deb" && { apt-get download -q r-cran-janeaustenr=1.0.0-1 2>/dev/null ||
      { apt_update && apt-get download -q r-cran-janeaustenr=1.0.0-1; }; })
    dpkg -x "$work/deb"/r-cran-janeaustenr_1.0.0-1_all.deb "$work/janeaustenr"
  fi
fi
echo "$rdata_sha256  $rdata" | sha256sum -c --quiet

export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
export OMP_WAIT_POLICY=PASSIVE # no spinning when the cores are shared
mkdir -p "$out" "$work"
start=$(date +%s)
"$python" "$root/scripts/train_tiny_llama.py" all --rdata "$rdata" \
  --out "$out" --work "$work" --threads 2
echo "tiny-llama: data, training, export and evaluation took $(( $(date +%s) - start )) s"

bin=${QUANT_BUILD_DIR:-$root/build}/bin
if [ $verify -eq 1 ] && [ -x "$bin/quant-compile" ] && [ -x "$bin/quant-gguf" ]; then
  "$bin/quant-gguf" info "$out/tiny-llama-f32.gguf" > "$work/gguf-info.txt"
  head -n 30 "$work/gguf-info.txt"
  "$bin/quant-compile" "$out/tiny-llama-f32.gguf" -o "$work/tiny-chat"
  echo "== $work/tiny-chat -p \"The \" -n 100 --temp 0"
  "$work/tiny-chat" -p "The " -n 100 --temp 0
  echo
  "$python" "$root/scripts/train_tiny_llama.py" verify --out "$out" --work "$work" \
    --exe "$work/tiny-chat"
elif [ $verify -eq 1 ]; then
  echo "tiny-llama: $bin/quant-compile not built; skipping the executable check"
fi

if [ -f "$sums" ]; then
  if (cd "$out" && sha256sum -c --quiet "$sums"); then
    echo "tiny-llama: reproduced the committed files byte for byte"
  else
    echo "tiny-llama: the files differ from models/tiny-llama/SHA256SUMS" \
      "(a different CPU or library build changes the float rounding)"
  fi
fi
