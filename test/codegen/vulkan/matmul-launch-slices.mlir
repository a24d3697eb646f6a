// RUN: quant-opt %s --qt-cpu-outline-kernels=strategy=float --canonicalize --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --qt-vulkan-matmul-launch --cse | FileCheck %s

// A K-quant super-block (256 elements) is decoded in 8 slices of 32, each
// slice's code behind a branch on the slice index. The staged loop orders
// the items slice-major: in a phase, invocations [0, 32) and [32, 64) each
// take one slice of 32 consecutive super-blocks, so a subgroup of up to 32
// runs one slice's code. One super-block of 8 slices: 4 phases of 2 slices
// (the plain order would be 1 phase of 8 slices).
// CHECK-LABEL: func.func @linear
// CHECK: gpu.launch {{.*}} module(@qt_matmul_0) function(@qt_matmul_q4_k_k256_row)
// CHECK: memref.alloc() : memref<2112xf32, 3>
// CHECK: scf.for %[[PHASE:.*]] = %c0 to %c4 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32)
// The phase's slice group and block of 32 steps; the invocation's slice and step.
// CHECK-DAG: arith.divui %[[PHASE]], %c4 : index
// CHECK-DAG: arith.remui %[[PHASE]], %c4 : index
// CHECK: gpu.barrier
// CHECK-COUNT-8: scf.if
// CHECK: gpu.barrier
func.func @linear(%x: tensor<1x256xf32>) -> tensor<1x8xf32> {
  %w = qt.constant dense<17> : tensor<1152xi8> -> !qt.tensor<8x256x#qt.q4_k>
  %y = qt.matmul %x, %w transpose_b : tensor<1x256xf32>, !qt.tensor<8x256x#qt.q4_k> -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
