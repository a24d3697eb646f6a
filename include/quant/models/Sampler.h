//===- Sampler.h - Next-token sampling from logits ---------------*- C++ -*-===//
//
// Picks the next token from a model's logits: greedy at temperature 0, else
// top-k, then temperature softmax, then top-p (nucleus) filtering and a draw
// from the project's own PRNG, so a seed gives the same tokens with every
// compiler and standard library.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_MODELS_SAMPLER_H
#define QUANT_MODELS_SAMPLER_H

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace quant::models {

/// How the next token is chosen.
struct SamplingOptions {
  /// Softmax temperature; <= 0 (or NaN) means greedy argmax.
  float temperature = 0.8f;
  /// Keep the k largest logits; <= 0 keeps all.
  int topK = 40;
  /// Keep the most probable tokens until their probability reaches topP
  /// (at least one); >= 1 keeps all.
  float topP = 0.95f;
  /// Seed of the PRNG.
  uint64_t seed = 0;
};

/// xoshiro256** seeded through splitmix64: a small, fast PRNG whose output
/// is fully specified, unlike std::uniform_*_distribution.
class Random {
public:
  explicit Random(uint64_t seed);
  /// The next 64 random bits.
  uint64_t next();
  /// A double uniform in [0, 1) with 53 random bits.
  double uniform();

private:
  uint64_t state_[4];
};

/// Samples token ids from logits with fixed options and a private PRNG.
class Sampler {
public:
  explicit Sampler(SamplingOptions options);

  /// The id of the next token given `vocabSize` logits (vocabSize > 0).
  /// NaN logits count as -inf. Greedy: the largest logit, lowest index on
  /// ties. Sampling: the topK largest logits (ties by lower index), softmax
  /// of logit / temperature in double, the shortest prefix by decreasing
  /// probability whose cumulative probability reaches topP, renormalized,
  /// one draw. When every logit is -inf or NaN the result is 0.
  int32_t sample(const float *logits, size_t vocabSize);

  const SamplingOptions &options() const { return options_; }

  /// Greedy choice: index of the largest logit (NaN as -inf, lowest index
  /// on ties, 0 when all are -inf/NaN).
  static int32_t argmax(const float *logits, size_t vocabSize);

private:
  SamplingOptions options_;
  Random random_;
  /// Scratch: (logit, id) candidates, then probabilities.
  std::vector<std::pair<float, int32_t>> candidates_;
  std::vector<double> probs_;
};

} // namespace quant::models

#endif // QUANT_MODELS_SAMPLER_H
