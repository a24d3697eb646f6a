// RUN: quant-opt %s --qt-cpu-outline-kernels -verify-diagnostics

// Run-time quantization has no CPU lowering yet.
func.func @runtime_quantize(%x: tensor<4x64xf32>) -> !qt.tensor<4x64x#qt.q8_0> {
  // expected-error @+1 {{'qt.quantize' op of a tensor that is not a compile-time constant is not supported by the CPU backend yet}}
  %q = qt.quantize %x : tensor<4x64xf32> -> !qt.tensor<4x64x#qt.q8_0>
  return %q : !qt.tensor<4x64x#qt.q8_0>
}
