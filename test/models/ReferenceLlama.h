//===- ReferenceLlama.h - Float64 reference forward pass of llama -*- C++ -*-===//
//
// An independent, deliberately plain forward pass of a llama-architecture
// GGUF model, in double precision, for checking compiled models. Weights are
// decoded with the format library's reference codec (f32/f16/bf16 read
// directly); everything after decoding is computed and accumulated in
// double. The definition it follows (llama.cpp's for GGUF llama files):
//
//   x_p = row tokens[p] of token_embd.weight
//   per layer:
//     a = rmsnorm(x) * attn_norm,  rmsnorm(x) = x / sqrt(mean(x^2) + eps)
//     q = Wq a, k = Wk a, v = Wv a        (W with GGUF dims {K, M}: M rows of K)
//     RoPE on each head of q and k at position p, adjacent pairs:
//       theta_i = p * base^(-2i / ropeDim), i < ropeDim / 2,
//       (h[2i], h[2i+1]) -> (u cos - w sin, u sin + w cos)
//     causal attention, head h using kv head h / (heads / kvHeads),
//       scores q.k / sqrt(headDim) over j <= p, softmax, sum of v
//     x += Wo o
//     b = rmsnorm(x) * ffn_norm;  x += Wdown (silu(Wgate b) * (Wup b))
//   logits = Wout (rmsnorm(x) * output_norm), Wout = output.weight or
//            token_embd.weight when tied.
//
// The pass runs layer by layer over all positions, decoding each layer's
// matrices once and the output projection row by row, so memory holds one
// layer's weights in double.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_MODELS_REFERENCELLAMA_H
#define QUANT_TEST_MODELS_REFERENCELLAMA_H

#include "quant/gguf/Reader.h"
#include "quant/models/Llama.h"

#include <cstdint>
#include <vector>

namespace quant::reference {

/// Row `row` of `tensor` (rowLength() values) decoded to double. Throws
/// std::invalid_argument for a type that cannot be decoded and
/// std::out_of_range for a row past the end.
std::vector<double> decodeRow(const gguf::File &file,
                              const gguf::TensorInfo &tensor, uint64_t row);

/// The logits (config.vocabSize values) at every position of `tokens`
/// (logits[p] for position p). `config` must come from readLlamaConfig(file).
/// Throws std::out_of_range for a token outside [0, vocabSize).
std::vector<std::vector<double>>
referenceLogits(const gguf::File &file, const models::LlamaConfig &config,
                const std::vector<int32_t> &tokens);

} // namespace quant::reference

#endif // QUANT_TEST_MODELS_REFERENCELLAMA_H
