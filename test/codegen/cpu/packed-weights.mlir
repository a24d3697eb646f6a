// RUN: quant-opt %s --split-input-file --verify-diagnostics --qt-cpu-outline-kernels="strategy=auto vnni=true" --qt-cpu-generate-kernels | FileCheck %s
// RUN: not quant-opt %s --split-input-file --qt-cpu-outline-kernels="strategy=float" 2>&1 | FileCheck %s --check-prefix=FLOAT

// Only the int8 kernel reads packed panels (the Vulkan pipeline, which
// outlines with the float strategy, rejects them the same way).
// FLOAT: error: 'qt.matmul' op has packed-panel weights, which need the int8 strategy

// A matmul marked qt.packed_weights reads its weights as packed panels in
// place: per 32-block of a 16-row panel, the 16 f16 scales (widened), then
// 4 vectors of nibbles, each split into two quads (low and high nibbles),
// meeting broadcast activation quads in dot products whose 16 lanes are the
// panel's rows. Every N takes this path (decode included): there is no
// per-row path, hence no horizontal sum of a row's lanes.
// CHECK-LABEL: func.func private @__qt_matmul_kernel_0
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : memref<32x8x18xi8> into memref<4608xi8>
// CHECK: scf.for
// CHECK: vector.load %{{.*}} : memref<4608xi8>, vector<32xi8>
// CHECK: vector.bitcast %{{.*}} : vector<32xi8> to vector<16xf16>
// CHECK: arith.extf %{{.*}} : vector<16xf16> to vector<16xf32>
// CHECK: %[[NIBBLES:.*]] = vector.load %{{.*}} : memref<4608xi8>, vector<64xi8>
// CHECK: arith.andi %[[NIBBLES]], %{{.*}} : vector<64xi8>
// CHECK: arith.shrui %[[NIBBLES]], %{{.*}} : vector<64xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: vector.maskedstore
// CHECK-NOT: vector.reduction <add>, %{{.*}} : vector<16xf32> into f32
// CHECK: return
func.func @decode(%x: tensor<1x256xf32>, %w: !qt.tensor<32x256x#qt.q4_0>) -> tensor<1x32xf32> {
  %y = qt.matmul %x, %w transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<32x256x#qt.q4_0> -> tensor<1x32xf32>
  return %y : tensor<1x32xf32>
}

// -----

// 8-bit codes: 8 byte quads per block, no unpacking.
// CHECK-LABEL: func.func private @__qt_matmul_kernel_0
// CHECK-NOT: arith.shrui {{.*}} : vector<64xi8>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
func.func @bytes(%x: tensor<4x256xf32>, %w: !qt.tensor<16x256x#qt.q8_0>) -> tensor<4x16xf32> {
  %y = qt.matmul %x, %w transpose_b {qt.packed_weights} : tensor<4x256xf32>, !qt.tensor<16x256x#qt.q8_0> -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Q4_K super-blocks: the 16 rows' f16 d and dmin come from their transposed
// header bytes (low and high byte vectors joined), each sub-block's 6-bit
// scale and minimum are decoded lane-wise from header byte vectors, and the
// codes are read in place. With more than one 8-row tile of activations the
// parameters of a panel are decoded first (a loop over its 2 super-blocks
// storing 16-lane scales and minima); with one tile (decode) they are
// decoded as the panel streams, a whole super-block per step: 8 sub-blocks,
// 8 x 8 dot products per activation row.
// CHECK-LABEL: func.func private @__qt_matmul_kernel_0
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1, 2]] : memref<16x2x144xi8> into memref<4608xi8>
// CHECK: %[[SCALES:.*]] = memref.alloc() {{.*}} : memref<16x16xf32>
// CHECK: scf.if
// CHECK: scf.for %{{.*}} = %{{.*}} to %c2{{.*}} step %c1
// CHECK: vector.load %{{.*}} : memref<4608xi8>, vector<16xi8>
// CHECK: arith.extui %{{.*}} : vector<16xi8> to vector<16xi32>
// CHECK: vector.bitcast %{{.*}} : vector<16xi16> to vector<16xf16>
// CHECK: vector.store %{{.*}}, %[[SCALES]]
// CHECK: } else {
// CHECK: scf.for %{{.*}} = %{{.*}} to %c2{{.*}} step %c1
// CHECK: vector.bitcast %{{.*}} : vector<16xi16> to vector<16xf16>
// CHECK: %[[NIBBLES:.*]] = vector.load %{{.*}} : memref<4608xi8>, vector<64xi8>
// CHECK: arith.andi %[[NIBBLES]], %{{.*}} : vector<64xi8>
// CHECK-COUNT-64: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// CHECK: scf.yield
// CHECK: vector.maskedstore
// CHECK: return
func.func @q4_k(%x: tensor<1x512xf32>, %w: !qt.tensor<16x512x#qt.q4_k>) -> tensor<1x16xf32> {
  %y = qt.matmul %x, %w transpose_b {qt.packed_weights} : tensor<1x512xf32>, !qt.tensor<16x512x#qt.q4_k> -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

// 2- and 3-bit K-quants have no panel layout.
func.func @kquant(%x: tensor<1x256xf32>, %w: !qt.tensor<16x256x#qt.q3_k>) -> tensor<1x16xf32> {
  // expected-error @below {{has packed-panel weights, which need the int8 strategy, a format with a panel layout and whole panels of 16 rows}}
  %y = qt.matmul %x, %w transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q3_k> -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

// Nor a matrix whose rows do not fill whole panels.
func.func @rows(%x: tensor<1x256xf32>, %w: !qt.tensor<24x256x#qt.q4_0>) -> tensor<1x24xf32> {
  // expected-error @below {{has packed-panel weights}}
  %y = qt.matmul %x, %w transpose_b {qt.packed_weights} : tensor<1x256xf32>, !qt.tensor<24x256x#qt.q4_0> -> tensor<1x24xf32>
  return %y : tensor<1x24xf32>
}
