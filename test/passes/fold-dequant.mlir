// RUN: quant-opt %s -split-input-file --qt-fold-dequant | FileCheck %s

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// Plain matmul, weights [K, M] blocked along K (axis 0).
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<4x256xf32>, %[[W:.*]]: !qt.tensor<256x64x#qt.q4_0, axis = 0>)
// CHECK-NOT: qt.dequantize
// CHECK: %[[Y:.*]] = qt.matmul %[[X]], %[[W]] : tensor<4x256xf32>, !qt.tensor<256x64x#qt.q4_0, axis = 0> -> tensor<4x64xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[Y]]
func.func @matmul(%x: tensor<4x256xf32>, %w: !qt.tensor<256x64x#qt.q4_0, axis = 0>) -> tensor<4x64xf32> {
  %wf = qt.dequantize %w : !qt.tensor<256x64x#qt.q4_0, axis = 0> -> tensor<256x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  %y = linalg.matmul ins(%x, %wf : tensor<4x256xf32>, tensor<256x64xf32>) outs(%acc : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// The LLM linear-layer form y = x·Wᵀ, written with indexing maps.
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK-NOT: qt.dequantize
// CHECK: qt.matmul %{{.*}}, %{{.*}} transpose_b : tensor<4x256xf32>, !qt.tensor<64x256x#qt.q4_k> -> tensor<4x64xf32>
// CHECK-NOT: linalg.matmul
func.func @matmul_transpose_b(%x: tensor<4x256xf32>, %w: !qt.tensor<64x256x#qt.q4_k>) -> tensor<4x64xf32> {
  %wf = qt.dequantize %w : !qt.tensor<64x256x#qt.q4_k> -> tensor<64x256xf32>
  %acc = arith.constant dense<0.0> : tensor<4x64xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %wf : tensor<4x256xf32>, tensor<64x256xf32>) outs(%acc : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// matvec: y = W·v; the vector becomes a single activation row.
// CHECK-LABEL: func.func @matvec
// CHECK-SAME: (%[[V:.*]]: tensor<256xf32>, %[[W:.*]]: !qt.tensor
// CHECK: %[[ROW:.*]] = tensor.expand_shape %[[V]] {{\[}}[0, 1]] output_shape [1, 256] : tensor<256xf32> into tensor<1x256xf32>
// CHECK: %[[Y:.*]] = qt.matmul %[[ROW]], %[[W]] transpose_b : tensor<1x256xf32>, !qt.tensor<64x256x#qt.q8_0> -> tensor<1x64xf32>
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[Y]] {{\[}}[0, 1]] : tensor<1x64xf32> into tensor<64xf32>
// CHECK-NOT: linalg.matvec
// CHECK: return %[[R]]
func.func @matvec(%v: tensor<256xf32>, %w: !qt.tensor<64x256x#qt.q8_0>) -> tensor<64xf32> {
  %wf = qt.dequantize %w : !qt.tensor<64x256x#qt.q8_0> -> tensor<64x256xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  %y = linalg.matvec ins(%wf, %v : tensor<64x256xf32>, tensor<256xf32>) outs(%acc : tensor<64xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}

// -----

// vecmat: y = v·W with W [K, M].
// CHECK-LABEL: func.func @vecmat
// CHECK: tensor.expand_shape
// CHECK: qt.matmul %{{.*}}, %{{.*}} : tensor<1x256xf32>, !qt.tensor<256x64x#qt.q8_0, axis = 0> -> tensor<1x64xf32>
// CHECK: tensor.collapse_shape
// CHECK-NOT: linalg.vecmat
func.func @vecmat(%v: tensor<256xf32>, %w: !qt.tensor<256x64x#qt.q8_0, axis = 0>) -> tensor<64xf32> {
  %wf = qt.dequantize %w : !qt.tensor<256x64x#qt.q8_0, axis = 0> -> tensor<256x64xf32>
  %acc = arith.constant dense<0.0> : tensor<64xf32>
  %y = linalg.vecmat ins(%v, %wf : tensor<256xf32>, tensor<256x64xf32>) outs(%acc : tensor<64xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}

// -----

// batch_matmul with batched weights [B, K, M].
// CHECK-LABEL: func.func @batch_matmul
// CHECK: qt.matmul %{{.*}}, %{{.*}} : tensor<2x4x256xf32>, !qt.tensor<2x256x64x#qt.q4_0, axis = 1> -> tensor<2x4x64xf32>
// CHECK-NOT: linalg.batch_matmul
func.func @batch_matmul(%x: tensor<2x4x256xf32>, %w: !qt.tensor<2x256x64x#qt.q4_0, axis = 1>) -> tensor<2x4x64xf32> {
  %wf = qt.dequantize %w : !qt.tensor<2x256x64x#qt.q4_0, axis = 1> -> tensor<2x256x64xf32>
  %acc = arith.constant dense<0.0> : tensor<2x4x64xf32>
  %y = linalg.batch_matmul ins(%x, %wf : tensor<2x4x256xf32>, tensor<2x256x64xf32>) outs(%acc : tensor<2x4x64xf32>) -> tensor<2x4x64xf32>
  return %y : tensor<2x4x64xf32>
}

// -----

// A linalg.generic contraction (transposed weights, a batch of activations
// sharing the weights).
// CHECK-LABEL: func.func @generic_batched_shared
// CHECK: qt.matmul %{{.*}}, %{{.*}} transpose_b : tensor<2x4x256xf32>, !qt.tensor<64x256x#qt.q4_0> -> tensor<2x4x64xf32>
// CHECK-NOT: linalg.generic
func.func @generic_batched_shared(%x: tensor<2x4x256xf32>, %w: !qt.tensor<64x256x#qt.q4_0>) -> tensor<2x4x64xf32> {
  %wf = qt.dequantize %w : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x256xf32>
  %acc = arith.constant dense<0.0> : tensor<2x4x64xf32>
  %y = linalg.generic {
      indexing_maps = [affine_map<(b, n, m, k) -> (b, n, k)>, affine_map<(b, n, m, k) -> (m, k)>, affine_map<(b, n, m, k) -> (b, n, m)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %wf : tensor<2x4x256xf32>, tensor<64x256xf32>) outs(%acc : tensor<2x4x64xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %c, %p : f32
      linalg.yield %s : f32
  } -> tensor<2x4x64xf32>
  return %y : tensor<2x4x64xf32>
}

// -----

// A nonzero accumulator is added after the fused matmul.
// CHECK-LABEL: func.func @accumulate
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: tensor<4x64xf32>)
// CHECK: %[[Y:.*]] = qt.matmul
// CHECK: linalg.add ins(%[[Y]], %[[ACC]] : tensor<4x64xf32>, tensor<4x64xf32>) outs(%[[ACC]] : tensor<4x64xf32>)
func.func @accumulate(%x: tensor<4x256xf32>, %w: !qt.tensor<64x256x#qt.q4_0>, %acc: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %wf = qt.dequantize %w : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x256xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %wf : tensor<4x256xf32>, tensor<64x256xf32>) outs(%acc : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Two matmuls share one dequantized weight: both fold, the copy disappears.
// CHECK-LABEL: func.func @two_uses
// CHECK-NOT: qt.dequantize
// CHECK: qt.matmul
// CHECK: qt.matmul
// CHECK-NOT: linalg.matmul
func.func @two_uses(%x: tensor<4x256xf32>, %z: tensor<8x256xf32>, %w: !qt.tensor<256x64x#qt.q4_0, axis = 0>) -> (tensor<4x64xf32>, tensor<8x64xf32>) {
  %wf = qt.dequantize %w : !qt.tensor<256x64x#qt.q4_0, axis = 0> -> tensor<256x64xf32>
  %a0 = arith.constant dense<0.0> : tensor<4x64xf32>
  %a1 = arith.constant dense<0.0> : tensor<8x64xf32>
  %y0 = linalg.matmul ins(%x, %wf : tensor<4x256xf32>, tensor<256x64xf32>) outs(%a0 : tensor<4x64xf32>) -> tensor<4x64xf32>
  %y1 = linalg.matmul ins(%z, %wf : tensor<8x256xf32>, tensor<256x64xf32>) outs(%a1 : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %y0, %y1 : tensor<4x64xf32>, tensor<8x64xf32>
}

// -----

// Must not fold: the dequantized weight has another, elementwise use, so its
// float copy would stay anyway.
// CHECK-LABEL: func.func @other_use
// CHECK: %[[WF:.*]] = qt.dequantize
// CHECK: linalg.matmul ins(%{{.*}}, %[[WF]]
// CHECK: linalg.add ins(%[[WF]], %[[WF]]
// CHECK-NOT: qt.matmul
func.func @other_use(%x: tensor<4x256xf32>, %w: !qt.tensor<256x64x#qt.q4_0, axis = 0>) -> (tensor<4x64xf32>, tensor<256x64xf32>) {
  %wf = qt.dequantize %w : !qt.tensor<256x64x#qt.q4_0, axis = 0> -> tensor<256x64xf32>
  %a0 = arith.constant dense<0.0> : tensor<4x64xf32>
  %y = linalg.matmul ins(%x, %wf : tensor<4x256xf32>, tensor<256x64xf32>) outs(%a0 : tensor<4x64xf32>) -> tensor<4x64xf32>
  %e = tensor.empty() : tensor<256x64xf32>
  %d = linalg.add ins(%wf, %wf : tensor<256x64xf32>, tensor<256x64xf32>) outs(%e : tensor<256x64xf32>) -> tensor<256x64xf32>
  return %y, %d : tensor<4x64xf32>, tensor<256x64xf32>
}

// -----

// Must not fold: the weight's blocks run along M, not along the reduction.
// CHECK-LABEL: func.func @wrong_axis
// CHECK: qt.dequantize
// CHECK: linalg.matmul
// CHECK-NOT: qt.matmul
func.func @wrong_axis(%x: tensor<4x256xf32>, %w: !qt.tensor<256x64x#qt.q4_0>) -> tensor<4x64xf32> {
  %wf = qt.dequantize %w : !qt.tensor<256x64x#qt.q4_0> -> tensor<256x64xf32>
  %a0 = arith.constant dense<0.0> : tensor<4x64xf32>
  %y = linalg.matmul ins(%x, %wf : tensor<4x256xf32>, tensor<256x64xf32>) outs(%a0 : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Must not fold: the dequantized operand is the left one (y = W·X), which
// qt.matmul does not compute without transposing activations and result.
// CHECK-LABEL: func.func @weight_on_left
// CHECK: qt.dequantize
// CHECK: linalg.matmul
// CHECK-NOT: qt.matmul
func.func @weight_on_left(%x: tensor<256x4xf32>, %w: !qt.tensor<64x256x#qt.q4_0>) -> tensor<64x4xf32> {
  %wf = qt.dequantize %w : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x256xf32>
  %a0 = arith.constant dense<0.0> : tensor<64x4xf32>
  %y = linalg.matmul ins(%wf, %x : tensor<64x256xf32>, tensor<256x4xf32>) outs(%a0 : tensor<64x4xf32>) -> tensor<64x4xf32>
  return %y : tensor<64x4xf32>
}

// -----

// Upstream per-axis int8 weights (one scale per output row) become int8_pc, a per-row
// qt format holding the same codes and f32 scales (0.5 = 0x3F000000), then fold.
// CHECK-LABEL: func.func @upstream_per_axis
// CHECK-NOT: quant.
// CHECK: %[[W:.*]] = qt.constant dense<"0x0000003F0303{{.*}}"> : tensor<144xi8> -> !qt.tensor<4x32x#qt.int8_pc>
// CHECK: qt.matmul %{{.*}}, %[[W]] transpose_b
// CHECK-NOT: quant.
func.func @upstream_per_axis(%x: tensor<2x32xf32>) -> tensor<2x4xf32> {
  %c = arith.constant dense<3> : tensor<4x32xi8>
  %q = quant.scast %c : tensor<4x32xi8> to tensor<4x32x!quant.uniform<i8:f32:0, {0.5, 0.25, 1.0, 2.0}>>
  %wf = quant.dcast %q : tensor<4x32x!quant.uniform<i8:f32:0, {0.5, 0.25, 1.0, 2.0}>> to tensor<4x32xf32>
  %a0 = arith.constant dense<0.0> : tensor<2x4xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %wf : tensor<2x32xf32>, tensor<4x32xf32>) outs(%a0 : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Upstream sub-channel int4 weights with zero points: blocks of 16 along K
// with an f32 scale and a u8 zero point each. Signed codes shift by 8 into
// unsigned range: the first block is scale 0.5 (00 00 00 3F), zero point
// 1 + 8 = 9, codes -1 + 8 = 7 (two per byte: 0x77 = 119).
// CHECK-LABEL: func.func @upstream_sub_channel
// CHECK: qt.constant dense<[0, 0, 0, 63, 9, 119, 119, 119, 119, 119, 119, 119, 119, 0, 0, -128, 62, 6, {{.*}}]> : tensor<52xi8> -> !qt.tensor<2x32x#qt.int<bits = 4, block = 16, scale = f32, zero_point>>
// CHECK: qt.matmul
// CHECK-NOT: quant.dcast
!sub = !quant.uniform<i4:f32:{0:1, 1:16}, {{0.5:1, 0.25:-2}, {1.0:0, 2.0:3}}>
func.func @upstream_sub_channel(%x: tensor<1x32xf32>) -> tensor<1x2xf32> {
  %c = arith.constant dense<-1> : tensor<2x32xi4>
  %q = quant.scast %c : tensor<2x32xi4> to tensor<2x32x!sub>
  %wf = quant.dcast %q : tensor<2x32x!sub> to tensor<2x32xf32>
  %a0 = arith.constant dense<0.0> : tensor<1x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %wf : tensor<1x32xf32>, tensor<2x32xf32>) outs(%a0 : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
