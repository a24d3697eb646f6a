// RUN: quant-compile %s --emit=llvm --cpu=cascadelake --quiet | FileCheck %s

// The CPU computes f32 exp with a polynomial (qt-cpu-polynomial-exp), so an
// elementwise exp (a softmax's, a SiLU's) vectorizes: full-width FMAs, no
// call of libm's expf left in the loop.
// CHECK-NOT: @expf
// CHECK: @llvm.fma.v{{8|16}}f32
// CHECK-NOT: @expf
func.func @main(%x: tensor<1024xf32>) -> tensor<1024xf32> {
  %y = math.exp %x : tensor<1024xf32>
  return %y : tensor<1024xf32>
}
