// A small program with a Q4_0 weight kept as raw blocks (a resource blob,
// binary in bytecode), dequantized to f32 and multiplied by activations.
// `quant-opt dequant.mlir --qt-dequant-pipeline` expands each qt.dequantize
// into per-block vector code generated from the format description.

func.func @linear(%x: tensor<2x64xf32>) -> tensor<2x4xf32> {
  %w = qt.constant dense_resource<weight> : tensor<144xi8> -> !qt.tensor<4x64x#qt.q4_0>
  %wf = qt.dequantize %w : !qt.tensor<4x64x#qt.q4_0> -> tensor<4x64xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<2x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  // y = x · wfᵀ
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %wf : tensor<2x64xf32>, tensor<4x64xf32>)
       outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// A K-quant weight with a dynamic number of rows.
func.func @dequantize_rows(%w: !qt.tensor<?x256x#qt.q4_k>) -> tensor<?x256xf32> {
  %wf = qt.dequantize %w : !qt.tensor<?x256x#qt.q4_k> -> tensor<?x256xf32>
  return %wf : tensor<?x256xf32>
}

{-#
  dialect_resources: {
    builtin: {
      weight: "0x010000000030A54DCA182530BB1D6D132CDED6237B2E0030D91E3F721FCB1971174494D6493C9D5C00343460BE31201E69FEDAA0EEE8B9997F5C00347C2999FDAFE593253CD654AF4DFAD714003627A0AEB3FEE9232F8AF2211F9EE491C50036B10BECB5563BFC1E6F93427ECBC8FE29003855E5CD8E46DC8ED4B7C2764D2A5A4D7600387706F85D8690024AD6BDA3401BE9C8CB"
    }
  }
#-}
