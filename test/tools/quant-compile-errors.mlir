// Bad command lines and programs are one-line errors with a non-zero exit,
// and no output file is left behind.
// RUN: rm -f %t.exe
// RUN: not quant-compile %s -o %t.exe --cpu=pentium9000 2>&1 | FileCheck %s --check-prefix=CPU
// RUN: not quant-compile %s -o %t.exe --target=gpu 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not quant-compile %s -o %t.exe --matmul-strategy=fast 2>&1 | FileCheck %s --check-prefix=STRATEGY
// RUN: not quant-compile %s 2>&1 | FileCheck %s --check-prefix=OUTPUT
// RUN: not quant-compile %s.missing -o %t.exe 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not quant-compile %s -o %t.exe --entry=nope 2>&1 | FileCheck %s --check-prefix=ENTRY
// RUN: not quant-compile %s -o %t.exe --entry=dynamic 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// RUN: not quant-compile %s -o %t.exe --threads=-2 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not quant-compile %s -o %t.exe --parallel-loops-min-work=0 2>&1 | FileCheck %s --check-prefix=MINWORK
// RUN: not quant-compile %s -o %t.exe --entry=nf4_int8 --matmul-strategy=int8 2>&1 | FileCheck %s --check-prefix=INT8
// RUN: not ls %t.exe

// CPU: quant-compile: error: unknown CPU 'pentium9000'
// TARGET: quant-compile: error: unknown target 'gpu' (supported: cpu, vulkan)
// STRATEGY: quant-compile: error: unknown --matmul-strategy 'fast' (expected auto, float or int8)
// MINWORK: quant-compile: error: --parallel-loops-min-work must be at least 1
// OUTPUT: quant-compile: error: no output file: use -o PATH
// MISSING: quant-compile: error: {{.*}}quant-compile-errors.mlir.missing: cannot open input file
// ENTRY: quant-compile: error: no function 'nope' in
// DYNAMIC: quant-compile: error: {{.*}}: input arg0 has dynamic shape tensor<?x64xf32>; entry functions need static shapes
// THREADS: quant-compile: error: --threads needs a non-negative integer, got '-2'
// INT8: error: 'qt.matmul' op cannot use the int8 strategy with #qt.nf4
// INT8: quant-compile: error: lowering {{.*}} failed

func.func @main(%x: tensor<1x64xf32>, %w: !qt.tensor<4x64x#qt.q4_0>) -> tensor<1x4xf32> {
  %y = qt.matmul %x, %w transpose_b : tensor<1x64xf32>, !qt.tensor<4x64x#qt.q4_0> -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

func.func @dynamic(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  return %x : tensor<?x64xf32>
}

func.func @nf4_int8(%x: tensor<1x64xf32>) -> tensor<1x4xf32> {
  %c = arith.constant dense<0.5> : tensor<4x64xf32>
  %q = qt.quantize %c : tensor<4x64xf32> -> !qt.tensor<4x64x#qt.nf4>
  %y = qt.matmul %x, %q transpose_b : tensor<1x64xf32>, !qt.tensor<4x64x#qt.nf4> -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
