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
# them (quant-gguf-check llama), and quantizes one with --method gptq and
# awq (calibration text, with its error cases). Compares files (compare: a
# file against itself, f32 against q4_0 and q8_0 with SQNR ranges derived
# from the bit widths, the --png chart checked with python3's zlib). Then
# checks the error cases:
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

#--- Post-training quantization: --method gptq / awq ------------------------#
# Calibration text (plain words; the synthetic vocabulary spells them with
# pieces and byte tokens).
for i in $(seq 1 120); do
  echo "line $i: once upon a time a quick brown fox jumped over the lazy dog,"
  echo "and the model learned to keep $((i * 7 % 13)) weights in four bits."
done >calib.txt
: >empty-calib.txt
printf '  \n\t\n' >blank-calib.txt

expect_ok "quantize gptq" "$TOOL" quantize llama_f32.gguf ptq_gptq.gguf \
  --format q4_0 --method gptq --calib calib.txt --calib-windows 3
grep -q '^calibration: 3 windows of up to 128 tokens' out.txt ||
  fail "gptq: no calibration summary line"
grep -q '^calibration: window 3/3$' out.txt ||
  fail "gptq: no calibration progress"
grep -q 'blk.1.ffn_down.weight .*f32 -> q4_0 .*gptq, output error' out.txt ||
  fail "gptq: blk.1.ffn_down.weight not quantized with gptq"
grep -q 'output.weight .*gptq, output error' out.txt ||
  fail "gptq: output.weight not quantized with gptq"
grep -q 'token_embd.weight .*f32 -> q4_0' out.txt ||
  fail "gptq: token_embd.weight not quantized (rtn)"
grep -q 'token_embd.weight .*gptq' out.txt &&
  fail "gptq: token_embd.weight should be rtn"
grep -q 'blk.0.attn_norm.weight .*copied' out.txt ||
  fail "gptq: norms should be copied"
grep -q '^wrote ptq_gptq.gguf: .*(gptq for the linear weights)' out.txt ||
  fail "gptq: no summary line"
expect_ok "llama config gptq" "$CHECK" llama ptq_gptq.gguf dim=64 layers=2 \
  heads=4 kv-heads=2 ffn=128 vocab=320 context=128 tied=0
"$TOOL" info ptq_gptq.gguf | grep -q "blk.0.attn_q.weight .* q4_0 " ||
  fail "ptq_gptq.gguf: attn_q is not q4_0"
# Deterministic whatever the thread count.
expect_ok "quantize gptq, one thread" "$TOOL" quantize llama_f32.gguf \
  ptq_gptq1.gguf --format q4_0 --method gptq --calib calib.txt \
  --calib-windows 3 --threads 1
cmp -s ptq_gptq.gguf ptq_gptq1.gguf ||
  fail "gptq output depends on the thread count"
expect_ok "quantize gptq options" "$TOOL" quantize llama_f32.gguf \
  ptq_gptq2.gguf --format iq4_nl --method gptq --calib calib.txt \
  --calib-windows 2 --calib-context 32 --damp 0.1 --no-act-order -t 2
grep -q '^calibration: 2 windows of up to 32 tokens (64 tokens' out.txt ||
  fail "gptq: --calib-windows/--calib-context not applied"
expect_ok "llama config gptq iq4_nl" "$CHECK" llama ptq_gptq2.gguf
expect_ok "quantize awq" "$TOOL" quantize llama_f32.gguf ptq_awq.gguf \
  --format q4_0 --method awq --calib calib.txt --calib-windows 2
grep -q '^awq: \[1/9\] blk.0.attn_norm -> attn_q,attn_k,attn_v: alpha' out.txt ||
  fail "awq: no scale search progress"
grep -q 'blk.0.attn_norm.weight .*f32 -> f32 .*awq scales folded in' out.txt ||
  fail "awq: attn_norm not rewritten"
grep -q 'output_norm.weight .*awq scales folded in' out.txt ||
  fail "awq: output_norm not rewritten"
grep -q 'blk.0.ffn_up.weight .*awq, output error' out.txt ||
  fail "awq: ffn_up not quantized with awq"
