// RUN: quant-opt %s -split-input-file --qt-cpu-outline-kernels=strategy=float --qt-cpu-generate-kernels | FileCheck %s

// Each qt.matmul becomes a dispatch of a generated kernel over the M output
// rows, reading the weight's raw blocks; the kernel decodes a block in
// registers and reduces it into 4 activation rows with vector FMAs, folding
// the 32 decoded values into one-register (16-lane) accumulators.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<3x64xf32>, %[[W:.*]]: !qt.tensor<8x64x#qt.q4_0>)
// CHECK-DAG: %[[S:.*]] = qt.storage_cast %[[W]] : !qt.tensor<8x64x#qt.q4_0> -> tensor<8x2x18xi8>
// CHECK-DAG: %[[E:.*]] = tensor.empty() : tensor<3x8xf32>
// CHECK-DAG: %[[M:.*]] = arith.constant 8 : index
// CHECK: %[[Y:.*]] = qt.dispatch @__qt_matmul_kernel_0(%[[M]]) ins(%[[X]], %[[S]] : tensor<3x64xf32>, tensor<8x2x18xi8>) outs(%[[E]] : tensor<3x8xf32>) -> tensor<3x8xf32>
// CHECK: return %[[Y]]
// CHECK: func.func private @__qt_matmul_kernel_0(%[[ARGS:.*]]: !llvm.ptr, %{{.*}}: i64, %{{.*}}: i64)
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<3x64xf32>
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<8x2x18xi8>
// CHECK: builtin.unrealized_conversion_cast {{.*}} to memref<3x8xf32>
// CHECK: scf.for
// A block's 2-byte scale and 16 code bytes are loaded separately and joined.
// CHECK: vector.load {{.*}} : memref<8x2x18xi8>, vector<2xi8>
// CHECK: vector.load {{.*}} : memref<8x2x18xi8>, vector<16xi8>
// CHECK: vector.shuffle {{.*}} : vector<2xi8>, vector<16xi8>
// CHECK-COUNT-8: vector.fma {{.*}} : vector<16xf32>
// CHECK: scf.yield
// CHECK-COUNT-4: vector.reduction <add>
// The remainder rows go one at a time.
// CHECK-COUNT-2: vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT: vector.fma
// CHECK: vector.reduction <add>
func.func @linear(%x: tensor<3x64xf32>, %w: !qt.tensor<8x64x#qt.q4_0>) -> tensor<3x8xf32> {
  %y = qt.matmul %x, %w transpose_b : tensor<3x64xf32>, !qt.tensor<8x64x#qt.q4_0> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// A batch of dynamic size: the work items are batch x M rows, and the result
// takes its dynamic sizes from the activations.
// CHECK-LABEL: func.func @batched
// CHECK-DAG: %[[B:.*]] = tensor.dim %arg0, %c0 : tensor<?x?x256xf32>
// CHECK-DAG: %[[N:.*]] = tensor.dim %arg0, %c1 : tensor<?x?x256xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[B]], %[[N]]) : tensor<?x?x16xf32>
// CHECK: %[[COUNT:.*]] = arith.muli %{{.*}}, %c16 : index
// CHECK: qt.dispatch @__qt_matmul_kernel_0(%[[COUNT]]) ins(%arg0, %{{.*}} : tensor<?x?x256xf32>, tensor<16x1x144xi8>) outs(%[[E]] : tensor<?x?x16xf32>)
// CHECK: func.func private @__qt_matmul_kernel_0
// CHECK: vector.load {{.*}} : memref<16x1x144xi8>, vector<144xi8>
// CHECK-COUNT-16: vector.fma {{.*}} : vector<16xf32>
func.func @batched(%x: tensor<?x?x256xf32>, %w: !qt.tensor<16x256x#qt.q4_k>) -> tensor<?x?x16xf32> {
  %y = qt.matmul %x, %w transpose_b : tensor<?x?x256xf32>, !qt.tensor<16x256x#qt.q4_k> -> tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// A per-row format decodes its rows in chunks of 32 codes joined to the
// row's 4-byte f32 scale.
// CHECK-LABEL: func.func @per_row
// CHECK: func.func private @__qt_matmul_kernel_0
// CHECK: vector.load {{.*}} : memref<4x1x132xi8>, vector<4xi8>
// CHECK: vector.load {{.*}} : memref<4x1x132xi8>, vector<32xi8>
// CHECK: vector.shuffle {{.*}} : vector<4xi8>, vector<32xi8>
// CHECK: vector.fma {{.*}} : vector<16xf32>
func.func @per_row(%x: tensor<1x128xf32>, %w: !qt.tensor<4x128x#qt.int8_pc>) -> tensor<1x4xf32> {
  %y = qt.matmul %x, %w transpose_b : tensor<1x128xf32>, !qt.tensor<4x128x#qt.int8_pc> -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
