// A two-layer MLP, y = silu(x · W1ᵀ) · W2ᵀ, whose Q4_0 weights stay in
// mlp-weights.gguf (GGUF tensors blk.0.attn_q.weight and token_embd.weight):
// each qt.constant references its bytes by file offset, so no weight passes
// through the IR as text. quant-compile embeds them in the executable:
//
//   quant-compile mlp.mlir -o mlp && ./mlp --input mlp-input.npy
//
// The dequantize + matmul pairs fold into fused kernels that decode the Q4_0
// blocks in registers.

#transpose_b = [affine_map<(m, n, k) -> (m, k)>,
                affine_map<(m, n, k) -> (n, k)>,
                affine_map<(m, n, k) -> (m, n)>]

func.func @main(%x: tensor<4x256xf32>) -> tensor<4x64xf32> {
  %w1 = qt.constant #qt.external<"mlp-weights.gguf", offset = 11712, size = 36864> -> !qt.tensor<256x256x#qt.q4_0>
  %w2 = qt.constant #qt.external<"mlp-weights.gguf", offset = 1472, size = 9216> -> !qt.tensor<64x256x#qt.q4_0>
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32

  // Hidden layer: h = x · W1ᵀ.
  %w1f = qt.dequantize %w1 : !qt.tensor<256x256x#qt.q4_0> -> tensor<256x256xf32>
  %e1 = tensor.empty() : tensor<4x256xf32>
  %a1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<4x256xf32>) -> tensor<4x256xf32>
  %h = linalg.matmul indexing_maps = #transpose_b
       ins(%x, %w1f : tensor<4x256xf32>, tensor<256x256xf32>)
       outs(%a1 : tensor<4x256xf32>) -> tensor<4x256xf32>

  // SiLU: s = h / (1 + exp(-h)).
  %s = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%h : tensor<4x256xf32>) outs(%e1 : tensor<4x256xf32>) {
    ^bb0(%v: f32, %out: f32):
      %neg = arith.negf %v : f32
      %exp = math.exp %neg : f32
      %den = arith.addf %one, %exp : f32
      %silu = arith.divf %v, %den : f32
      linalg.yield %silu : f32
  } -> tensor<4x256xf32>

  // Output layer: y = s · W2ᵀ.
  %w2f = qt.dequantize %w2 : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x256xf32>
  %e2 = tensor.empty() : tensor<4x64xf32>
  %a2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x64xf32>) -> tensor<4x64xf32>
  %y = linalg.matmul indexing_maps = #transpose_b
       ins(%s, %w2f : tensor<4x256xf32>, tensor<64x256xf32>)
       outs(%a2 : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
