// RUN: quant-opt %s --qt-cpu-outline-kernels=strategy=float --canonicalize --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --qt-vulkan-matmul-launch --cse | FileCheck %s

// A fused matmul becomes a launch of one workgroup per (weight row, tile of
// four activation rows, batch) over views with dynamic leading sizes (so
// matmuls differing only in N and M share a kernel); invocations take the
// row's blocks in turn,
// decode each element with scalar ops, reduce within the subgroup, then
// across subgroups through workgroup memory. The kernel declaration is gone.
// CHECK-LABEL: func.func @linear
// A single activation row (a decode step) gets a kernel without a row tile,
// chosen at run time (the choice folds when N is static).
// CHECK: %[[SINGLE:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : index
// CHECK: scf.if %[[SINGLE]] {
// CHECK: gpu.launch {{.*}}module(@qt_matmul_0) function(@qt_matmul_q4_0_k64_row)
// CHECK: memref.alloc() : memref<64xf32, 3>
// CHECK: } else {
// The weight is bound in chunks of rows that fit the device's largest
// storage buffer (the runtime's limit): a loop of launches, each over a
// dense view of its rows.
// CHECK: %[[LIMIT:.*]] = func.call @qrt_vk_max_buffer_bytes() : () -> i64
// CHECK: %[[BYTES:.*]] = arith.index_cast %[[LIMIT]] : i64 to index
// CHECK: %[[FIT:.*]] = arith.divui %[[BYTES]], %c36 : index
// CHECK: %[[ATLEAST1:.*]] = arith.maxui %[[FIT]], %c1 : index
// CHECK: %[[PER:.*]] = arith.minui %[[ATLEAST1]], %c8 : index
// CHECK: %[[FLAT:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : memref<8x2x18xi8> into memref<288xi8>
// CHECK: scf.for %[[M0:.*]] = %c0 to %c8 step %[[PER]] {
// CHECK: %[[LEFT:.*]] = arith.subi %c8, %[[M0]] : index
// CHECK: %[[COUNT:.*]] = arith.minui %[[PER]], %[[LEFT]] : index
// CHECK: %[[SHIFT:.*]] = arith.muli %[[M0]], %c36 : index
// CHECK: memref.view %[[FLAT]][%[[SHIFT]]][%[[COUNT]]] : memref<288xi8> to memref<?x2x18xi8>
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1]] : memref<3x8xf32> into memref<24xf32>
// CHECK: gpu.launch blocks(%[[ROW:.*]], %{{.*}}, %{{.*}}) in ({{.*}} = %[[COUNT]], {{.*}}) threads({{.*}}) in ({{.*}} = %c64, {{.*}}) module(@qt_matmul_1) function(@qt_matmul_q4_0_k64_tile4)
// Output column m0 + row of the chunk.
// CHECK: arith.addi %[[M0]], %[[ROW]] : index
// CHECK: scf.for
// Q4_0: one f16 scale (two bytes), 16 code bytes, each byte loaded once.
// CHECK-COUNT-18: memref.load {{.*}} : memref<?x2x18xi8>
// CHECK-NOT: memref.load {{.*}} : memref<?x2x18xi8>
// CHECK: math.fma
// CHECK: scf.yield
// CHECK: memref.alloc() : memref<256xf32, 3>
// CHECK: gpu.num_subgroups
// CHECK-COUNT-4: spirv.GroupNonUniformFAdd <Subgroup> <Reduce>
// CHECK: gpu.barrier
// CHECK: memref.store {{.*}} : memref<?xf32>
// CHECK: gpu.terminator
// CHECK: func.func private @qrt_vk_max_buffer_bytes() -> i64
// CHECK-NOT: qt.dispatch
// CHECK-NOT: __qt_matmul_kernel
func.func @linear(%x: tensor<3x64xf32>) -> tensor<3x8xf32> {
  %w = qt.constant dense<17> : tensor<288xi8> -> !qt.tensor<8x64x#qt.q4_0>
  %y = qt.matmul %x, %w transpose_b : tensor<3x64xf32>, !qt.tensor<8x64x#qt.q4_0> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}
