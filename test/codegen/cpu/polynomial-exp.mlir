// RUN: quant-opt %s --split-input-file --qt-cpu-polynomial-exp | FileCheck %s

// An f32 exp, scalar or vector, becomes arithmetic: the argument is clamped,
// reduced by multiples of ln 2, a polynomial (fused multiply-adds) is
// evaluated on the remainder, and the multiple becomes the result's exponent
// through an integer shift and bitcast. No math.exp (a libm call) is left.
// CHECK-LABEL: func.func @scalar
// CHECK-NOT: math.exp
// CHECK: math.fma
// CHECK: arith.shli
// CHECK: arith.bitcast {{.*}} : i32 to f32
// CHECK-NOT: math.exp
// CHECK: return
func.func @scalar(%x: f32) -> f32 {
  %y = math.exp %x : f32
  return %y : f32
}

// -----

// CHECK-LABEL: func.func @vector
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: arith.bitcast {{.*}} : vector<16xi32> to vector<16xf32>
// CHECK-NOT: math.exp
// CHECK: return
func.func @vector(%x: vector<16xf32>) -> vector<16xf32> {
  %y = math.exp %x : vector<16xf32>
  return %y : vector<16xf32>
}

// -----

// An f64 exp (a model's RoPE tables are computed in double) and other math
// ops keep their library calls.
// CHECK-LABEL: func.func @others
// CHECK: math.exp %{{.*}} : f64
// CHECK: math.tanh %{{.*}} : f32
func.func @others(%x: f64, %y: f32) -> (f64, f32) {
  %a = math.exp %x : f64
  %b = math.tanh %y : f32
  return %a, %b : f64, f32
}
