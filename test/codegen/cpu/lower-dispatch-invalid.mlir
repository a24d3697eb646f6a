// RUN: quant-opt %s --qt-cpu-lower-dispatch -verify-diagnostics

// Dispatches on tensors must be bufferized first.
func.func private @kernel(!llvm.ptr, i64, i64)

func.func @unbufferized(%x: tensor<2x32xf32>, %w: tensor<4x1x18xi8>, %y: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %c4 = arith.constant 4 : index
  // expected-error @+1 {{must be bufferized before lowering}}
  %r = qt.dispatch @kernel(%c4) ins(%x, %w : tensor<2x32xf32>, tensor<4x1x18xi8>) outs(%y : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
