// RUN: quant-opt %s --split-input-file --qt-cpu-outline-kernels="strategy=auto vnni=true" | FileCheck %s
// RUN: quant-opt %s --split-input-file --qt-cpu-outline-kernels="strategy=auto vnni=true" --qt-cpu-generate-kernels | FileCheck %s --check-prefix=KERNEL
// RUN: quant-opt %s --split-input-file --qt-cpu-outline-kernels="strategy=auto vnni=true fuse-siblings=false" | FileCheck %s --check-prefix=APART

// Packed matmuls of one format reading the same activations (a layer's
// query, key and value projections) become one dispatch over their 64 rows,
// each weight its own operand; each result is a slice of the joint output.
// A sibling of another format keeps its own dispatch.
// CHECK-LABEL: func.func @projections
// CHECK-SAME: (%[[X:.*]]: tensor<1x256xf32>
// CHECK-DAG: %[[SQ:.*]] = qt.storage_cast %arg1 : !qt.tensor<32x256x#qt.q4_0> -> tensor<32x8x18xi8>
// CHECK-DAG: %[[SK:.*]] = qt.storage_cast %arg2 : !qt.tensor<16x256x#qt.q4_0> -> tensor<16x8x18xi8>
// CHECK-DAG: %[[SV:.*]] = qt.storage_cast %arg3 : !qt.tensor<16x256x#qt.q4_0> -> tensor<16x8x18xi8>
// CHECK-DAG: %[[ROWS:.*]] = arith.constant 64 : index
// CHECK: %[[Y:.*]] = qt.dispatch @[[FUSED:__qt_matmul_kernel_[0-9]+]](%[[ROWS]]) ins(%[[X]], %[[SQ]], %[[SK]], %[[SV]] : {{.*}}) outs(%{{.*}} : tensor<1x64xf32>)
// CHECK-DAG: %[[Q:.*]] = tensor.extract_slice %[[Y]][0, 0] [1, 32] [1, 1] : tensor<1x64xf32> to tensor<1x32xf32>
// CHECK-DAG: %[[K:.*]] = tensor.extract_slice %[[Y]][0, 32] [1, 16] [1, 1] : tensor<1x64xf32> to tensor<1x16xf32>
// CHECK-DAG: %[[V:.*]] = tensor.extract_slice %[[Y]][0, 48] [1, 16] [1, 1] : tensor<1x64xf32> to tensor<1x16xf32>
// CHECK-DAG: %[[O:.*]] = qt.dispatch @{{.*}}(%{{.*}}) ins(%[[X]], %{{.*}} : tensor<1x256xf32>, tensor<16x8x34xi8>)
// CHECK: return %[[Q]], %[[K]], %[[V]], %[[O]]
// CHECK: func.func private @[[FUSED]]({{.*}}) attributes {qt.matmul_kernel = {{{.*}}segment_rows = array<i64: 32, 16, 16>
// APART-LABEL: func.func @projections
// APART-COUNT-4: qt.dispatch
// APART-NOT: tensor.extract_slice

// The kernel reads x, the three weights and y from its operand array and
// runs each weight's share of [begin, end) into its columns of y.
// KERNEL-LABEL: func.func private @__qt_matmul_kernel_0
// KERNEL-DAG: builtin.unrealized_conversion_cast {{.*}} to memref<32x8x18xi8>
// KERNEL-DAG: builtin.unrealized_conversion_cast {{.*}} to memref<16x8x18xi8>
// KERNEL-DAG: builtin.unrealized_conversion_cast {{.*}} to memref<1x64xf32>
// KERNEL: scf.if
// KERNEL: memref.subview %{{.*}}[0, 0] [%{{.*}}, 32] [1, 1] : memref<1x64xf32> to memref<?x32xf32, strided<[64, 1]>>
// KERNEL: vector.maskedstore
// KERNEL: scf.if
// KERNEL: memref.subview %{{.*}}[0, 32] [%{{.*}}, 16] [1, 1] : memref<1x64xf32> to memref<?x16xf32, strided<[64, 1], offset: 32>>
// KERNEL: scf.if
// KERNEL: memref.subview %{{.*}}[0, 48] [%{{.*}}, 16] [1, 1] : memref<1x64xf32> to memref<?x16xf32, strided<[64, 1], offset: 48>>
func.func @projections(%x: tensor<1x256xf32>, %q: !qt.tensor<32x256x#qt.q4_0>,
                       %k: !qt.tensor<16x256x#qt.q4_0>, %v: !qt.tensor<16x256x#qt.q4_0>,
                       %o: !qt.tensor<16x256x#qt.q8_0>)
    -> (tensor<1x32xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>) {
  %yq = qt.matmul %x, %q transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<32x256x#qt.q4_0> -> tensor<1x32xf32>
  %yk = qt.matmul %x, %k transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q4_0> -> tensor<1x16xf32>
  %yv = qt.matmul %x, %v transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q4_0> -> tensor<1x16xf32>
  %yo = qt.matmul %x, %o transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q8_0> -> tensor<1x16xf32>
  return %yq, %yk, %yv, %yo : tensor<1x32xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>
}

// -----

// Not siblings: different activations, row-major (unpacked) weights, and a
// weight that only exists after the first matmul (produced by a call). A
// view of a weight argument made after the first matmul is hoisted to it.
// CHECK-LABEL: func.func @not_siblings
// CHECK: %[[EARLY:.*]] = qt.from_storage %arg4
// CHECK: %[[S:.*]] = qt.storage_cast %[[EARLY]]
// CHECK: qt.dispatch @{{.*}}(%c32) ins(%arg0, %{{.*}}, %[[S]] :
// CHECK-COUNT-4: qt.dispatch @{{.*}}(%c16
// CHECK-NOT: qt.dispatch
func.func private @produce() -> tensor<16x8x18xi8>
func.func @not_siblings(%x: tensor<1x256xf32>, %z: tensor<1x256xf32>,
                        %a: !qt.tensor<16x256x#qt.q4_0>, %b: !qt.tensor<16x256x#qt.q4_0>,
                        %bytes: tensor<16x8x18xi8>)
    -> (tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>) {
  %0 = qt.matmul %x, %a transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q4_0> -> tensor<1x16xf32>
  %1 = qt.matmul %z, %b transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q4_0> -> tensor<1x16xf32>
  %2 = qt.matmul %x, %a transpose_b : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q4_0> -> tensor<1x16xf32>
  %3 = qt.matmul %x, %b transpose_b : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q4_0> -> tensor<1x16xf32>
  %early = qt.from_storage %bytes : tensor<16x8x18xi8> -> !qt.tensor<16x256x#qt.q4_0>
  %4 = qt.matmul %x, %early transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q4_0> -> tensor<1x16xf32>
  %late_bytes = func.call @produce() : () -> tensor<16x8x18xi8>
  %late = qt.from_storage %late_bytes : tensor<16x8x18xi8> -> !qt.tensor<16x256x#qt.q4_0>
  %5 = qt.matmul %x, %late transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q4_0> -> tensor<1x16xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>, tensor<1x16xf32>
}
