// RUN: quant-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{bits must be in [1, 8], got 9}}
func.func @bits(%a: !qt.tensor<8x32x#qt.int<bits = 9, block = 32, scale = f16>>)

// -----

// expected-error @+1 {{missing format parameter 'scale'}}
func.func @missing_scale(%a: !qt.tensor<8x32x#qt.int<bits = 4, block = 32>>)

// -----

// expected-error @+1 {{unknown scale type 'f64'}}
func.func @scale_type(%a: !qt.tensor<8x32x#qt.int<bits = 4, block = 32, scale = f64>>)

// -----

// expected-error @+1 {{unknown packing 'zigzag'}}
func.func @packing(%a: !qt.tensor<8x32x#qt.int<bits = 4, block = 32, scale = f16, packing = zigzag>>)

// -----

// expected-error @+1 {{unexpected format parameter 'values'}}
func.func @param(%a: !qt.tensor<8x32x#qt.int<bits = 4, block = 32, scale = f16, values = [1.0]>>)

// -----

// expected-error @+1 {{block must be positive}}
func.func @block(%a: !qt.tensor<8x32x#qt.int<bits = 4, block = 0, scale = f16>>)

// -----

// The ggml packing exists for 4-, 5- and 8-bit codes only.
// expected-error @+1 {{invalid format:}}
func.func @ggml_bits(%a: !qt.tensor<8x32x#qt.int<bits = 3, block = 32, scale = f16, packing = ggml>>)

// -----

// A zero point is for unsigned codes.
// expected-error @+1 {{invalid format:}}
func.func @signed_zero(%a: !qt.tensor<8x32x#qt.int<bits = 4, signed, block = 32, scale = f16, zero_point>>)

// -----

// expected-error @+1 {{invalid format:}}
func.func @codebook_size(%a: !qt.tensor<8x64x#qt.codebook<bits = 2, block = 64, scale = f16, values = [1.0, 2.0, 3.0]>>)

// -----

// expected-error @+1 {{missing format parameter 'values'}}
func.func @codebook_values(%a: !qt.tensor<8x64x#qt.codebook<bits = 2, block = 64, scale = f16>>)

// -----

// expected-error @+1 {{missing format parameter 'element type (e2m1, e2m3, e3m2, e4m3fn, e5m2)'}}
func.func @minifloat_type(%a: !qt.tensor<8x64x#qt.float<block = 32, scale = e8m0>>)

// -----

// expected-error @+1 {{unexpected format parameter 'q4_0'}}
func.func @kquant_layout(%a: !qt.tensor<8x256x#qt.kquant<q4_0>>)

// -----

// expected-error @+1 {{unknown qt attribute or format name 'q9_0'}}
func.func @unknown_name(%a: !qt.tensor<8x32x#qt.q9_0>)

// -----

// expected-error @+1 {{block size 32 does not divide dimension 1 (size 48)}}
func.func @divide(%a: !qt.tensor<8x48x#qt.q4_0>)

// -----

// expected-error @+1 {{block size 32 does not divide dimension 0 (size 40)}}
func.func @divide_axis(%a: !qt.tensor<40x64x#qt.q8_0, axis = 0>)

// -----

// expected-error @+1 {{blocked axis 2 is out of range for rank 2}}
func.func @axis(%a: !qt.tensor<8x32x#qt.q4_0, axis = 2>)

// -----

// expected-error @+1 {{a quantized tensor needs at least one dimension}}
func.func @rank0(%a: !qt.tensor<#qt.q4_0>)

// -----

// expected-error @+1 {{a per-row format needs a static size along the blocked axis 1}}
func.func @per_row_dynamic(%a: !qt.tensor<8x?x#qt.int8_pc>)

// -----

// expected-error @+1 {{expected a quantized format attribute, got "q4_0"}}
func.func @not_a_format(%a: !qt.tensor<8x32x"q4_0">)

// -----

func.func @constant_size() {
  // expected-error @+1 {{storage holds 10 bytes but '!qt.tensor<1x32x#qt.q4_0>' needs 18}}
  %a = qt.constant dense<0> : tensor<10xi8> -> !qt.tensor<1x32x#qt.q4_0>
  return
}

// -----

func.func @constant_type() {
  // expected-error @+1 {{storage must be given as i8 elements, got 'f32'}}
  %a = qt.constant dense<0.0> : tensor<18xf32> -> !qt.tensor<1x32x#qt.q4_0>
  return
}

// -----

func.func @constant_external() {
  // expected-error @+1 {{external data holds 20 bytes but '!qt.tensor<1x32x#qt.q4_0>' needs 18}}
  %a = qt.constant #qt.external<"w.bin", offset = 0, size = 20> -> !qt.tensor<1x32x#qt.q4_0>
  return
}

// -----

func.func @constant_dynamic() {
  // expected-error @+1 {{needs a statically shaped quantized tensor type}}
  %a = qt.constant dense<0> : tensor<18xi8> -> !qt.tensor<?x32x#qt.q4_0>
  return
}

// -----

func.func @quantize_shape(%x: tensor<8x64xf32>) {
  // expected-error @+1 {{shape mismatch: float tensor is 8x64 but quantized tensor is 8x32}}
  %q = qt.quantize %x : tensor<8x64xf32> -> !qt.tensor<8x32x#qt.q4_0>
  return
}

// -----

func.func @dequantize_shape(%q: !qt.tensor<8x32x#qt.q4_0>) {
  // expected-error @+1 {{shape mismatch: float tensor is 4x32 but quantized tensor is 8x32}}
  %x = qt.dequantize %q : !qt.tensor<8x32x#qt.q4_0> -> tensor<4x32xf32>
  return
}

// -----

func.func @matmul_lhs_rank(%x: tensor<32xf32>, %w: !qt.tensor<8x32x#qt.q4_0>) {
  // expected-error @+1 {{activations must be rank 2 [N, K] or rank 3 [B, N, K], got rank 1}}
  %y = qt.matmul %x, %w transpose_b : tensor<32xf32>, !qt.tensor<8x32x#qt.q4_0> -> tensor<8xf32>
  return
}

// -----

func.func @matmul_rhs_rank(%x: tensor<4x32xf32>, %w: !qt.tensor<32x#qt.q4_0>) {
  // expected-error @+1 {{weights must be rank 2 or rank 3 (batched), got rank 1}}
  %y = qt.matmul %x, %w transpose_b : tensor<4x32xf32>, !qt.tensor<32x#qt.q4_0> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_batch_rank(%x: tensor<4x32xf32>, %w: !qt.tensor<2x8x32x#qt.q4_0>) {
  // expected-error @+1 {{batched weights need batched (rank 3) activations}}
  %y = qt.matmul %x, %w transpose_b : tensor<4x32xf32>, !qt.tensor<2x8x32x#qt.q4_0> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_result_rank(%x: tensor<4x32xf32>, %w: !qt.tensor<8x32x#qt.q4_0>) {
  // expected-error @+1 {{result rank 3 differs from activation rank 2}}
  %y = qt.matmul %x, %w transpose_b : tensor<4x32xf32>, !qt.tensor<8x32x#qt.q4_0> -> tensor<1x4x8xf32>
  return
}

// -----

func.func @matmul_axis(%x: tensor<4x32xf32>, %w: !qt.tensor<32x64x#qt.q4_0>) {
  // expected-error @+1 {{weights must be blocked along the reduction dimension 0, but their blocked axis is 1}}
  %y = qt.matmul %x, %w : tensor<4x32xf32>, !qt.tensor<32x64x#qt.q4_0> -> tensor<4x64xf32>
  return
}

// -----

func.func @matmul_k(%x: tensor<4x64xf32>, %w: !qt.tensor<8x32x#qt.q4_0>) {
  // expected-error @+1 {{reduction size mismatch: activations have K = 64 but weights have K = 32}}
  %y = qt.matmul %x, %w transpose_b : tensor<4x64xf32>, !qt.tensor<8x32x#qt.q4_0> -> tensor<4x8xf32>
  return
}

// -----

func.func @matmul_batch(%x: tensor<3x4x32xf32>, %w: !qt.tensor<2x8x32x#qt.q4_0>) {
  // expected-error @+1 {{batch size mismatch: 3 activations vs 2 weights}}
  %y = qt.matmul %x, %w transpose_b : tensor<3x4x32xf32>, !qt.tensor<2x8x32x#qt.q4_0> -> tensor<3x4x8xf32>
  return
}

// -----

func.func @matmul_result(%x: tensor<4x32xf32>, %w: !qt.tensor<8x32x#qt.q4_0>) {
  // expected-error @+1 {{result shape 4x16 does not match expected 4x8}}
  %y = qt.matmul %x, %w transpose_b : tensor<4x32xf32>, !qt.tensor<8x32x#qt.q4_0> -> tensor<4x16xf32>
  return
}

// -----

func.func @storage_cast(%q: !qt.tensor<8x64x#qt.q4_0>) {
  // expected-error @+1 {{storage of '!qt.tensor<8x64x#qt.q4_0>' is 'tensor<8x2x18xi8>', not 'tensor<8x2x16xi8>'}}
  %s = qt.storage_cast %q : !qt.tensor<8x64x#qt.q4_0> -> tensor<8x2x16xi8>
  return
}

// -----

func.func @from_storage(%b: tensor<8x2x16xi8>) {
  // expected-error @+1 {{storage of '!qt.tensor<8x64x#qt.q4_0>' is 'tensor<8x2x18xi8>', not 'tensor<8x2x16xi8>'}}
  %q = qt.from_storage %b : tensor<8x2x16xi8> -> !qt.tensor<8x64x#qt.q4_0>
  return
}

// -----

func.func @dispatch_mixed(%x: tensor<4xf32>, %y: memref<4xf32>) {
  %c = arith.constant 4 : index
  // expected-error @+1 {{operands must be all ranked tensors or all memrefs}}
  qt.dispatch @k(%c) ins(%x : tensor<4xf32>) outs(%y : memref<4xf32>)
  return
}

// -----

func.func @dispatch_results(%x: tensor<4xf32>, %y: tensor<4xf32>) {
  %c = arith.constant 4 : index
  // expected-error @+1 {{needs one result per output on tensors}}
  qt.dispatch @k(%c) ins(%x : tensor<4xf32>) outs(%y : tensor<4xf32>)
  return
}

// -----

// Codebook values are float literals.
// expected-error @+2 {{unexpected decimal integer literal for a floating point value}}
// expected-note @+1 {{add a trailing dot to make the literal a float}}
func.func @codebook_integer(%a: !qt.tensor<8x64x#qt.codebook<bits = 1, block = 32, scale = f16, values = [0, 1.0]>>)
