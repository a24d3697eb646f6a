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
