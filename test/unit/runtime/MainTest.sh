#!/usr/bin/env bash
#===- MainTest.sh - qrt_main end to end on stand-in programs --------------===#
#
# usage: MainTest.sh ADD_ROWS_PROGRAM DTYPES_PROGRAM PYTHON NPYTOOL WORKDIR
#
# Runs the executables built from TestProgramAddRows.cpp and
# TestProgramDTypes.cpp: results, printed summaries, --bench and --signature
# output, and every error case (one "error:" line on stderr, the right exit
# code, no output file left behind).
#
#===------------------------------------------------------------------------===#

set -u
if [ $# -ne 5 ]; then
  echo "usage: $0 ADD_ROWS_PROGRAM DTYPES_PROGRAM PYTHON NPYTOOL WORKDIR" >&2
  exit 2
fi
PROG=$1
TYPES=$2
PYTHON=$3
TOOL=$4
WORK=$5

rm -rf "$WORK"
mkdir -p "$WORK"
cd "$WORK" || exit 1
unset QUANT_THREADS

passed=0
failed=0
fail() {
  echo "FAIL: $*" >&2
  failed=$((failed + 1))
}
pass() {
  passed=$((passed + 1))
}
npy() {
  "$PYTHON" "$TOOL" "$@"
}

# expect_ok NAME CMD...: the command succeeds; its stdout is in out.txt.
expect_ok() {
  local name=$1
  shift
  if "$@" >out.txt 2>err.txt; then
    if [ -s err.txt ]; then
      fail "$name: unexpected stderr: $(cat err.txt)"
    else
      pass
    fi
  else
    fail "$name: exit $? from $*: $(cat err.txt)"
  fi
}

# expect_stdout NAME EXPECTED: out.txt holds exactly EXPECTED.
expect_stdout() {
  if [ "$(cat out.txt)" = "$2" ]; then
    pass
  else
    fail "$1: stdout was:
$(cat out.txt)
expected:
$2"
  fi
}

# expect_error NAME CODE MESSAGE CMD...: the command exits with CODE and
# writes exactly one line "<prog>: error: MESSAGE..." to stderr, and leaves
# no output or temporary file behind.
expect_error() {
  local name=$1 code=$2 message=$3
  shift 3
  rm -f y.npy
  "$@" >out.txt 2>err.txt
  local rc=$?
  local ok=1
  if [ "$rc" -ne "$code" ]; then
    fail "$name: exit $rc, expected $code"
    ok=0
  fi
  if [ "$(wc -l <err.txt)" -ne 1 ]; then
    fail "$name: expected one stderr line, got: $(cat err.txt)"
    ok=0
  fi
  if ! grep -qF -- ": error: $message" err.txt; then
    fail "$name: stderr '$(cat err.txt)' lacks ': error: $message'"
    ok=0
  fi
  if [ -e y.npy ] || ls -a | grep -q '\.tmp\.'; then
    fail "$name: left an output file behind: $(ls)"
    ok=0
  fi
  [ $ok -eq 1 ] && pass
}

# --- The add-rows program: y[2x3] = x[2x3] + v[3] ---------------------------
npy write x.npy '<f4' 2x3 1 2 3 4 5 6
npy write v.npy '<f4' 3 10 20 30
npy write x_shape.npy '<f4' 2x2 1 2 3 4
npy write x_i32.npy '<i4' 2x3 1 2 3 4 5 6
npy write v_scalar.npy '<f4' scalar 1
printf 'not numpy at all' >garbage.npy

expect_ok run "$PROG" --input x.npy --input v.npy --output y.npy
if npy check y.npy '<f4' 2x3 11 22 33 14 25 36; then pass; else fail "values"; fi

for threads in 1 2 3 8; do
  rm -f y.npy
  expect_ok "threads $threads" "$PROG" --input=x.npy --input=v.npy \
    --output=y.npy --threads "$threads"
  if npy check y.npy '<f4' 2x3 11 22 33 14 25 36; then pass; else
    fail "values with --threads $threads"
  fi
done

expect_ok print "$PROG" --input x.npy --input v.npy
expect_stdout print "output 1 (y): 2x3 f32 = [11, 22, 33, 14, 25, 36]"

expect_ok signature "$PROG" --signature
expect_stdout signature "program add_rows
input 1 (x): 2x3 f32
input 2 (v): 3 f32
output 1 (y): 2x3 f32
default threads: 2"

expect_ok help "$PROG" --help
if head -n 1 out.txt | grep -q '^usage: .*--input'; then pass; else
  fail "help: $(head -n 1 out.txt)"
fi

# --bench: one line; the thread count is --threads, else QUANT_THREADS, else
# the signature's default (2 here).
bench_line='^median=[0-9]+\.[0-9]+ ms min=[0-9]+\.[0-9]+ ms max=[0-9]+\.[0-9]+ ms'
expect_ok bench "$PROG" --input x.npy --input v.npy --bench 5
if [ "$(wc -l <out.txt)" -eq 1 ] &&
  grep -Eq "$bench_line \(5 runs, 2 threads\)\$" out.txt; then pass; else
  fail "bench: $(cat out.txt)"
fi
expect_ok "bench threads" "$PROG" --input x.npy --input v.npy --bench 3 \
  --threads 4 --output y.npy
if grep -Eq "$bench_line \(3 runs, 4 threads\)\$" out.txt; then pass; else
  fail "bench threads: $(cat out.txt)"
fi
if npy check y.npy '<f4' 2x3 11 22 33 14 25 36; then pass; else
  fail "values after bench"
fi
QUANT_THREADS=3 expect_ok "bench env" "$PROG" --input x.npy --input v.npy \
  --bench 2
if grep -Eq "$bench_line \(2 runs, 3 threads\)\$" out.txt; then pass; else
  fail "bench env: $(cat out.txt)"
fi
rm -f y.npy

expect_error "too few inputs" 2 "expected 2 inputs (--input), got 1" \
  "$PROG" --input x.npy --output y.npy
expect_error "too many inputs" 2 "expected 2 inputs (--input), got 3" \
  "$PROG" --input x.npy --input v.npy --input v.npy --output y.npy
expect_error "no inputs" 2 "expected 2 inputs (--input), got 0" "$PROG"
expect_error "too many outputs" 2 "expected 1 output (--output), got 2" \
  "$PROG" --input x.npy --input v.npy --output y.npy --output z.npy
expect_error "wrong shape" 1 \
  "input 1 (x): expected shape 2x3 f32, got 2x2 f32 from x_shape.npy" \
  "$PROG" --input x_shape.npy --input v.npy --output y.npy
expect_error "wrong rank" 1 \
  "input 2 (v): expected shape 3 f32, got scalar f32 from v_scalar.npy" \
  "$PROG" --input x.npy --input v_scalar.npy --output y.npy
expect_error "wrong dtype" 1 \
  "input 1 (x): expected shape 2x3 f32, got 2x3 i32 from x_i32.npy" \
  "$PROG" --input x_i32.npy --input v.npy --output y.npy
expect_error "missing file" 1 "missing.npy: cannot open: " \
  "$PROG" --input x.npy --input missing.npy --output y.npy
expect_error "not npy" 1 "garbage.npy: not a .npy file" \
  "$PROG" --input garbage.npy --input v.npy --output y.npy
expect_error "bad flag" 2 "unknown option '--bogus'" \
  "$PROG" --input x.npy --input v.npy --output y.npy --bogus
expect_error "positional" 2 "unexpected argument 'x.npy'" \
  "$PROG" x.npy v.npy --output y.npy
expect_error "missing value" 2 "missing value for --bench" \
  "$PROG" --input x.npy --input v.npy --output y.npy --bench
expect_error "bad bench" 2 "invalid value 'many' for --bench" \
  "$PROG" --input x.npy --input v.npy --output y.npy --bench many
expect_error "bad threads" 2 "invalid value '0' for --threads" \
  "$PROG" --input x.npy --input v.npy --output y.npy --threads 0
expect_error "unwritable output" 1 "nodir/y.npy: cannot write: " \
  "$PROG" --input x.npy --input v.npy --output nodir/y.npy

# --- The dtypes program: i8, bf16 (as f32), 0-d f16, i32 in; i64 out -------
npy write a.npy '|i1' 4 1 -2 3 -128
npy write b.npy '<f4' 2 1.5 -2
npy write c.npy '<f2' scalar 0.5
npy write d.npy '<i4' 2 7 -9
npy write b_f16.npy '<f2' 2 1.5 -2

expect_ok dtypes "$TYPES" --input a.npy --input b.npy --input c.npy \
  --input d.npy --output twice.npy --output plus.npy --output same.npy \
  --output neg.npy
if npy check twice.npy '<i8' 4 2 -4 6 -256 &&
  npy check plus.npy '<f4' 2 2.5 -1 &&
  npy check same.npy '<f2' scalar 0.5 &&
  npy check neg.npy '<i4' 2 -7 9; then pass; else fail "dtypes values"; fi

expect_ok "dtypes print" "$TYPES" --input a.npy --input b.npy --input c.npy \
  --input d.npy
expect_stdout "dtypes print" "output 1 (twice): 4 i64 = [2, -4, 6, -256]
output 2 (plus): 2 bf16 = [2.5, -1]
output 3 (same): scalar f16 = [0.5]
output 4 (neg): 2 i32 = [-7, 9]"

expect_error "bf16 needs f32" 1 \
  "input 2 (b): expected shape 2 bf16 (as f32), got 2 f16 from b_f16.npy" \
  "$TYPES" --input a.npy --input b_f16.npy --input c.npy --input d.npy

# One output that cannot be written: the outputs written before it go too.
rm -f twice.npy plus.npy same.npy neg.npy
expect_error "partial outputs" 1 "nodir/same.npy: cannot write: " \
  "$TYPES" --input a.npy --input b.npy --input c.npy --input d.npy \
  --output twice.npy --output plus.npy --output nodir/same.npy \
  --output neg.npy
if [ -e twice.npy ] || [ -e plus.npy ] || [ -e neg.npy ]; then
  fail "partial outputs: files left: $(ls)"
else
  pass
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
