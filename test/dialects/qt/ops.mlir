// RUN: quant-opt %s | FileCheck %s
// RUN: quant-opt %s | quant-opt | FileCheck %s
// RUN: quant-opt %s --mlir-print-op-generic | quant-opt | FileCheck %s

// Named formats print by name; an inline spelling of a named layout prints as
// that name.
// CHECK-LABEL: func.func @named_formats
// CHECK-SAME: !qt.tensor<64x256x#qt.q4_0>
// CHECK-SAME: !qt.tensor<64x256x#qt.q4_1>
// CHECK-SAME: !qt.tensor<64x256x#qt.q5_0>
// CHECK-SAME: !qt.tensor<64x256x#qt.q5_1>
// CHECK-SAME: !qt.tensor<64x256x#qt.q8_0>
// CHECK-SAME: !qt.tensor<64x256x#qt.q2_k>
// CHECK-SAME: !qt.tensor<64x256x#qt.q3_k>
// CHECK-SAME: !qt.tensor<64x256x#qt.q4_k>
// CHECK-SAME: !qt.tensor<64x256x#qt.q5_k>
// CHECK-SAME: !qt.tensor<64x256x#qt.q6_k>
// CHECK-SAME: !qt.tensor<64x256x#qt.iq4_nl>
// CHECK-SAME: !qt.tensor<64x256x#qt.mxfp4>
// CHECK-SAME: !qt.tensor<64x256x#qt.nf4>
// CHECK-SAME: !qt.tensor<64x256x#qt.int4_g128>
// CHECK-SAME: !qt.tensor<64x256x#qt.int8_pc>
// CHECK-SAME: !qt.tensor<64x256x#qt.q4_0>
func.func @named_formats(
    %a: !qt.tensor<64x256x#qt.q4_0>, %b: !qt.tensor<64x256x#qt.q4_1>,
    %c: !qt.tensor<64x256x#qt.q5_0>, %d: !qt.tensor<64x256x#qt.q5_1>,
    %e: !qt.tensor<64x256x#qt.q8_0>, %f: !qt.tensor<64x256x#qt.q2_k>,
    %g: !qt.tensor<64x256x#qt.q3_k>, %h: !qt.tensor<64x256x#qt.q4_k>,
    %i: !qt.tensor<64x256x#qt.q5_k>, %j: !qt.tensor<64x256x#qt.q6_k>,
    %k: !qt.tensor<64x256x#qt.iq4_nl>, %l: !qt.tensor<64x256x#qt.mxfp4>,
    %m: !qt.tensor<64x256x#qt.nf4>, %n: !qt.tensor<64x256x#qt.int4_g128>,
    %o: !qt.tensor<64x256x#qt.int8_pc>,
    %p: !qt.tensor<64x256x#qt.int<bits = 4, block = 32, scale = f16, bias = 8, packing = ggml>>) {
  return
}

// Parametric formats that match no named format keep their full spelling.
// CHECK-LABEL: func.func @inline_formats
// CHECK-SAME: !qt.tensor<8x192x#qt.int<bits = 3, block = 64, scale = f16, zero_point>>
// CHECK-SAME: !qt.tensor<8x128x#qt.int<bits = 2, signed, block = 32, scale = bf16>>
// CHECK-SAME: !qt.tensor<8x64x#qt.int<bits = 6, block = 16, scale = f32, bias = 32>>
// CHECK-SAME: !qt.tensor<8x64x#qt.int<bits = 4, block = 64, scale = f16, min>>
// CHECK-SAME: !qt.tensor<8x128x#qt.codebook<bits = 2, block = 64, scale = f16, values = [-1.5, -0.5, 0.5, 1.5]>>
// CHECK-SAME: !qt.tensor<8x64x#qt.float<e3m2, block = 32, scale = e8m0>>
// CHECK-SAME: !qt.tensor<8x64x#qt.float<e5m2, block = 16, scale = f32>>
// CHECK-SAME: !qt.tensor<8x24x#qt.int<bits = 8, signed, block = row, scale = f16>>
// CHECK-SAME: !qt.tensor<?x256x#qt.q4_0>
// CHECK-SAME: !qt.tensor<256x64x#qt.q8_0, axis = 0>
func.func @inline_formats(
    %a: !qt.tensor<8x192x#qt.int<bits = 3, block = 64, scale = f16, zero_point>>,
    %b: !qt.tensor<8x128x#qt.int<signed, bits = 2, scale = bf16, block = 32>>,
    %c: !qt.tensor<8x64x#qt.int<bits = 6, block = 16, scale = f32, bias = 32>>,
    %d: !qt.tensor<8x64x#qt.int<bits = 4, block = 64, scale = f16, min>>,
    %e: !qt.tensor<8x128x#qt.codebook<bits = 2, block = 64, scale = f16, values = [-1.5, -0.5, 0.5, 1.5]>>,
    %f: !qt.tensor<8x64x#qt.float<e3m2, block = 32, scale = e8m0>>,
    %g: !qt.tensor<8x64x#qt.float<e5m2, block = 16, scale = f32>>,
    %h: !qt.tensor<8x24x#qt.int<bits = 8, signed, block = row, scale = f16>>,
    %i: !qt.tensor<?x256x#qt.q4_0>,
    %j: !qt.tensor<256x64x#qt.q8_0, axis = 0>) {
  return
}

