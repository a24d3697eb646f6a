//===- Sampler.cpp - Next-token sampling from logits --------------------===//

#include "quant/models/Sampler.h"
#include "quant/models/Mixing.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

using namespace quant::models;

namespace {

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/// A logit with NaN as -inf and +inf as the largest float (so that
/// differences to the maximum stay finite).
float cleanLogit(float v) {
  if (std::isnan(v))
    return -INFINITY;
  return v == INFINITY ? FLT_MAX : v;
}

/// Sort order of candidates: larger logit first, lower id on ties.
bool before(const std::pair<float, int32_t> &a,
            const std::pair<float, int32_t> &b) {
  return a.first != b.first ? a.first > b.first : a.second < b.second;
}

} // namespace

Random::Random(uint64_t seed) {
  for (uint64_t &s : state_)
    s = splitmix64(seed);
}

uint64_t Random::next() {
  uint64_t result = rotl(state_[1] * 5, 7) * 9;
  uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Random::uniform() { return double(next() >> 11) * 0x1.0p-53; }

Sampler::Sampler(SamplingOptions options)
    : options_(options), random_(options.seed) {}

int32_t Sampler::argmax(const float *logits, size_t vocabSize) {
  int32_t best = 0;
  float bestValue = -INFINITY;
  for (size_t i = 0; i < vocabSize; ++i) {
    float v = cleanLogit(logits[i]);
    if (v > bestValue) {
      bestValue = v;
      best = int32_t(i);
    }
  }
  return best;
}

int32_t Sampler::sample(const float *logits, size_t vocabSize) {
  if (!(options_.temperature > 0) || vocabSize == 0)
    return argmax(logits, vocabSize);

  // Top-k by logit (finite ones only: -inf has probability 0).
  candidates_.clear();
  for (size_t i = 0; i < vocabSize; ++i) {
    float v = cleanLogit(logits[i]);
    if (v != -INFINITY)
      candidates_.emplace_back(v, int32_t(i));
  }
  if (candidates_.empty())
    return 0;
  size_t k = candidates_.size();
  if (options_.topK > 0 && size_t(options_.topK) < k)
    k = size_t(options_.topK);
  std::partial_sort(candidates_.begin(), candidates_.begin() + ptrdiff_t(k),
                    candidates_.end(), before);
  candidates_.resize(k);

  // Softmax of logit / temperature, relative to the largest logit.
  double maxLogit = candidates_.front().first;
  double invTemperature = 1.0 / double(options_.temperature);
  probs_.resize(k);
  double sum = 0;
  for (size_t i = 0; i < k; ++i) {
    probs_[i] =
        std::exp((double(candidates_[i].first) - maxLogit) * invTemperature);
    sum += probs_[i];
  }

  // Top-p: the shortest prefix whose probability reaches topP.
  size_t kept = k;
  if (options_.topP < 1.0f) {
    double target = double(options_.topP) * sum, cumulative = 0;
    for (kept = 0; kept < k;) {
      cumulative += probs_[kept++];
      if (cumulative >= target)
        break;
    }
    sum = cumulative;
  }

  // One draw from the kept tokens, renormalized.
  double r = random_.uniform() * sum, cumulative = 0;
  for (size_t i = 0; i < kept; ++i) {
    cumulative += probs_[i];
    if (r < cumulative)
      return candidates_[i].second;
  }
  return candidates_[kept - 1].second;
}
