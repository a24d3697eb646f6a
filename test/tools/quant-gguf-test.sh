#!/usr/bin/env bash
#===- quant-gguf-test.sh - End-to-end test of the quant-gguf tool ----------===#
#
# usage: quant-gguf-test.sh QUANT_GGUF QUANT_GGUF_CHECK WORK_DIR
#
# Makes the example file, runs info, quantizes into every GGUF-writable named
# format, dumps tensors from each result and checks them (with
# quant-gguf-check: bit-exact against the format library's decoding, within
# the format's error bound of the original; and the .npy header with python3's
# standard library when python3 is available). Makes synthetic llama models
# (make-llama) in several formats and checks that readLlamaConfig accepts
# them (quant-gguf-check llama). Then checks the error cases:
# one-line "quant-gguf: error: ..." messages, non-zero exits, and no output or
# temporary file left behind.
#
#===------------------------------------------------------------------------===#

set -u

TOOL=$(realpath "$1")
CHECK=$(realpath "$2")
WORK=$3

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1

failures=0
checks=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
pass() {
  checks=$((checks + 1))
}

# run CMD...: runs a command, keeping its stdout, stderr and exit code.
run() {
  "$@" >out.txt 2>err.txt
  status=$?
}

# expect_ok DESCRIPTION CMD...
expect_ok() {
  local what=$1
  shift
  run "$@"
  if [ "$status" -ne 0 ]; then
    fail "$what: exit $status: $(cat err.txt)"
  else
    pass
  fi
}

# expect_error DESCRIPTION SUBSTRING CMD...: a non-zero exit and exactly one
# stderr line "quant-gguf: error: ..." containing SUBSTRING.
expect_error() {
  local what=$1 needle=$2
  shift 2
  run "$@"
  local lines
  lines=$(wc -l <err.txt)
  if [ "$status" -eq 0 ]; then
    fail "$what: exit 0, expected an error"
  elif [ "$lines" -ne 1 ]; then
    fail "$what: expected one stderr line, got $lines: $(cat err.txt)"
  elif ! grep -q '^quant-gguf: error: ' err.txt; then
    fail "$what: stderr is not a quant-gguf error: $(cat err.txt)"
  elif ! grep -qF -- "$needle" err.txt; then
    fail "$what: stderr lacks '$needle': $(cat err.txt)"
  else
    pass
  fi
}

# expect_absent FILE...: none of the files exist.
expect_absent() {
  for f in "$@"; do
    if [ -e "$f" ]; then
      fail "$f exists but should not"
    else
      pass
    fi
  done
}

# no_temporaries: no OUT.tmp.<pid> file is left anywhere in the work dir.
no_temporaries() {
  local left
  left=$(find . -name '*.tmp.*' | head -5)
  if [ -n "$left" ]; then
    fail "temporary files left behind: $left"
  else
    pass
  fi
}

# check_npy_header FILE SHAPE: the .npy header, parsed with python3's stdlib.
check_npy_header() {
  if [ -z "$PYTHON" ]; then
    return
  fi
  if ! "$PYTHON" - "$1" "$2" <<'EOF'; then
import ast, struct, sys
path, shape = sys.argv[1], tuple(int(x) for x in sys.argv[2].split(","))
data = open(path, "rb").read()
assert data[:6] == b"\x93NUMPY", "bad magic"
assert data[6:8] == b"\x01\x00", "not version 1.0"
(hlen,) = struct.unpack("<H", data[8:10])
assert (10 + hlen) % 64 == 0, "header not padded to 64 bytes"
header = data[10:10 + hlen].decode("latin1")
assert header.endswith("\n"), "header does not end with a newline"
d = ast.literal_eval(header)
assert d["descr"] == "<f4", d
assert d["fortran_order"] is False, d
assert tuple(d["shape"]) == shape, (d["shape"], shape)
count = 1
for s in shape:
    count *= s
body = data[10 + hlen:]
assert len(body) == 4 * count, (len(body), count)
values = struct.unpack("<%df" % count, body)
assert all(v == v for v in values), "NaN in dump"
EOF
    fail "$1: bad .npy header (expected shape $2)"
  else
    pass
  fi
}

