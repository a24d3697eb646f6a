// RUN: quant-opt %s -split-input-file --qt-cpu-outline-kernels=strategy=int8 -verify-diagnostics

// Run-time quantization has no CPU lowering yet.
func.func @runtime_quantize(%x: tensor<4x64xf32>) -> !qt.tensor<4x64x#qt.q8_0> {
  // expected-error @+1 {{'qt.quantize' op of a tensor that is not a compile-time constant is not supported by the CPU backend yet}}
  %q = qt.quantize %x : tensor<4x64xf32> -> !qt.tensor<4x64x#qt.q8_0>
  return %q : !qt.tensor<4x64x#qt.q8_0>
}

// -----

// The int8 strategy needs integer codes.
func.func @int8_codebook(%x: tensor<1x64xf32>, %w: !qt.tensor<4x64x#qt.nf4>) -> tensor<1x4xf32> {
  // expected-error @+1 {{cannot use the int8 strategy with #qt.nf4}}
  %y = qt.matmul %x, %w transpose_b : tensor<1x64xf32>, !qt.tensor<4x64x#qt.nf4> -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