expect_ok "llama config awq" "$CHECK" llama ptq_awq.gguf dim=64 layers=2
"$TOOL" info ptq_awq.gguf | grep -q "blk.1.ffn_norm.weight .* f32 " ||
  fail "ptq_awq.gguf: ffn_norm is not f32"
expect_ok "quantize rtn explicitly" "$TOOL" quantize llama_f32.gguf \
  ptq_rtn.gguf --format q4_0 --method rtn
cmp -s ptq_rtn.gguf llama_requant.gguf ||
  fail "--method rtn differs from the default"

expect_error "gptq missing calibration file" \
  "missing-calib.txt: cannot open calibration file" \
  "$TOOL" quantize llama_f32.gguf badp1.gguf --format q4_0 --method gptq \
  --calib missing-calib.txt
expect_error "gptq empty calibration file" \
  "empty-calib.txt: calibration file is empty" \
  "$TOOL" quantize llama_f32.gguf badp2.gguf --format q4_0 --method gptq \
  --calib empty-calib.txt
expect_error "awq blank calibration file" \
  "blank-calib.txt: calibration file is empty" \
  "$TOOL" quantize llama_f32.gguf badp3.gguf --format q4_0 --method awq \
  --calib blank-calib.txt
expect_error "gptq without --calib" "--method gptq needs --calib FILE.txt" \
  "$TOOL" quantize llama_f32.gguf badp4.gguf --format q4_0 --method gptq
expect_error "rtn with --calib" "--calib is only used by --method gptq or awq" \
  "$TOOL" quantize llama_f32.gguf badp5.gguf --format q4_0 --calib calib.txt
expect_error "unknown method" "unknown method 'hqq' (methods: rtn, gptq, awq)" \
  "$TOOL" quantize llama_f32.gguf badp6.gguf --format q4_0 --method hqq
expect_error "awq with --damp" "--damp is only used by --method gptq" \
  "$TOOL" quantize llama_f32.gguf badp7.gguf --format q4_0 --method awq \
  --calib calib.txt --damp 0.1
expect_error "gptq on a non-llama file" "--method gptq needs a llama model" \
  "$TOOL" quantize ex.gguf badp8.gguf --format q4_0 --method gptq \
  --calib calib.txt
expect_error "gptq on a quantized model" \
  "needs f32, f16 or bf16 weights, but blk.0.attn_q.weight is q8_0" \
  "$TOOL" quantize llama.gguf badp9.gguf --format q4_0 --method gptq \
  --calib calib.txt
expect_error "gptq bad --damp" "--damp expects a number" \
  "$TOOL" quantize llama_f32.gguf badp10.gguf --format q4_0 --method gptq \
  --calib calib.txt --damp -1
expect_error "gptq context too long" \
  "--calib-context 4096 exceeds the model's context length 128" \
  "$TOOL" quantize llama_f32.gguf badp11.gguf --format q4_0 --method gptq \
  --calib calib.txt --calib-context 4096
expect_absent badp1.gguf badp2.gguf badp3.gguf badp4.gguf badp5.gguf \
  badp6.gguf badp7.gguf badp8.gguf badp9.gguf badp10.gguf badp11.gguf

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

#--- Compare ----------------------------------------------------------------#
# summary_sqnr: the overall SQNR of the summary line in out.txt.
summary_sqnr() {
  sed -n 's/^summary: .*overall SQNR \([^ ]*\) dB.*/\1/p' out.txt
}

# in_range VALUE LO HI: LO <= VALUE <= HI (decimal numbers).
in_range() {
  awk -v v="$1" -v lo="$2" -v hi="$3" \
    'BEGIN { exit !(v != "" && v + 0 >= lo && v + 0 <= hi) }'
}