PYTHON=$(command -v python3 || true)
if [ -z "$PYTHON" ]; then
  echo "note: python3 not found; skipping the independent .npy header checks"
fi

#--- Help -------------------------------------------------------------------#
expect_ok "--help" "$TOOL" --help
grep -q 'usage: quant-gguf' out.txt || fail "--help prints no usage"
expect_ok "-h" "$TOOL" -h
for cmd in info quantize dump make-example make-llama; do
  expect_ok "$cmd --help" "$TOOL" "$cmd" --help
  grep -q "usage: quant-gguf $cmd" out.txt || fail "$cmd --help prints no usage"
done
"$TOOL" quantize --help | grep -q 'q4_0' || fail "quantize --help lists no formats"
"$TOOL" --help | grep -q 'make-llama' || fail "--help does not list make-llama"

#--- Example and info -------------------------------------------------------#
expect_ok "make-example" "$TOOL" make-example ex.gguf
expect_ok "make-example again" "$TOOL" make-example ex2.gguf
cmp -s ex.gguf ex2.gguf || fail "make-example is not deterministic"
expect_ok "info" "$TOOL" info ex.gguf
for needle in 'general.architecture' '[string x 8]' 'token_embd.weight' \
  '64 x 256' 'blk.0.attn_norm.weight' 'f32'; do
  grep -qF -- "$needle" out.txt || fail "info output lacks '$needle'"
done

