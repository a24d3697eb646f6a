//===- ErrorStatsTest.cpp - Relative error and SQNR arithmetic ------------===//

#include "ErrorStats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

using namespace quant::tool;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
} // namespace

TEST(ErrorStatsTest, Identical) {
  std::vector<float> a = {1, -2, 3, 0.5f};
  ErrorStats s;
  s.add(a.data(), a.data(), a.size());
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.relativeError(), 0.0);
  EXPECT_EQ(s.sqnrDb(), kInf);
  EXPECT_EQ(s.maxAbsError, 0.0);
  EXPECT_EQ(formatDb(s.sqnrDb()), "inf");
}

TEST(ErrorStatsTest, HandComputed) {
  // signal 1 + 4 + 9 + 16 = 30, noise 1 + 0.25 = 1.25.
  std::vector<float> a = {1, 2, 3, 4}, b = {1, 1, 3, 4.5f};
  ErrorStats s;
  s.add(a.data(), b.data(), a.size());
  EXPECT_DOUBLE_EQ(s.signal, 30.0);
  EXPECT_DOUBLE_EQ(s.noise, 1.25);
  EXPECT_DOUBLE_EQ(s.relativeError(), std::sqrt(1.25 / 30.0));
  EXPECT_DOUBLE_EQ(s.sqnrDb(), 10 * std::log10(30.0 / 1.25)); // 13.80 dB
  EXPECT_DOUBLE_EQ(s.maxAbsError, 1.0);
  EXPECT_EQ(formatDb(s.sqnrDb()), "13.80");
  EXPECT_EQ(formatScientific(s.relativeError()), "2.041e-01");
}

TEST(ErrorStatsTest, ChunksAddUp) {
  std::vector<float> a(1000), b(1000);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = std::sin(0.1f * i);
    b[i] = a[i] + 0.01f * std::cos(0.37f * i);
  }
  ErrorStats whole, chunked;
  whole.add(a.data(), b.data(), a.size());
  for (size_t i = 0; i < a.size(); i += 300)
    chunked.add(a.data() + i, b.data() + i, std::min<size_t>(300, 1000 - i));
  EXPECT_EQ(chunked.count, whole.count);
  EXPECT_NEAR(chunked.sqnrDb(), whole.sqnrDb(), 1e-9);
  EXPECT_EQ(chunked.maxAbsError, whole.maxAbsError);
}

TEST(ErrorStatsTest, ZeroReference) {
  std::vector<float> zero(8, 0.0f), one(8, 1.0f);
  ErrorStats same, different;
  same.add(zero.data(), zero.data(), zero.size());
  different.add(zero.data(), one.data(), zero.size());
  EXPECT_EQ(same.sqnrDb(), kInf);
  EXPECT_EQ(same.relativeError(), 0.0);
  EXPECT_EQ(different.sqnrDb(), -kInf);
  EXPECT_EQ(different.relativeError(), kInf);
  EXPECT_EQ(formatDb(different.sqnrDb()), "-inf");
  EXPECT_EQ(formatScientific(different.relativeError()), "inf");
}

TEST(ErrorStatsTest, NonFiniteValuesAreSkipped) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> a = {1, inf, nan, 2, inf}, b = {1, inf, 1, nan, -inf};
  ErrorStats s;
  s.add(a.data(), b.data(), a.size());
  EXPECT_EQ(s.count, 1u);     // only (1, 1)
  EXPECT_EQ(s.nonFinite, 3u); // the same infinity is not a difference
  EXPECT_EQ(s.sqnrDb(), kInf);
}

// A uniform quantizer with step D over a signal uniform in [-1, 1) has noise
// D^2 / 12; with 2^b levels, D = 2 / 2^b and the signal power is 1/3, so the
// SQNR is 4^b: 6.02 dB per bit.
TEST(ErrorStatsTest, SixDecibelsPerBit) {
  for (int bits : {2, 4, 8}) {
    double step = 2.0 / (1 << bits);
    const size_t n = 1 << 16;
    std::vector<float> a(n), b(n);
    for (size_t i = 0; i < n; ++i) {
      // Evenly spread over [-1, 1) with an irrational stride.
      double x = std::fmod(i * 0.6180339887498949, 1.0) * 2 - 1;
      a[i] = static_cast<float>(x);
      b[i] = static_cast<float>((std::floor(x / step) + 0.5) * step);
    }
    ErrorStats s;
    s.add(a.data(), b.data(), n);
    EXPECT_NEAR(s.sqnrDb(), 6.0206 * bits, 0.05) << bits << " bits";
    EXPECT_NEAR(s.maxAbsError, step / 2, step * 1e-3);
  }
}

TEST(ErrorStatsTest, OverallWeightsByElements) {
  // Tensor 1: 100 elements, NSR 0.01; tensor 2: 300 elements, NSR 0.001.
  std::vector<float> a1(100, 1.0f), b1(100, 1.1f);
  std::vector<float> a2(300, 1.0f), b2(300);
  for (float &v : b2)
    v = static_cast<float>(1.0 + std::sqrt(0.001));
  ErrorStats t1, t2;
  t1.add(a1.data(), b1.data(), 100);
  t2.add(a2.data(), b2.data(), 300);
  OverallStats overall;
  overall.add(t1);
  overall.add(t2);
  EXPECT_EQ(overall.tensors, 2u);
  EXPECT_EQ(overall.elements, 400u);
  double nsr = (100 * t1.noiseToSignal() + 300 * t2.noiseToSignal()) / 400;
  EXPECT_NEAR(nsr, (100 * 0.01 + 300 * 0.001) / 400, 1e-6);
  EXPECT_DOUBLE_EQ(overall.noiseToSignal(), nsr);
  EXPECT_DOUBLE_EQ(overall.sqnrDb(), -10 * std::log10(nsr)); // ~24.9 dB
  EXPECT_DOUBLE_EQ(overall.relativeError(), std::sqrt(nsr));
  EXPECT_NEAR(overall.maxAbsError, 0.1, 1e-6);

  OverallStats identical;
  ErrorStats same;
  same.add(a1.data(), a1.data(), 100);
  identical.add(same);
  identical.add(same);
  EXPECT_EQ(identical.sqnrDb(), kInf);
  EXPECT_EQ(formatDb(identical.sqnrDb()), "inf");
}
