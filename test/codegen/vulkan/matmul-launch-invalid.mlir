// RUN: quant-opt %s -split-input-file -verify-diagnostics --qt-cpu-outline-kernels=strategy=int8 --canonicalize --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --qt-vulkan-matmul-launch

// The Vulkan kernels dequantize to float: an int8-strategy kernel is refused.
func.func @linear(%x: tensor<3x64xf32>) -> tensor<3x8xf32> {
  %w = qt.constant dense<17> : tensor<288xi8> -> !qt.tensor<8x64x#qt.q4_0>
  // expected-error @below {{uses the int8 strategy, which the Vulkan target does not implement}}
  %y = qt.matmul %x, %w transpose_b : tensor<3x64xf32>, !qt.tensor<8x64x#qt.q4_0> -> tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}
