// RUN: quant-opt %s -split-input-file -verify-diagnostics --qt-vulkan-matmul-launch
// RUN: not quant-opt %s --qt-vulkan-matmul-launch=row-tile=128 -split-input-file 2>&1 | FileCheck %s --check-prefix=OPTIONS

// OPTIONS: invalid matmul launch options: workgroup size 64, row tile 128

// A dispatch of a kernel that does not describe a matmul is refused.
func.func private @kernel(!llvm.ptr, i64, i64)

func.func @dispatch(%x: memref<3x64xf32>, %w: memref<8x2x18xi8>, %y: memref<3x8xf32>) {
  %c8 = arith.constant 8 : index
  // expected-error @below {{does not dispatch a matmul kernel}}
  qt.dispatch @kernel(%c8) ins(%x, %w : memref<3x64xf32>, memref<8x2x18xi8>) outs(%y : memref<3x8xf32>)
  return
}
