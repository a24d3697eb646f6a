//===- LlamaForward.h - Float64 forward pass of a llama model ----*- C++
//-*-===//
//
// A deliberately plain forward pass of a llama-architecture GGUF model, in
// double precision: the reference compiled models are checked against, and
// the float model that post-training quantization calibrates on. Weights are
// decoded with the format library's reference codec (f32/f16/bf16 read
// directly) or taken from in-memory overrides; everything after decoding is
// computed and accumulated in double. The definition (llama.cpp's for GGUF
// llama files):
//
//   x_p = row tokens[p] of token_embd.weight
//   per layer:
//     a = rmsnorm(x) * attn_norm,  rmsnorm(x) = x / sqrt(mean(x^2) + eps)
//     q = Wq a, k = Wk a, v = Wv a        (W with GGUF dims {K, M}: M rows of
//     K) RoPE on each head of q and k at position p, adjacent pairs:
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
// layer's weights in double (plus any overrides).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_MODELS_LLAMAFORWARD_H
#define QUANT_MODELS_LLAMAFORWARD_H

#include "quant/gguf/Reader.h"
#include "quant/models/Llama.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace quant::models {

/// Row `row` of `tensor` (rowLength() values) decoded to double. Throws
/// std::invalid_argument for a type that cannot be decoded and
/// std::out_of_range for a row past the end.
std::vector<double> decodeRow(const gguf::File &file,
                              const gguf::TensorInfo &tensor, uint64_t row);

/// A tensor's values in double: `rows` rows of `cols` values, row-major (a
/// 1-D tensor is one row).
struct DecodedMatrix {
  uint64_t rows = 0, cols = 0;
  std::vector<double> data;
  const double *row(uint64_t r) const { return data.data() + r * cols; }
  double *row(uint64_t r) { return data.data() + r * cols; }
};

/// The weights a forward pass reads: the tensors of a GGUF file, decoded on
/// demand, with optional in-memory replacements (e.g. weights with AWQ
/// scales folded in, or quantized-dequantized weights). The file must
/// outlive this object.
class LlamaWeights {
public:
  explicit LlamaWeights(const gguf::File &file) : file_(&file) {}

  const gguf::File &file() const { return *file_; }

  /// The whole tensor `name` (the override when there is one). Throws
  /// std::invalid_argument when the file has no such tensor.
  DecodedMatrix matrix(const std::string &name) const;
  /// Row `r` of tensor `name` (the override's when there is one).
  std::vector<double> row(const std::string &name, uint64_t r) const;

  /// Replaces the values of tensor `name`, which must exist in the file
  /// with values.rows x values.cols elements (numRows x rowLength). Throws
  /// std::invalid_argument otherwise.
  void setOverride(const std::string &name, DecodedMatrix values);
  bool hasOverride(const std::string &name) const {
    return overrides_.count(name) != 0;
  }
  void clearOverride(const std::string &name) { overrides_.erase(name); }

private:
  const gguf::TensorInfo &tensor(const std::string &name) const;

  const gguf::File *file_;
  std::map<std::string, DecodedMatrix> overrides_;
};

/// Called with the input vector of every matrix-vector product of the pass
/// (per position): `weightName` is the GGUF name of the matrix
/// ("blk.0.attn_q.weight", ..., "output.weight", or "token_embd.weight" for
/// a tied output), `input` its `length` (= the matrix's row length) values.
/// attn_q/attn_k/attn_v see the same input, as do ffn_gate/ffn_up. The
/// pointer is valid only during the call.
using LinearObserver = std::function<void(const std::string &weightName,
                                          const double *input, size_t length)>;

struct ForwardOptions {
  /// Optional; called for every linear layer input.
  LinearObserver observer;
  /// When false the output projection is not evaluated (the observer still
  /// sees its input) and llamaForward returns no logits.
  bool computeLogits = true;
};

/// The logits (config.vocabSize values) at every position of `tokens`
/// (logits[p] for position p). `config` must come from readLlamaConfig of
/// the weights' file. Throws std::out_of_range for a token outside
/// [0, vocabSize).
std::vector<std::vector<double>>
llamaForward(const LlamaWeights &weights, const LlamaConfig &config,
             const std::vector<int32_t> &tokens,
             const ForwardOptions &options = {});

} // namespace quant::models

#endif // QUANT_MODELS_LLAMAFORWARD_H
