// RUN: quant-opt %s -split-input-file -canonicalize | FileCheck %s

// quantize(dequantize(x)) with the same format is x.
// CHECK-LABEL: func.func @requantize
// CHECK-SAME: (%[[Q:.*]]: !qt.tensor
// CHECK-NOT: qt.dequantize
// CHECK-NOT: qt.quantize
// CHECK: return %[[Q]]
func.func @requantize(%q: !qt.tensor<8x64x#qt.q4_0>) -> !qt.tensor<8x64x#qt.q4_0> {
  %x = qt.dequantize %q : !qt.tensor<8x64x#qt.q4_0> -> tensor<8x64xf32>
  %r = qt.quantize %x : tensor<8x64xf32> -> !qt.tensor<8x64x#qt.q4_0>
  return %r : !qt.tensor<8x64x#qt.q4_0>
}

// -----

// A different format is a real conversion and stays.
// CHECK-LABEL: func.func @convert
// CHECK: qt.dequantize
// CHECK: qt.quantize
func.func @convert(%q: !qt.tensor<8x64x#qt.q4_0>) -> !qt.tensor<8x64x#qt.q8_0> {
  %x = qt.dequantize %q : !qt.tensor<8x64x#qt.q4_0> -> tensor<8x64xf32>
  %r = qt.quantize %x : tensor<8x64xf32> -> !qt.tensor<8x64x#qt.q8_0>
  return %r : !qt.tensor<8x64x#qt.q8_0>
}

// -----

// Dequantizing to f16 rounds, so the round trip is not an identity.
// CHECK-LABEL: func.func @through_f16
// CHECK: qt.dequantize
// CHECK: qt.quantize
func.func @through_f16(%q: !qt.tensor<8x64x#qt.q8_0>) -> !qt.tensor<8x64x#qt.q8_0> {
  %x = qt.dequantize %q : !qt.tensor<8x64x#qt.q8_0> -> tensor<8x64xf16>
  %r = qt.quantize %x : tensor<8x64xf16> -> !qt.tensor<8x64x#qt.q8_0>
  return %r : !qt.tensor<8x64x#qt.q8_0>
}

// -----

// dequantize(quantize(x)) loses precision and must not fold.
// CHECK-LABEL: func.func @lossy
// CHECK: qt.quantize
// CHECK: qt.dequantize
func.func @lossy(%x: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %q = qt.quantize %x : tensor<8x64xf32> -> !qt.tensor<8x64x#qt.q4_0>
  %y = qt.dequantize %q : !qt.tensor<8x64x#qt.q4_0> -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

// Unused quantized values are pure and disappear.
// CHECK-LABEL: func.func @dead
// CHECK-NOT: qt.
func.func @dead(%x: tensor<8x64xf32>) {
  %q = qt.quantize %x : tensor<8x64xf32> -> !qt.tensor<8x64x#qt.q4_0>
  %c = qt.constant dense<0> : tensor<18xi8> -> !qt.tensor<1x32x#qt.q4_0>
  return
}

// -----

// Constant floats are quantized at compile time with the reference codec:
// 32 values 0..31 in Q8_0 are a block with scale 31/127 (f16 0x33D0) and
// codes round(i * 127/31).
// CHECK-LABEL: func.func @quantize_constant
// CHECK-NOT: qt.quantize
// CHECK: %[[C:.*]] = qt.constant dense<[-48, 51, 0, 4, 8, 12, 16, 20, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61, 66, 70, 74, 78, 82, 86, 90, 94, 98, 102, 107, 111, 115, 119, 123, 127]> : tensor<34xi8> -> !qt.tensor<1x32x#qt.q8_0>
// CHECK: return %[[C]]
func.func @quantize_constant() -> !qt.tensor<1x32x#qt.q8_0> {
  %c = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0]]> : tensor<1x32xf32>
  %q = qt.quantize %c : tensor<1x32xf32> -> !qt.tensor<1x32x#qt.q8_0>
  return %q : !qt.tensor<1x32x#qt.q8_0>
}

// -----

// Viewing storage as a quantized tensor and back is the identity.
// CHECK-LABEL: func.func @storage_round_trip
// CHECK-SAME: (%[[B:.*]]: tensor<8x2x18xi8>)
// CHECK-NEXT: return %[[B]]
func.func @storage_round_trip(%b: tensor<8x2x18xi8>) -> tensor<8x2x18xi8> {
  %q = qt.from_storage %b : tensor<8x2x18xi8> -> !qt.tensor<8x64x#qt.q4_0>
  %s = qt.storage_cast %q : !qt.tensor<8x64x#qt.q4_0> -> tensor<8x2x18xi8>
  return %s : tensor<8x2x18xi8>
}

// -----

// A constant held in a resource blob is quantized the same way.
// CHECK-LABEL: func.func @quantize_blob
// CHECK: qt.constant dense<[-48, 51, 0, 4, 8, 12, {{.*}}, 119, 123, 127]> : tensor<34xi8> -> !qt.tensor<1x32x#qt.q8_0>
func.func @quantize_blob() -> !qt.tensor<1x32x#qt.q8_0> {
  %c = arith.constant dense_resource<ramp> : tensor<1x32xf32>
  %q = qt.quantize %c : tensor<1x32xf32> -> !qt.tensor<1x32x#qt.q8_0>
  return %q : !qt.tensor<1x32x#qt.q8_0>
}

{-#
  dialect_resources: {
    builtin: {
      ramp: "0x04000000000000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041000050410000604100007041000080410000884100009041000098410000A0410000A8410000B0410000B8410000C0410000C8410000D0410000D8410000E0410000E8410000F0410000F841"
    }
  }
#-}
