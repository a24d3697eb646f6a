// RUN: quant-opt %s -split-input-file -verify-diagnostics --qt-vulkan-keep-on-host | FileCheck %s

// A linalg op computing in float64 (RoPE tables: float64 angles, cos/sin
// stored as float32) becomes sequential host loops.
// CHECK-LABEL: func.func @tables
// CHECK-NOT: linalg.generic
// CHECK: scf.for
// CHECK: scf.for
// CHECK: math.cos %{{.*}} : f64
// CHECK: memref.store %{{.*}} : memref<4x8xf32>
#row = affine_map<(i, j) -> (j)>
#all = affine_map<(i, j) -> (i, j)>
func.func @tables(%frequencies: memref<8xf64>, %cos: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [#row, #all], iterator_types = ["parallel", "parallel"]}
      ins(%frequencies : memref<8xf64>) outs(%cos : memref<4x8xf32>) {
  ^bb0(%f: f64, %out: f32):
    %i = linalg.index 0 : index
    %i64 = arith.index_cast %i : index to i64
    %position = arith.uitofp %i64 : i64 to f64
    %angle = arith.mulf %position, %f : f64
    %c = math.cos %angle : f64
    %t = arith.truncf %c : f64 to f32
    linalg.yield %t : f32
  }
  return
}

// -----

// Float32 ops stay linalg (GPU kernels later).
// CHECK-LABEL: func.func @float32
// CHECK: linalg.generic
// CHECK-NOT: scf.for
#all = affine_map<(i) -> (i)>
func.func @float32(%a: memref<8xf32>, %b: memref<8xf32>) {
  linalg.generic {indexing_maps = [#all, #all], iterator_types = ["parallel"]}
      ins(%a : memref<8xf32>) outs(%b : memref<8xf32>) {
  ^bb0(%x: f32, %out: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Before bufferization there are no buffers to loop over: an error, not
// invalid IR.
#all = affine_map<(i) -> (i)>
func.func @tensors(%a: tensor<8xf64>, %b: tensor<8xf64>) -> tensor<8xf64> {
  // expected-error @below {{computes in float64 on tensors; host loops need a bufferized op}}
  %r = linalg.generic {indexing_maps = [#all, #all], iterator_types = ["parallel"]}
      ins(%a : tensor<8xf64>) outs(%b : tensor<8xf64>) {
  ^bb0(%x: f64, %out: f64):
    linalg.yield %x : f64
  } -> tensor<8xf64>
  return %r : tensor<8xf64>
}
