//===- LlamaGenerator.h - Synthetic llama GGUF models ---------------*- C++
//-*-===//
//
// Writes llama-architecture GGUF files with deterministic pseudo-random
// weights, for testing the compiler and its reference forward pass without
// downloading a real model. Used by `quant-gguf make-llama` and by the tests
// (library QuantLlamaGenerator).
//
// Weights are a function of (seed, tensor name, row) only: two models with
// the same seed and shapes have the same underlying float weights whatever
// their formats, rope base or epsilon. Rows are generated and encoded while
// the file is written, so memory holds one encoded tensor and one float row
// per thread, never a whole model in floats.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TOOLS_QUANT_GGUF_LLAMAGENERATOR_H
#define QUANT_TOOLS_QUANT_GGUF_LLAMAGENERATOR_H

#include "quant/gguf/Error.h"
#include "quant/gguf/Tensor.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace quant::gguf {
class Writer;
} // namespace quant::gguf

namespace quant::tool {

/// The tokenizer vocabulary written into the metadata.
enum class SyntheticTokenizer {
  /// SentencePiece-style: <unk>, <s>, </s>, 256 byte tokens <0xHH>, then
  /// pieces with decreasing scores.
  Llama,
  /// GPT-2 byte-level BPE: 256 byte characters, merged tokens with their
  /// merges, then <|endoftext|>.
  Gpt2,
};

/// Shapes, formats and seed of a synthetic llama model.
struct SyntheticLlamaOptions {
  uint32_t dim = 64;
  uint32_t layers = 2;
  uint32_t heads = 4;
  uint32_t kvHeads = 2;
  uint32_t ffnDim = 128;
  uint32_t vocab = 320;
  uint32_t contextLength = 128;
  float ropeFreqBase = 10000.0f;
  float rmsEpsilon = 1e-5f;
  /// GGUF type of the 2-D weight matrices (default Q8_0 = 8).
  uint32_t matrixType = 8;
  /// GGUF type of output.weight; nullopt: matrixType.
  std::optional<uint32_t> outputType;
  /// GGUF type of token_embd.weight; nullopt: matrixType.
  std::optional<uint32_t> embeddingType;
  /// No output.weight: the output projection reuses token_embd.weight.
  bool tied = false;
  SyntheticTokenizer tokenizer = SyntheticTokenizer::Llama;
  uint64_t seed = 1;
  /// general.name; empty: a name built from the shapes.
  std::string name;
  /// Threads encoding rows; 0: the hardware's thread count.
  unsigned threads = 0;
};

/// Smallest vocabularies: the llama tokenizer needs its 3 special tokens,
/// 256 byte tokens and a few pieces; gpt2 its 256 byte tokens and
/// <|endoftext|>.
constexpr uint32_t kMinLlamaVocab = 262;
constexpr uint32_t kMinGpt2Vocab = 257;
/// Largest accepted value of each size option.
constexpr uint32_t kMaxSyntheticSize = 1u << 20;
/// Largest accepted size of one encoded tensor.
constexpr uint64_t kMaxSyntheticTensorBytes = uint64_t(16) << 30;

/// Returns an empty string when `options` describe a valid model, otherwise
/// a one-line message naming the problem (e.g. "--dim 64 is not a multiple
/// of --heads 3").
std::string checkSyntheticLlama(const SyntheticLlamaOptions &options);

/// Reports a tensor's start (done == false) and end (done == true) while the
/// file is written; `index` counts from 0 to `count` - 1.
using SyntheticProgress =
    std::function<void(size_t index, size_t count,
                       const gguf::TensorInfo &tensor, bool done)>;

/// Adds the metadata and tensors of the model to an empty `writer`; tensor
/// data is produced when the writer writes. Fails with checkSyntheticLlama's
/// message on invalid options.
gguf::Error buildSyntheticLlama(gguf::Writer &writer,
                                const SyntheticLlamaOptions &options,
                                SyntheticProgress progress = {});

/// Builds the model and writes it to `path` (through the writer's temporary
/// file and rename).
gguf::Error writeSyntheticLlama(const std::string &path,
                                const SyntheticLlamaOptions &options,
                                SyntheticProgress progress = {});

/// The float weights of row `row` of tensor `tensorName` for `seed`: a
/// matrix row (`cols` values of std `scale`, approximately normal), or for
/// a 1-D norm weight (`isNorm`) 1 + U(-0.1, 0.1) per element.
void syntheticRow(uint64_t seed, const std::string &tensorName, uint64_t row,
                  bool isNorm, double scale, float *out, size_t cols);

/// The tokenizer vocabulary of the model: tokens, scores (llama only), token
/// types, merges (gpt2 only), special token ids.
struct SyntheticVocab {
  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  std::vector<std::string> merges;
  uint32_t bos = 0, eos = 0;
  std::optional<uint32_t> unknown;
};
/// Builds the vocabulary of `size` tokens; requires size >= the minimum of
/// the tokenizer.
SyntheticVocab syntheticVocab(SyntheticTokenizer tokenizer, uint32_t size);

/// GPT-2's byte-to-unicode mapping: the UTF-8 text of the character standing
/// for byte `b` in byte-level BPE tokens.
std::string gpt2ByteChar(uint8_t b);

} // namespace quant::tool

#endif // QUANT_TOOLS_QUANT_GGUF_LLAMAGENERATOR_H
