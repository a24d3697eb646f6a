//===- SamplerTest.cpp - Tests of next-token sampling --------------------===//

#include "quant/models/Sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace quant::models;

namespace {

SamplingOptions options(float temperature, int topK, float topP,
                        uint64_t seed = 0) {
  SamplingOptions o;
  o.temperature = temperature;
  o.topK = topK;
  o.topP = topP;
  o.seed = seed;
  return o;
}

std::vector<float> randomLogits(std::mt19937 &rng, size_t n) {
  std::vector<float> logits(n);
  for (float &l : logits)
    l = float(int(rng() % 2001) - 1000) / 100.0f;
  return logits;
}

/// Draws `draws` tokens and returns how often each id came out.
std::vector<int> histogram(Sampler &sampler, const std::vector<float> &logits,
                           int draws) {
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i)
    ++counts[size_t(sampler.sample(logits.data(), logits.size()))];
  return counts;
}

/// softmax(logits / temperature) over the first `keep` entries.
std::vector<double> softmax(const std::vector<float> &logits,
                            double temperature, size_t keep) {
  std::vector<double> p(keep);
  double sum = 0;
  for (size_t i = 0; i < keep; ++i)
    sum += p[i] = std::exp(logits[i] / temperature);
  for (double &x : p)
    x /= sum;
  return p;
}

/// Each count is Binomial(n, p); the check allows 4.5 standard deviations
/// sqrt(n p (1 - p)), which a correct sampler exceeds with probability about
/// 7e-6 per count (the normal tail beyond 4.5 sigma, two-sided). The draws
/// are deterministic for the fixed seed, so the test cannot flake; the bound
/// says a wrong distribution would be caught.
void expectFrequencies(const std::vector<int> &counts,
                       const std::vector<double> &p, int n) {
  for (size_t i = 0; i < counts.size(); ++i) {
    double expected = i < p.size() ? n * p[i] : 0;
    double sigma = i < p.size() ? std::sqrt(n * p[i] * (1 - p[i])) : 0;
    EXPECT_LE(std::abs(counts[i] - expected), 4.5 * sigma)
        << "token " << i << ": " << counts[i] << " draws, expected "
        << expected;
  }
}

} // namespace

TEST(Random, IsXoshiro256StarStarSeededBySplitMix64) {
  // Reference values of xoshiro256** whose state is the first four outputs
  // of splitmix64 started at 0 (the first of which is 0xE220A8397B1DCDAF).
  Random random(0);
  EXPECT_EQ(random.next(), 0x99ec5f36cb75f2b4ull);
  EXPECT_EQ(random.next(), 0xbf6e1f784956452aull);
  EXPECT_EQ(random.next(), 0x1a5f849d4933e6e0ull);
  EXPECT_EQ(random.next(), 0x6aa594f1262d2d2cull);
  for (int i = 0; i < 10000; ++i) {
    double u = random.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(Sampler, GreedyPicksArgmax) {
  Sampler greedy(options(0, 40, 0.95f));
  std::vector<float> logits = {1, 3, 3, 2};
  EXPECT_EQ(greedy.sample(logits.data(), logits.size()), 1); // lowest index
  logits = {-5, -1, -7};
  EXPECT_EQ(greedy.sample(logits.data(), logits.size()), 1);
  Sampler negative(options(-1, 0, 1));
  logits = {0, 0, 9, 1};
  EXPECT_EQ(negative.sample(logits.data(), logits.size()), 2);
}

TEST(Sampler, NanAndInfinities) {
  std::vector<float> logits = {NAN, 0.5f, NAN};
  Sampler greedy(options(0, 0, 1));
  Sampler sampling(options(1, 0, 1, 5));
  EXPECT_EQ(greedy.sample(logits.data(), logits.size()), 1);
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(sampling.sample(logits.data(), logits.size()), 1);
  logits = {NAN, -INFINITY, NAN};
  EXPECT_EQ(greedy.sample(logits.data(), logits.size()), 0);
  EXPECT_EQ(sampling.sample(logits.data(), logits.size()), 0);
  EXPECT_EQ(Sampler::argmax(logits.data(), logits.size()), 0);
  logits = {0, INFINITY, 1};
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(sampling.sample(logits.data(), logits.size()), 1);
}

TEST(Sampler, TopKOneIsGreedy) {
  std::mt19937 rng(3);
  for (float temperature : {0.1f, 0.8f, 1.0f, 5.0f, 100.0f}) {
    Sampler sampler(options(temperature, 1, 1, 11));
    for (int i = 0; i < 50; ++i) {
      std::vector<float> logits = randomLogits(rng, 100);
      ASSERT_EQ(sampler.sample(logits.data(), logits.size()),
                Sampler::argmax(logits.data(), logits.size()));
    }
  }
}

TEST(Sampler, SeedDeterminesSequence) {
  std::mt19937 rng(8);
  std::vector<float> logits = randomLogits(rng, 1000);
  for (float &l : logits)
    l /= 10; // nearly flat: draws differ between seeds
  auto draw = [&](uint64_t seed) {
    Sampler sampler(options(1.0f, 0, 1.0f, seed));
    std::vector<int32_t> ids;
    for (int i = 0; i < 200; ++i)
      ids.push_back(sampler.sample(logits.data(), logits.size()));
    return ids;
  };
  EXPECT_EQ(draw(42), draw(42));
  EXPECT_NE(draw(42), draw(43));
  EXPECT_NE(draw(0), draw(1));
}

TEST(Sampler, FrequenciesMatchSoftmax) {
  const int n = 20000;
  std::vector<float> logits = {1.0f, 2.0f, 0.5f, -1.0f};
  Sampler all(options(1.0f, 0, 1.0f, 2024));
  expectFrequencies(histogram(all, logits, n), softmax(logits, 1.0, 4), n);

  // Temperature 0.5 and top-3: the smallest logit is never drawn.
  Sampler top3(options(0.5f, 3, 1.0f, 7));
  std::vector<float> sorted = {2.0f, 1.0f, 0.5f, -1.0f};
  std::vector<int> counts = histogram(top3, sorted, n);
  expectFrequencies(counts, softmax(sorted, 0.5, 3), n);
  EXPECT_EQ(counts[3], 0);
}

TEST(Sampler, TopPKeepsTheNucleus) {
  const int n = 20000;
  // Probabilities 0.5, 0.3, 0.2 at temperature 1.
  std::vector<float> logits = {std::log(0.5f), std::log(0.3f),
                               std::log(0.2f)};
  Sampler nucleus(options(1.0f, 0, 0.75f, 9));
  std::vector<int> counts = histogram(nucleus, logits, n);
  expectFrequencies(counts, {0.5 / 0.8, 0.3 / 0.8}, n);
  EXPECT_EQ(counts[2], 0);

  // A small topP keeps only the most probable token.
  Sampler tiny(options(1.0f, 0, 0.01f, 9));
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(tiny.sample(logits.data(), logits.size()), 0);
  Sampler zero(options(2.0f, 40, 0.0f, 9));
  std::vector<float> shuffled = {0.1f, 0.2f, 0.15f};
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(zero.sample(shuffled.data(), shuffled.size()), 1);
}
