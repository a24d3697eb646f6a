// RUN: quant-opt %s --pass-pipeline='builtin.module(gpu.module(qt-vulkan-reduce-trig-range))' | FileCheck %s

// The argument of an f32 sin/cos is reduced into [-π, π] (where Vulkan
// bounds their error): k = roundeven(x / 2π), r = (x − k·C1) − k·C2 with
// C1 = 6.28125, clamped to the floats within π. sin and cos of the same
// angle share the reduction.
// CHECK-LABEL: gpu.func @rope
// CHECK-SAME: (%[[X:.*]]: f32,
// CHECK: %[[INV:.*]] = arith.constant 0.159154937 : f32
// CHECK: %[[SCALED:.*]] = arith.mulf %[[X]], %[[INV]] : f32
// CHECK: %[[K:.*]] = math.roundeven %[[SCALED]] : f32
// CHECK: %[[HIGH:.*]] = arith.constant 6.281250e+00 : f32
// CHECK: %[[KHIGH:.*]] = arith.mulf %[[K]], %[[HIGH]] : f32
// CHECK: %[[R1:.*]] = arith.subf %[[X]], %[[KHIGH]] : f32
// CHECK: %[[LOW:.*]] = arith.constant 0.00193530717 : f32
// CHECK: %[[KLOW:.*]] = arith.mulf %[[K]], %[[LOW]] : f32
// CHECK: %[[R2:.*]] = arith.subf %[[R1]], %[[KLOW]] : f32
// CHECK: %[[NEGPI:.*]] = arith.constant -3.1415925 : f32
// CHECK: %[[R3:.*]] = arith.maximumf %[[R2]], %[[NEGPI]] : f32
// CHECK: %[[PI:.*]] = arith.constant 3.1415925 : f32
// CHECK: %[[R:.*]] = arith.minimumf %[[R3]], %[[PI]] : f32
// CHECK: math.sin %[[R]] : f32
// CHECK-NOT: math.roundeven
// CHECK: math.cos %[[R]] : f32
gpu.module @kernels {
  gpu.func @rope(%x: f32, %out: memref<2xf32>) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %s = math.sin %x : f32
    %c = math.cos %x : f32
    memref.store %s, %out[%c0] : memref<2xf32>
    memref.store %c, %out[%c1] : memref<2xf32>
    gpu.return
  }
}
