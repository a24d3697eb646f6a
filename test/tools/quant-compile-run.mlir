// The compiled executable runs the entry function: here y = x · Wᵀ with a
// Q8_0 weight quantized at compile time from constants chosen so that every
// value is exact (±127 is code ±127 at scale 1.0) and y = ±32 · 127.
// RUN: quant-compile %s -o %t.exe --quiet
// RUN: %t.exe --signature | FileCheck %s --check-prefix=SIG
// RUN: %t.exe --input %S/Inputs/ones-1x32.npy | FileCheck %s
// RUN: not %t.exe 2>&1 | FileCheck %s --check-prefix=NOINPUT

// SIG: input 1 (arg0): 1x32 f32
// SIG: output 1 (result0): 1x2 f32
// CHECK: output 1 (result0): 1x2 f32 = [4064, -4064]
// NOINPUT: error:

func.func @main(%x: tensor<1x32xf32>) -> tensor<1x2xf32> {
  %c = arith.constant dense<[[127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0, 127.0],
                             [-127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0, -127.0]]> : tensor<2x32xf32>
  %q = qt.quantize %c : tensor<2x32xf32> -> !qt.tensor<2x32x#qt.q8_0>
  %w = qt.dequantize %q : !qt.tensor<2x32x#qt.q8_0> -> tensor<2x32xf32>
  %zero = arith.constant dense<0.0> : tensor<1x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %w : tensor<1x32xf32>, tensor<2x32xf32>) outs(%zero : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
