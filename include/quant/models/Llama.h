//===- Llama.h - llama-family model description from GGUF -------*- C++ -*-===//
//
// The hyper-parameters and weight tensors of a llama-architecture GGUF file
// (llama 1/2/3, mistral-style GQA), read and checked once. The compiler's
// frontend, the compiled model's runtime and the test reference all take the
// model from here, so they agree on what a valid model is.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_MODELS_LLAMA_H
#define QUANT_MODELS_LLAMA_H

#include "quant/gguf/Reader.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace quant::models {

/// Hyper-parameters of a llama-family model.
struct LlamaConfig {
  /// Training context length (`llama.context_length`).
  uint32_t contextLength = 0;
  /// Model width (`llama.embedding_length`).
  uint32_t dim = 0;
  /// Number of transformer blocks (`llama.block_count`).
  uint32_t layers = 0;
  /// Hidden width of the SwiGLU FFN (`llama.feed_forward_length`).
  uint32_t ffnDim = 0;
  /// Query heads and key/value heads (grouped-query attention when fewer).
  uint32_t heads = 0;
  uint32_t kvHeads = 0;
  /// Leading dimensions of each head that RoPE rotates
  /// (`llama.rope.dimension_count`, default: the head dimension).
  uint32_t ropeDim = 0;
  /// Vocabulary size: rows of `token_embd.weight`.
  uint32_t vocabSize = 0;
  /// RMSNorm epsilon (`llama.attention.layer_norm_rms_epsilon`).
  float rmsEpsilon = 1e-5f;
  /// RoPE base frequency (`llama.rope.freq_base`, default 10000).
  float ropeFreqBase = 10000.0f;
  /// True when `output.weight` is absent and the output projection reuses
  /// `token_embd.weight`.
  bool tiedOutput = false;

  uint32_t headDim() const { return dim / heads; }
  /// Width of the key/value projections: kvHeads * headDim().
  uint32_t kvDim() const { return kvHeads * headDim(); }
  /// Query heads sharing one key/value head.
  uint32_t groupSize() const { return heads / kvHeads; }
};

/// The name of a per-block tensor: blockTensorName(3, "attn_q") is
/// "blk.3.attn_q.weight".
std::string blockTensorName(uint32_t layer, std::string_view kind);

/// Name of the output projection's weight (`output.weight`, or
/// `token_embd.weight` when tied).
std::string_view outputTensorName(const LlamaConfig &config);

/// Reads the hyper-parameters of `file` and checks that it is a llama model
/// this project can run: architecture "llama" (or "mistral"), consistent
/// head counts, every tensor present with the expected shape, matrices in
/// F32/F16/BF16 or a block format of the format library whose block divides
/// the row, norm weights in F32. Errors are one line naming the file and the
/// problem (e.g. "m.gguf: tensor blk.0.attn_k.weight has shape 64 x 32,
/// expected 16 x 64").
gguf::Expected<LlamaConfig> readLlamaConfig(const gguf::File &file);

} // namespace quant::models

#endif // QUANT_MODELS_LLAMA_H
