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
// Its workgroups compute four weight rows each.
// CHECK: %[[GROUPS:.*]] = arith.ceildivui %{{.*}}, %c4 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[GROUPS]], {{.*}}) threads({{.*}}) in ({{.*}} = %c64, {{.*}}) module(@qt_matmul_0) function(@qt_matmul_q4_0_k64_row)
// The activations go through workgroup memory, 64 items of 32 elements per
// phase, each item padded to 33 floats; copied with a loop striding by the
// workgroup size, then a barrier.
// CHECK: memref.alloc() : memref<2112xf32, 3>
// CHECK: scf.for {{.*}} = %c0 to %c1 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32)
// CHECK: scf.for {{.*}} = %{{.*}} to %c2048 step %c64 {
// CHECK: memref.load {{.*}} : memref<?x64xf32>
// CHECK: memref.store {{.*}} : memref<2112xf32, 3>
// CHECK: gpu.barrier
// The item's 32 activations, then the four rows in a loop: decoding code
// once, each byte loaded once, the FMAs chained into the row's accumulator.
// CHECK-COUNT-32: memref.load {{.*}} : memref<2112xf32, 3>
// CHECK: scf.for {{.*}} = %c0 to %c4 step %c1 iter_args
// CHECK-COUNT-18: memref.load {{.*}} : memref<?x2x18xi8>
// CHECK-NOT: memref.load {{.*}} : memref<?x2x18xi8>
// CHECK: math.fma
// CHECK-NOT: memref.load {{.*}} : memref<?x2x18xi8>
// CHECK: gpu.barrier
// CHECK: memref.alloc() : memref<256xf32, 3>
// CHECK-COUNT-4: spirv.GroupNonUniformFAdd <Subgroup> <Reduce>
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
// CHECK: %[[TILEGROUPS:.*]] = arith.ceildivui %[[COUNT]], %c1 : index
// CHECK: gpu.launch blocks(%[[ROW:.*]], %{{.*}}, %{{.*}}) in ({{.*}} = %[[TILEGROUPS]], {{.*}}) threads({{.*}}) in ({{.*}} = %c64, {{.*}}) module(@qt_matmul_1) function(@qt_matmul_q4_0_k64_tile4)
// A loop of the same trip count in every invocation (phases of 64 items),
// the item past the row's end skipped by an scf.if.
// CHECK: scf.for {{.*}} = %c0 to %c1 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32)
// CHECK: scf.if %{{.*}} -> (f32, f32, f32, f32)
// Q4_0: one f16 scale (two bytes), 16 code bytes, each byte loaded once.
// CHECK-COUNT-18: memref.load {{.*}} : memref<?x2x18xi8>
// CHECK-NOT: memref.load {{.*}} : memref<?x2x18xi8>
// CHECK: math.fma
// CHECK: scf.yield
// CHECK: memref.alloc() : memref<256xf32, 3>
// CHECK: gpu.num_subgroups
// CHECK-COUNT-4: spirv.GroupNonUniformFAdd <Subgroup> <Reduce>
// CHECK: gpu.barrier
// Output column m0 + row of the chunk.
// CHECK: %[[COLUMN:.*]] = arith.addi %[[M0]], %{{.*}} : index
// CHECK: arith.addi %{{.*}}, %[[COLUMN]] : index
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
