// RUN: quant-opt %s --qt-vulkan-sink-constants | FileCheck %s

// Scalar constants used in a launch body move into it (they would otherwise
// become kernel arguments, each a storage buffer); buffers stay outside.
// CHECK-LABEL: func.func @launch
// CHECK: gpu.launch
// CHECK-DAG: arith.constant 2.000000e+00 : f32
// CHECK-DAG: arith.constant 3 : index
// CHECK: memref.load %arg0
func.func @launch(%buffer: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %two = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %v = memref.load %buffer[%c3] : memref<8xf32>
    %w = arith.mulf %v, %two : f32
    memref.store %w, %buffer[%c3] : memref<8xf32>
    gpu.terminator
  }
  return
}