// CHECK-LABEL: func.func @ops
func.func @ops(%x: tensor<4x256xf32>, %w: !qt.tensor<64x256x#qt.q4_0>,
               %wt: !qt.tensor<256x64x#qt.q8_0, axis = 0>,
               %xb: tensor<2x?x256xf32>, %wb: !qt.tensor<2x64x256x#qt.q4_k>)
    -> (tensor<4x64xf32>, tensor<4x64xf32>, tensor<2x?x64xf32>, tensor<2x?x64xf32>) {
  // CHECK: qt.quantize %{{.*}} : tensor<4x256xf32> -> !qt.tensor<4x256x#qt.q8_0>
  %q = qt.quantize %x : tensor<4x256xf32> -> !qt.tensor<4x256x#qt.q8_0>
  // CHECK: qt.dequantize %{{.*}} : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x256xf16>
  %d = qt.dequantize %w : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x256xf16>
  // CHECK: qt.storage_cast %{{.*}} : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x8x18xi8>
  %s = qt.storage_cast %w : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x8x18xi8>
  // CHECK: qt.matmul %{{.*}}, %{{.*}} transpose_b : tensor<4x256xf32>, !qt.tensor<64x256x#qt.q4_0> -> tensor<4x64xf32>
  %y0 = qt.matmul %x, %w transpose_b : tensor<4x256xf32>, !qt.tensor<64x256x#qt.q4_0> -> tensor<4x64xf32>
  // CHECK: qt.matmul %{{.*}}, %{{.*}} : tensor<4x256xf32>, !qt.tensor<256x64x#qt.q8_0, axis = 0> -> tensor<4x64xf32>
  %y1 = qt.matmul %x, %wt : tensor<4x256xf32>, !qt.tensor<256x64x#qt.q8_0, axis = 0> -> tensor<4x64xf32>
  // A batch of activations against shared weights, and batched weights.
  // CHECK: qt.matmul {{.*}} : tensor<2x?x256xf32>, !qt.tensor<64x256x#qt.q4_0> -> tensor<2x?x64xf32>
  %y2 = qt.matmul %xb, %w transpose_b : tensor<2x?x256xf32>, !qt.tensor<64x256x#qt.q4_0> -> tensor<2x?x64xf32>
  // CHECK: qt.matmul {{.*}} : tensor<2x?x256xf32>, !qt.tensor<2x64x256x#qt.q4_k> -> tensor<2x?x64xf32>
  %y3 = qt.matmul %xb, %wb transpose_b : tensor<2x?x256xf32>, !qt.tensor<2x64x256x#qt.q4_k> -> tensor<2x?x64xf32>
  return %y0, %y1, %y2, %y3 : tensor<4x64xf32>, tensor<4x64xf32>, tensor<2x?x64xf32>, tensor<2x?x64xf32>
}

// Raw storage viewed as a quantized tensor, and kernel dispatches on tensors
// and on buffers.
// CHECK-LABEL: func.func @storage_and_dispatch
// CHECK: qt.from_storage %{{.*}} : tensor<64x8x18xi8> -> !qt.tensor<64x256x#qt.q4_0>
// CHECK: qt.dispatch @kernel(%{{.*}}) ins(%{{.*}}, %{{.*}} : tensor<4x256xf32>, tensor<64x8x18xi8>) outs(%{{.*}} : tensor<4x64xf32>) -> tensor<4x64xf32>
// CHECK: qt.dispatch @kernel(%{{.*}}) ins(%{{.*}} : memref<4x256xf32>) outs(%{{.*}} : memref<4x64xf32>)
func.func private @kernel(!llvm.ptr, i64, i64)
func.func @storage_and_dispatch(%b: tensor<64x8x18xi8>, %x: tensor<4x256xf32>, %y: tensor<4x64xf32>,
                                %xm: memref<4x256xf32>, %ym: memref<4x64xf32>) -> (!qt.tensor<64x256x#qt.q4_0>, tensor<4x64xf32>) {
  %q = qt.from_storage %b : tensor<64x8x18xi8> -> !qt.tensor<64x256x#qt.q4_0>
  %c = arith.constant 64 : index
  %r = qt.dispatch @kernel(%c) ins(%x, %b : tensor<4x256xf32>, tensor<64x8x18xi8>) outs(%y : tensor<4x64xf32>) -> tensor<4x64xf32>
  qt.dispatch @kernel(%c) ins(%xm : memref<4x256xf32>) outs(%ym : memref<4x64xf32>)
  return %q, %r : !qt.tensor<64x256x#qt.q4_0>, tensor<4x64xf32>
}

// Constants keep their bytes out of the IR text: in a resource blob or in an
// external file.
// CHECK-LABEL: func.func @constants
func.func @constants() -> (!qt.tensor<1x32x#qt.q4_0>, !qt.tensor<2x32x#qt.q8_0>) {
  // CHECK: qt.constant dense_resource<w0> : tensor<18xi8> -> !qt.tensor<1x32x#qt.q4_0>
  %a = qt.constant dense_resource<w0> : tensor<18xi8> -> !qt.tensor<1x32x#qt.q4_0>
  // CHECK: qt.constant #qt.external<"model.gguf", offset = 4096, size = 68> -> !qt.tensor<2x32x#qt.q8_0>
  %b = qt.constant #qt.external<"model.gguf", offset = 4096, size = 68> -> !qt.tensor<2x32x#qt.q8_0>
  return %a, %b : !qt.tensor<1x32x#qt.q4_0>, !qt.tensor<2x32x#qt.q8_0>
}

{-#
  dialect_resources: {
    builtin: {
      w0: "0x01000000003C0123456789ABCDEF0123456789ABCDEF"
    }
  }
#-}
