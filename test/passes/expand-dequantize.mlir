// RUN: quant-opt %s -split-input-file --qt-expand-dequantize | FileCheck %s

// A constant Q4_0 weight: its storage folds to an arith.constant of the raw
// blocks (still a resource blob), each block is read as 18 bytes and decoded
// to 32 floats by the format's hook, and no qt op is left.
// CHECK-LABEL: func.func @constant_q4_0
// CHECK-NOT: qt.
// CHECK-DAG: %[[BYTES:.*]] = arith.constant dense_resource<w> : tensor<2x2x18xi8>
// CHECK-DAG: %[[INIT:.*]] = tensor.empty() : tensor<2x64xf32>
// CHECK: scf.for %[[ROW:[^ ]*]] = {{.*}} iter_args(%[[ACC0:.*]] = %[[INIT]])
// CHECK:   scf.for %[[BLK:[^ ]*]] = {{.*}} iter_args(%[[ACC1:.*]] = %[[ACC0]])
// CHECK:     %[[BLOCK:.*]] = vector.transfer_read %[[BYTES]][%[[ROW]], %[[BLK]], %{{.*}}]{{.*}} : tensor<2x2x18xi8>, vector<18xi8>
// Codes: low nibbles of bytes 2..17, then their high nibbles, minus 8.
// CHECK:     vector.shuffle %[[BLOCK]], %[[BLOCK]] [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
// CHECK:     arith.shrui
// CHECK:     arith.andi
// CHECK:     arith.subi
// CHECK:     %[[VALUES:.*]] = arith.sitofp {{.*}} : vector<32xi32> to vector<32xf32>
// The f16 scale in bytes 0..1.
// CHECK:     vector.extract_strided_slice %[[BLOCK]] {offsets = [0], sizes = [2], strides = [1]}
// CHECK:     vector.bitcast {{.*}} : vector<2xi8> to vector<1xf16>
// CHECK:     %[[SCALE:.*]] = vector.broadcast {{.*}} : f32 to vector<32xf32>
// CHECK:     %[[X:.*]] = arith.mulf %[[SCALE]], %[[VALUES]] : vector<32xf32>
// CHECK:     %[[COL:.*]] = arith.muli %[[BLK]], %{{.*}} : index
// CHECK:     vector.transfer_write %[[X]], %[[ACC1]][%[[ROW]], %[[COL]]] {in_bounds = [true]} : vector<32xf32>, tensor<2x64xf32>
// CHECK-NOT: qt.
func.func @constant_q4_0() -> tensor<2x64xf32> {
  %w = qt.constant dense_resource<w> : tensor<72xi8> -> !qt.tensor<2x64x#qt.q4_0>
  %x = qt.dequantize %w : !qt.tensor<2x64x#qt.q4_0> -> tensor<2x64xf32>
  return %x : tensor<2x64xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x01000000003C0123456789ABCDEF0123456789ABCDEF003C0123456789ABCDEF0123456789ABCDEF003C0123456789ABCDEF0123456789ABCDEF003C0123456789ABCDEF0123456789ABCDEF"
    }
  }
#-}

// -----

// Blocks along axis 0 are written down the columns; an f16 result truncates
// after decoding in f32.
// CHECK: #[[COLUMN:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @axis0_f16
// CHECK: qt.storage_cast %{{.*}} : !qt.tensor<64x8x#qt.q8_0, axis = 0> -> tensor<8x2x34xi8>
// CHECK: scf.for %[[COL:[^ ]*]] =
// CHECK:   scf.for %[[BLK:[^ ]*]] =
// CHECK:     vector.transfer_read {{.*}} : tensor<8x2x34xi8>, vector<34xi8>
// Q8_0 codes are signed bytes: sign-extended by a shift pair.
// CHECK:     arith.shli
// CHECK:     arith.shrsi
// CHECK:     %[[HALF:.*]] = arith.truncf {{.*}} : vector<32xf32> to vector<32xf16>
// CHECK:     %[[ROW:.*]] = arith.muli %[[BLK]]
// CHECK:     vector.transfer_write %[[HALF]], %{{.*}}[%[[ROW]], %[[COL]]] {in_bounds = [true], permutation_map = #[[COLUMN]]} : vector<32xf16>, tensor<64x8xf16>
// CHECK-NOT: qt.dequantize
func.func @axis0_f16(%w: !qt.tensor<64x8x#qt.q8_0, axis = 0>) -> tensor<64x8xf16> {
  %0 = qt.dequantize %w : !qt.tensor<64x8x#qt.q8_0, axis = 0> -> tensor<64x8xf16>
  return %0 : tensor<64x8xf16>
}

// -----

// Dynamic rows take their count from the storage; a K-quant super-block
// decodes its 8 sub-block scales and minima and spreads them over 256 lanes.
// CHECK-LABEL: func.func @dynamic_q4_k
// CHECK: %[[S:.*]] = qt.storage_cast %{{.*}} -> tensor<?x1x144xi8>
// CHECK: %[[ROWS:.*]] = tensor.dim %[[S]], %{{.*}} : tensor<?x1x144xi8>
// CHECK: tensor.empty(%[[ROWS]]) : tensor<?x256xf32>
// CHECK: scf.for {{.*}} to %[[ROWS]]
// CHECK: vector.transfer_read {{.*}} : tensor<?x1x144xi8>, vector<144xi8>
// CHECK: vector.shuffle {{.*}} [4, 5, 6, 7, 12, 13, 14, 15] : vector<144xi8>, vector<144xi8>
// CHECK: arith.sitofp {{.*}} : vector<8xi32> to vector<8xf32>
// CHECK: arith.sitofp {{.*}} : vector<256xi32> to vector<256xf32>
// CHECK: vector.shuffle {{.*}} : vector<8xf32>, vector<8xf32>
// CHECK: arith.subf {{.*}} : vector<256xf32>
// CHECK: vector.transfer_write {{.*}} : vector<256xf32>, tensor<?x256xf32>
func.func @dynamic_q4_k(%w: !qt.tensor<?x256x#qt.q4_k>) -> tensor<?x256xf32> {
  %0 = qt.dequantize %w : !qt.tensor<?x256x#qt.q4_k> -> tensor<?x256xf32>
  return %0 : tensor<?x256xf32>
}

// -----

// A per-row format is one block per row: an f32 scale, then the codes.
// CHECK-LABEL: func.func @per_row
// CHECK: qt.storage_cast {{.*}} -> tensor<3x1x20xi8>
// CHECK: vector.transfer_read {{.*}} : tensor<3x1x20xi8>, vector<20xi8>
// CHECK: vector.bitcast {{.*}} : vector<4xi8> to vector<1xf32>
// CHECK: vector.transfer_write {{.*}} : vector<16xf32>, tensor<3x16xf32>
func.func @per_row(%w: !qt.tensor<3x16x#qt.int8_pc>) -> tensor<3x16xf32> {
  %0 = qt.dequantize %w : !qt.tensor<3x16x#qt.int8_pc> -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}

// -----

// Ops other than qt.dequantize are left alone.
// CHECK-LABEL: func.func @untouched
// CHECK: qt.matmul
func.func @untouched(%x: tensor<1x64xf32>, %w: !qt.tensor<8x64x#qt.q4_0>) -> tensor<1x8xf32> {
  %y = qt.matmul %x, %w transpose_b : tensor<1x64xf32>, !qt.tensor<8x64x#qt.q4_0> -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