# check_png FILE [R,G,B ...]: with python3's standard library, the PNG's
# chunk CRCs, IHDR, zlib stream (zlib checks the Adler-32) and scanline
# filters, and that each colour R,G,B occurs among the pixels.
check_png() {
  if [ -z "$PYTHON" ]; then
    return
  fi
  if ! "$PYTHON" - "$@" <<'EOF'; then
import struct, sys, zlib
path, colours = sys.argv[1], sys.argv[2:]
data = open(path, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
pos, chunks, idat = 8, [], b""
while pos < len(data):
    (n,) = struct.unpack(">I", data[pos:pos + 4])
    kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
    (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
    assert zlib.crc32(kind + body) == crc, "bad CRC of %r" % kind
    chunks.append(kind)
    if kind == b"IHDR":
        w, h, depth, ctype, comp, filt, inter = struct.unpack(">IIBBBBB", body)
        assert (depth, ctype, comp, filt, inter) == (8, 2, 0, 0, 0), body
    if kind == b"IDAT":
        idat += body
    pos += 12 + n
assert pos == len(data), "trailing bytes"
assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND", chunks
raw = zlib.decompress(idat)  # checks the Adler-32
assert len(raw) == (3 * w + 1) * h, (len(raw), w, h)
pixels = set()
for y in range(h):
    line = raw[y * (3 * w + 1):(y + 1) * (3 * w + 1)]
    assert line[0] == 0, "filter type %d on row %d" % (line[0], y)
    pixels.update(line[i:i + 3] for i in range(1, len(line), 3))
for c in colours:
    rgb = bytes(int(x) for x in c.split(","))
    assert rgb in pixels, "colour %s not drawn" % c
EOF
    fail "$1: not a valid PNG (or a colour is missing)"
  else
    pass
  fi
}

expect_ok "compare --help" "$TOOL" compare --help
grep -q "usage: quant-gguf compare" out.txt ||
  fail "compare --help prints no usage"
"$TOOL" --help | grep -q 'compare A B' || fail "--help does not list compare"

# A file against itself: every tensor identical.
expect_ok "compare self" "$TOOL" compare ex.gguf ex.gguf
[ "$(grep -c ' inf  *0\.000e+00$' out.txt)" -eq 6 ] ||
  fail "compare self: not every tensor has SQNR inf: $(cat out.txt)"
grep -q '^summary: 6 tensors compared (119216 elements), overall SQNR inf dB' \
  out.txt || fail "compare self: bad summary: $(grep summary out.txt)"

# F32 against Q4_0 and Q8_0. A uniform quantizer of b bits whose levels span
# its block's range [-max, max] has step D = 2 max / 2^b and noise D^2 / 12,
# so SQNR = 10 log10(3 * 4^b / c^2) = 4.77 + 6.02 b - 20 log10(c) dB, where
# c = max / rms is the block's crest factor: 6.02 dB per bit, less the
# block-scale overhead 20 log10(c). For the example's Gaussian rows with rare
# 8x outliers, a 32-element block's max is 2 to 4 times its rms, an overhead
# of 6 to 12 dB: Q4_0 (16 levels, b = 4) gives 16.8 to 22.8 dB, Q8_0
# (255 levels, b ~ 8) 40.6 to 46.6 dB, and their difference is the 4 extra
# bits, ~24 dB. The ranges below add a little slack.
expect_ok "quantize for compare q4_0" \
  "$TOOL" quantize ex.gguf cmp_q4_0.gguf --format q4_0
expect_ok "quantize for compare q8_0" \
  "$TOOL" quantize ex.gguf cmp_q8_0.gguf --format q8_0
expect_ok "compare q4_0" \
  "$TOOL" compare ex.gguf cmp_q4_0.gguf --png cmp_q4_0.png
sqnr4=$(summary_sqnr)
grep -q '^token_embd.weight  *64 x 256  *f32  *q4_0 ' out.txt ||
  fail "compare q4_0: no row for token_embd.weight"
grep -q '^blk.0.attn_v.weight  *12 x 100  *f32  *f32  .* inf ' out.txt ||
  fail "compare q4_0: the unquantized attn_v is not inf"
grep -q '^wrote cmp_q4_0.png: ' out.txt || fail "compare q4_0: no 'wrote' line"
expect_ok "compare q8_0" "$TOOL" compare ex.gguf cmp_q8_0.gguf
sqnr8=$(summary_sqnr)
cp out.txt cmp_q8_0.txt
# Chunks are merged in order: the thread count does not change the numbers.
expect_ok "compare q8_0, 1 thread" \
  "$TOOL" compare ex.gguf cmp_q8_0.gguf --threads 1
cmp -s out.txt cmp_q8_0.txt || fail "compare depends on the thread count"
echo "  overall SQNR: q4_0 $sqnr4 dB, q8_0 $sqnr8 dB"
in_range "$sqnr4" 15 24 || fail "q4_0 overall SQNR '$sqnr4' outside [15, 24] dB"
in_range "$sqnr8" 39 48 || fail "q8_0 overall SQNR '$sqnr8' outside [39, 48] dB"
if in_range "$(awk -v a="$sqnr8" -v b="$sqnr4" 'BEGIN { print a - b }')" 20 28
then
  pass
else
  fail "q8_0 - q4_0 SQNR is not ~24 dB (4 bits): $sqnr8 vs $sqnr4"
fi

# The chart: a valid PNG with the signature, and bars in the colours of the
# kinds present (attn_q blue, attn_k orange, ffn_down pink, token_embd grey).
if [ "$(head -c 8 cmp_q4_0.png | od -An -tx1 | tr -d ' \n')" = \
  89504e470d0a1a0a ]; then
  pass
else
  fail "cmp_q4_0.png does not start with the PNG signature"
fi
check_png cmp_q4_0.png 31,119,180 255,127,14 227,119,194 127,127,127
expect_ok "compare llama with a chart" "$TOOL" compare llama_f32.gguf \
  llama_requant.gguf --png cmp_llama.png
grep -q '^blk.1.ffn_down.weight .* f32  *q4_0 ' out.txt ||
  fail "compare llama: no row for blk.1.ffn_down.weight"
check_png cmp_llama.png 31,119,180 255,127,14 44,160,44 214,39,40 \
  148,103,189 140,86,75 227,119,194 127,127,127

# Shape mismatches and tensors in one file only are listed, not fatal.
expect_ok "compare mismatched" "$TOOL" compare ex.gguf llama_q4_k.gguf
grep -q '^token_embd.weight .* shape mismatch: B is 320 x 256$' out.txt ||
  fail "compare mismatched: token_embd.weight mismatch not reported"
grep -q '^output.weight .* only in B$' out.txt ||
  fail "compare mismatched: output.weight not listed as only in B"
summary='^summary: 2 tensors compared .*; 0 only in A, 6 only in B, '
summary+='4 shape mismatches$'
grep -q "$summary" out.txt ||
  fail "compare mismatched: bad summary: $(grep summary out.txt)"
expect_ok "compare mismatched reversed" "$TOOL" compare llama_q4_k.gguf ex.gguf
grep -q '^output.weight .* only in A$' out.txt ||
  fail "compare reversed: output.weight not listed as only in A"

# Errors: one line each, no chart left behind.
# A valid GGUF v3 header: magic, version 3, 0 tensors, 0 metadata keys.
printf 'GGUF\003\000\000\000' >notensors.gguf
head -c 16 /dev/zero >>notensors.gguf
expect_error "compare nothing in common" "no tensor name in common" \
  "$TOOL" compare ex.gguf notensors.gguf --png badc1.png
expect_error "compare missing file" "missing.gguf: cannot open" \
  "$TOOL" compare ex.gguf missing.gguf --png badc2.png
head -c 1000 ex.gguf >cmp_trunc.gguf
expect_error "compare truncated" "cmp_trunc.gguf: " \
  "$TOOL" compare cmp_trunc.gguf ex.gguf --png badc3.png
printf 'GGML not a gguf file at all' >cmp_notgguf.gguf
expect_error "compare not gguf" "bad magic" \
  "$TOOL" compare ex.gguf cmp_notgguf.gguf
expect_error "compare one file" "expected A.gguf and B.gguf" \
  "$TOOL" compare ex.gguf
expect_error "compare --png without value" "option '--png' needs a value" \
  "$TOOL" compare ex.gguf ex.gguf --png
expect_error "compare --png into a missing directory" "cannot create" \
  "$TOOL" compare ex.gguf ex.gguf --png no-such-dir/badc4.png
expect_error "compare bad --threads" "--threads expects an integer" \
  "$TOOL" compare ex.gguf ex.gguf --threads 0
expect_absent badc1.png badc2.png badc3.png

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
