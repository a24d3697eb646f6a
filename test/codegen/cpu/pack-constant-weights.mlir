// RUN: quant-opt %s --split-input-file --qt-cpu-pack-constant-weights | FileCheck %s

// A constant q4_0 weight of 16 rows read only by a transposed matmul is
// rewritten as packed panels: the same number of bytes, in a new blob, and
// the matmul is marked. Row 0's block has scale 0x3C00 (1.0) and the code
// bytes 10 32 54 76 98 BA DC FE twice (GGUF nibble order: element i < 16 in
// the low nibble of byte i, element 16 + i in the high one, so elements
// 0..7 are 0 2 4 6 8 10 12 14); the other rows are zero codes with scale 1.
// Packed, the 16 scales come first, then vector 0, whose bytes 0..3 hold row
// 0's columns 0..3 in their low and 4..7 in their high nibbles: 80 A2 C4 E6.
// CHECK-LABEL: func.func @packed
// CHECK: %[[W:.*]] = qt.constant dense_resource<packed_panels_0> : tensor<288xi8>
// CHECK: qt.matmul %{{.*}}, %[[W]] transpose_b {qt.packed_weights}
// CHECK: packed_panels_0: "0x08000000003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C003C80A2C4E6
func.func @packed(%x: tensor<2x32xf32>) -> tensor<2x16xf32> {
  %w = qt.constant dense_resource<w16> : tensor<288xi8> -> !qt.tensor<16x32x#qt.q4_0>
  %y = qt.matmul %x, %w transpose_b : tensor<2x32xf32>, !qt.tensor<16x32x#qt.q4_0> -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w16: "0x08000000003C1032547698BADCFE1032547698BADCFE003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000"
    }
  }
#-}

// -----

// A weight that something other than a transposed matmul also reads keeps
// its layout (here a dequantize), and so does one whose rows do not fill a
// panel.
// CHECK-LABEL: func.func @kept
// CHECK: qt.constant dense_resource<w16>
// CHECK-NOT: packed_weights
// CHECK: qt.dequantize
// CHECK: qt.constant dense_resource<w8>
// CHECK-NOT: packed_weights
// CHECK: return
func.func @kept(%x: tensor<2x32xf32>) -> (tensor<2x16xf32>, tensor<16x32xf32>, tensor<2x8xf32>) {
  %w = qt.constant dense_resource<w16> : tensor<288xi8> -> !qt.tensor<16x32x#qt.q4_0>
  %y = qt.matmul %x, %w transpose_b : tensor<2x32xf32>, !qt.tensor<16x32x#qt.q4_0> -> tensor<2x16xf32>
  %d = qt.dequantize %w : !qt.tensor<16x32x#qt.q4_0> -> tensor<16x32xf32>
  %v = qt.constant dense_resource<w8> : tensor<144xi8> -> !qt.tensor<8x32x#qt.q4_0>
  %z = qt.matmul %x, %v transpose_b : tensor<2x32xf32>, !qt.tensor<8x32x#qt.q4_0> -> tensor<2x8xf32>
  return %y, %d, %z : tensor<2x16xf32>, tensor<16x32xf32>, tensor<2x8xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w16: "0x08000000003C1032547698BADCFE1032547698BADCFE003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000",
      w8: "0x08000000003C1032547698BADCFE1032547698BADCFE003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000003C00000000000000000000000000000000"
    }
  }
#-}
