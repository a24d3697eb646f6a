// The generated inner loops use full-width AVX-512 instructions: vpdpbusd on
// 512-bit vectors for the int8 strategy, 16-lane FMAs for the float one; a
// CPU without VNNI gets no vpdpbusd.
// RUN: quant-compile %s --emit=llvm --cpu=cascadelake --matmul-strategy=int8 --quiet | FileCheck %s --check-prefix=INT8
// RUN: quant-compile %s --emit=llvm --cpu=cascadelake --matmul-strategy=float --quiet | FileCheck %s --check-prefix=FLOAT
// RUN: quant-compile %s --emit=llvm --cpu=x86-64-v2 --matmul-strategy=int8 --quiet | FileCheck %s --check-prefix=NOVNNI
// RUN: quant-compile %s --emit=obj --cpu=cascadelake --matmul-strategy=int8 --quiet -o %t.o
// RUN: llvm-objdump -d %t.o | FileCheck %s --check-prefix=OBJ

// INT8: define {{.*}}@__qt_matmul_kernel_0(
// INT8: call <16 x i32> @llvm.x86.avx512.vpdpbusd.512(<16 x i32> {{.*}}, <64 x i8> {{.*}}, <64 x i8>
// INT8: "target-cpu"="cascadelake"
// FLOAT: define {{.*}}@__qt_matmul_kernel_0(
// FLOAT: call <16 x float> @llvm.fmuladd.v16f32(
// NOVNNI-NOT: vpdpbusd
// OBJ: <__qt_matmul_kernel_0>:
// OBJ: vpdpbusd {{.*}}%zmm{{[0-9]+}}

func.func @main(%x: tensor<1x256xf32>, %w: tensor<8x8x18xi8>) -> tensor<1x8xf32> {
  %q = qt.from_storage %w : tensor<8x8x18xi8> -> !qt.tensor<8x256x#qt.q4_0>
  %y = qt.matmul %x, %q transpose_b : tensor<1x256xf32>, !qt.tensor<8x256x#qt.q4_0> -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
