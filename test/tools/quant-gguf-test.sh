#!/usr/bin/env bash
#===- quant-gguf-test.sh - End-to-end test of the quant-gguf tool ----------===#
#
# usage: quant-gguf-test.sh QUANT_GGUF QUANT_GGUF_CHECK WORK_DIR
#
# Makes the example file, runs info, quantizes into every GGUF-writable named
# format, dumps tensors from each result and checks them (with
# quant-gguf-check: bit-exact against the format library's decoding, within
# the format's error bound of the original; and the .npy header with python3's
# standard library when python3 is available). Then checks the error cases:
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
for cmd in info quantize dump make-example; do
  expect_ok "$cmd --help" "$TOOL" "$cmd" --help
  grep -q "usage: quant-gguf $cmd" out.txt || fail "$cmd --help prints no usage"
done
"$TOOL" quantize --help | grep -q 'q4_0' || fail "quantize --help lists no formats"

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
