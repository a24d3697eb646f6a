//===- ReferenceLlama.h - Float64 reference forward pass of llama -*- C++
//-*-===//
//
// The reference the compiled models are compared with: the float64 forward
// pass of quant/models/LlamaForward.h (library QuantModels) on the weights
// as stored in the file. Kept as the tests' entry point; see LlamaForward.h
// for the definition it follows.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_MODELS_REFERENCELLAMA_H
#define QUANT_TEST_MODELS_REFERENCELLAMA_H

#include "quant/gguf/Reader.h"
#include "quant/models/Llama.h"
#include "quant/models/LlamaForward.h"

#include <cstdint>
#include <vector>

namespace quant::reference {

/// Row `row` of `tensor` decoded to double (models::decodeRow).
using models::decodeRow;

/// The logits (config.vocabSize values) at every position of `tokens`
/// (logits[p] for position p). `config` must come from readLlamaConfig(file).
/// Throws std::out_of_range for a token outside [0, vocabSize).
inline std::vector<std::vector<double>>
referenceLogits(const gguf::File &file, const models::LlamaConfig &config,
                const std::vector<int32_t> &tokens) {
  return models::llamaForward(models::LlamaWeights(file), config, tokens);
}

} // namespace quant::reference

#endif // QUANT_TEST_MODELS_REFERENCELLAMA_H