#--- Quantize into every GGUF format, dump and check ------------------------#
formats=$("$CHECK" formats)
[ -n "$formats" ] || fail "no GGUF-writable formats"
for fmt in $formats; do
  out="q_$fmt.gguf"
  expect_ok "quantize $fmt" "$TOOL" quantize ex.gguf "$out" --format "$fmt"
  grep -q "^\[1/6\] token_embd.weight .*f32 -> $fmt" out.txt ||
    fail "quantize $fmt: no progress line for token_embd.weight"
  grep -q "blk.0.attn_norm.weight .*copied" out.txt ||
    fail "quantize $fmt: 1-D tensor not noted as copied"
  expect_ok "info $fmt" "$TOOL" info "$out"
  grep -q "token_embd.weight .* $fmt " out.txt ||
    fail "info $out does not show token_embd.weight as $fmt"
  grep -q "general.quantization_version *u32 *2" out.txt ||
    fail "info $out lacks general.quantization_version = 2"
  for spec in token_embd.weight:64,256 blk.0.attn_norm.weight:256 \
    blk.0.attn_k.weight:32,96 blk.0.attn_v.weight:12,100; do
    tensor=${spec%%:*}
    shape=${spec#*:}
    npy="${fmt}_${tensor}.npy"
    expect_ok "dump $fmt $tensor" "$TOOL" dump "$out" "$tensor" -o "$npy"
    check_npy_header "$npy" "$shape"
    expect_ok "compare $fmt $tensor" "$CHECK" compare ex.gguf "$out" "$tensor" "$npy"
    if [ "$status" -eq 0 ]; then
      sed 's/^/  /' out.txt
    fi
  done
done

#--- Synthetic llama models -------------------------------------------------#
expect_ok "make-llama" "$TOOL" make-llama llama.gguf
grep -q '^\[ 1/21\] token_embd.weight .*q8_0' out.txt ||
  fail "make-llama: no progress line for token_embd.weight"
grep -q '^wrote llama.gguf: 2 layers, dim 64' out.txt ||
  fail "make-llama: no summary line"
expect_ok "llama config" "$CHECK" llama llama.gguf dim=64 layers=2 heads=4 \
  kv-heads=2 ffn=128 vocab=320 context=128 tied=0
expect_ok "make-llama again" "$TOOL" make-llama llama2.gguf
cmp -s llama.gguf llama2.gguf || fail "make-llama is not deterministic"
expect_ok "make-llama seed 2" "$TOOL" make-llama llama3.gguf --seed 2
cmp -s llama.gguf llama3.gguf && fail "make-llama ignores --seed"
expect_ok "info llama" "$TOOL" info llama.gguf
for needle in 'llama.attention.head_count_kv' 'llama.rope.freq_base' \
  'tokenizer.ggml.tokens' '[string x 320]' 'general.quantization_version' \
  'blk.1.ffn_down.weight'; do
  grep -qF -- "$needle" out.txt || fail "info llama.gguf lacks '$needle'"
done
for fmt in f32 f16 bf16 q4_0 q5_1 iq4_nl mxfp4; do
  expect_ok "make-llama $fmt" "$TOOL" make-llama "llama_$fmt.gguf" \
    --format "$fmt" --layers 1 --threads 2
  expect_ok "llama config $fmt" "$CHECK" llama "llama_$fmt.gguf" layers=1
  "$TOOL" info "llama_$fmt.gguf" | grep -q "blk.0.attn_q.weight .* $fmt " ||
    fail "llama_$fmt.gguf: attn_q is not $fmt"
done
for fmt in q2_k q3_k q4_k q5_k q6_k; do
  expect_ok "make-llama $fmt" "$TOOL" make-llama "llama_$fmt.gguf" \
    --format "$fmt" --dim 256 --ffn 512 --layers 1 --heads 8 --kv-heads 8
  expect_ok "llama config $fmt" "$CHECK" llama "llama_$fmt.gguf" dim=256 \
    ffn=512 heads=8 kv-heads=8
done
expect_ok "make-llama mixed" "$TOOL" make-llama llama_mixed.gguf \
  --dim 256 --ffn 256 --format q4_0 --output-format q6_k \
  --embedding-format f16 --vocab 1000 --context 2048 --rope-base 500000 \
  --rms-eps 1e-6
expect_ok "llama config mixed" "$CHECK" llama llama_mixed.gguf vocab=1000 \
  context=2048
"$TOOL" info llama_mixed.gguf >out.txt
grep -q "output.weight .* q6_k " out.txt || fail "mixed: output.weight not q6_k"
grep -q "token_embd.weight .* f16 " out.txt ||
  fail "mixed: token_embd.weight not f16"
expect_ok "make-llama tied" "$TOOL" make-llama llama_tied.gguf --tied
expect_ok "llama config tied" "$CHECK" llama llama_tied.gguf tied=1
expect_ok "make-llama gpt2" "$TOOL" make-llama llama_gpt2.gguf \
  --tokenizer gpt2 --vocab 400
expect_ok "llama config gpt2" "$CHECK" llama llama_gpt2.gguf vocab=400
"$TOOL" info llama_gpt2.gguf | grep -qF 'tokenizer.ggml.merges' ||
  fail "gpt2 model has no merges"
expect_ok "make-llama example for quantize" "$TOOL" make-llama llama_f32.gguf \
  --format f32
expect_ok "quantize a synthetic llama" "$TOOL" quantize llama_f32.gguf \
  llama_requant.gguf --format q4_0
expect_ok "llama config requantized" "$CHECK" llama llama_requant.gguf

expect_error "make-llama unknown format" "unknown format 'q9_9'" \
  "$TOOL" make-llama badl1.gguf --format q9_9
expect_error "make-llama heads" "--dim 64 is not a multiple of --heads 3" \
  "$TOOL" make-llama badl2.gguf --heads 3
expect_error "make-llama kv-heads" "--heads 4 is not a multiple of --kv-heads 3" \
  "$TOOL" make-llama badl3.gguf --kv-heads 3
expect_error "make-llama block size" "not a multiple of the q4_k block size 256" \
  "$TOOL" make-llama badl4.gguf --format q4_k
expect_error "make-llama bad number" "--dim expects an integer" \
  "$TOOL" make-llama badl5.gguf --dim 6x4
expect_error "make-llama zero" "--layers expects an integer" \
  "$TOOL" make-llama badl6.gguf --layers 0
expect_error "make-llama small vocab" "--vocab 200 is too small" \
  "$TOOL" make-llama badl7.gguf --vocab 200
expect_error "make-llama bad eps" "--rms-eps expects a positive number" \
  "$TOOL" make-llama badl8.gguf --rms-eps abc
expect_error "make-llama tokenizer" "--tokenizer expects llama or gpt2" \
  "$TOOL" make-llama badl9.gguf --tokenizer bpe
expect_error "make-llama tied output" "--output-format cannot be used with --tied" \
  "$TOOL" make-llama badl10.gguf --tied --output-format q8_0
expect_error "make-llama without output" "missing OUT.gguf" \
  "$TOOL" make-llama
expect_error "make-llama into a missing directory" "cannot create" \
  "$TOOL" make-llama no-such-dir/badl11.gguf
expect_absent badl1.gguf badl2.gguf badl3.gguf badl4.gguf badl5.gguf \
  badl6.gguf badl7.gguf badl8.gguf badl9.gguf badl10.gguf

#--- Errors -----------------------------------------------------------------#
expect_error "info missing file" "missing.gguf: cannot open" \
  "$TOOL" info missing.gguf
expect_error "unknown command" "unknown command 'frobnicate'" \
  "$TOOL" frobnicate
expect_error "unknown option" "unknown option '--bogus'" \
  "$TOOL" info --bogus ex.gguf
expect_error "info without file" "missing FILE" "$TOOL" info
expect_error "no command" "missing command" "$TOOL"

expect_error "unknown format" "unknown format 'q9_9'" \
  "$TOOL" quantize ex.gguf bad1.gguf --format q9_9
grep -q 'q4_0' err.txt || fail "unknown format error does not list the formats"
nongguf=$("$CHECK" formats --non-gguf | head -1)
if [ -n "$nongguf" ]; then
  expect_error "non-GGUF format" "format '$nongguf' has no GGUF type id" \
    "$TOOL" quantize ex.gguf bad2.gguf --format "$nongguf"
fi
expect_error "quantize without --format" "missing --format" \
  "$TOOL" quantize ex.gguf bad3.gguf
expect_error "quantize missing input" "missing.gguf: cannot open" \
  "$TOOL" quantize missing.gguf bad4.gguf --format q8_0
expect_error "quantize into a missing directory" "cannot create" \
  "$TOOL" quantize ex.gguf no-such-dir/bad5.gguf --format q8_0

head -c 1000 ex.gguf >trunc.gguf
expect_error "info truncated" "trunc.gguf: " "$TOOL" info trunc.gguf
expect_error "quantize truncated" "trunc.gguf: " \
  "$TOOL" quantize trunc.gguf bad6.gguf --format q4_0
printf 'GGML not a gguf file at all' >notgguf.gguf
expect_error "info not gguf" "bad magic" "$TOOL" info notgguf.gguf

expect_error "dump unknown tensor" "no tensor named 'nope'" \
  "$TOOL" dump ex.gguf nope -o bad7.npy
expect_error "dump without -o" "missing -o" \
  "$TOOL" dump ex.gguf token_embd.weight
expect_error "dump missing file" "missing.gguf: cannot open" \
  "$TOOL" dump missing.gguf token_embd.weight -o bad8.npy

expect_absent bad1.gguf bad2.gguf bad3.gguf bad4.gguf bad6.gguf bad7.npy \
  bad8.npy no-such-dir
no_temporaries

echo "quant-gguf-test: $checks checks passed, $failures failed"
[ "$failures" -eq 0 ]
