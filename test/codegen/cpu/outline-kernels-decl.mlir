// RUN: quant-opt %s --qt-cpu-outline-kernels="strategy=auto vnni=true" | FileCheck %s
// RUN: quant-opt %s --qt-cpu-outline-kernels="strategy=auto vnni=false" | FileCheck %s --check-prefix=NOVNNI
// RUN: quant-opt %s --qt-cpu-outline-kernels="strategy=float" | FileCheck %s --check-prefix=NOVNNI

// Kernels are declared with a description of their body, which
// qt-cpu-generate-kernels fills in after bufferization. With VNNI, auto picks
// the int8 strategy for integer-code formats (K-quants included) and the
// float strategy for the others (here a codebook format).
// CHECK-LABEL: func.func @two
// CHECK: qt.dispatch @__qt_matmul_kernel_0
// CHECK: qt.dispatch @__qt_matmul_kernel_1
// CHECK: func.func private @__qt_matmul_kernel_0(!llvm.ptr, i64, i64) attributes {qt.matmul_kernel = {activations = memref<1x256xf32>, format = #qt.q8_0, packed_weights = false, reduction_size = 256 : i64, result = memref<1x16xf32>, row_tile = 4 : i64, segment_rows = array<i64>, strategy = "int8", vnni = true, weights = memref<16x8x34xi8>}}
// CHECK: func.func private @__qt_matmul_kernel_1(!llvm.ptr, i64, i64) attributes {qt.matmul_kernel = {{{.*}}format = #qt.iq4_nl{{.*}}strategy = "float"
// NOVNNI: strategy = "float"
// NOVNNI: strategy = "float"
func.func @two(%x: tensor<1x256xf32>, %a: !qt.tensor<16x256x#qt.q8_0>, %b: !qt.tensor<16x256x#qt.iq4_nl>) -> (tensor<1x16xf32>, tensor<1x16xf32>) {
  %y0 = qt.matmul %x, %a transpose_b : tensor<1x256xf32>, !qt.tensor<16x256x#qt.q8_0> -> tensor<1x16xf32>
  %y1 = qt.matmul %x, %b transpose_b : tensor<1x256xf32>, !qt.tensor<16x256x#qt.iq4_nl> -> tensor<1x16xf32>
  return %y0, %y1 : tensor<1x16xf32>, tensor<1x16xf32>
}
