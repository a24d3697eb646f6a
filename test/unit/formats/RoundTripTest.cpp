//===- RoundTripTest.cpp - Random round trips within the error bound ------===//
//
// Every named format and a set of inline Generic specs: random rows must
// decode within blockErrorBound of the input (errors measured in double), and
// for the named Generic formats the bound itself must stay within a closed
// form derived here from the format's scale rule, so that it is not vacuous.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace quant::fmt;

namespace {

/// Rows of 2 blocks with assorted distributions and magnitudes.
std::vector<float> randomRow(std::mt19937 &rng, size_t n, int kind) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const float scale = std::pow(10.0f, float(int(rng() % 7) - 3));
  std::vector<float> x(n);
  for (float &v : x) {
    switch (kind % 5) {
    case 0:
      v = normal(rng);
      break;
    case 1:
      v = u(rng);
      break;
    case 2:
      v = std::fabs(u(rng)) + 1.0f; // positive, away from zero
      break;
    case 3:
      v = -std::fabs(normal(rng)); // non-positive
      break;
    case 4:
      v = normal(rng) * (rng() % 8 == 0 ? 20.0f : 1.0f); // outliers
      break;
    }
    v *= scale;
  }
  return x;
}

/// Checks every block of a random row against blockErrorBound; returns the
/// per-block (amax, bound) pairs for further checks.
std::vector<std::pair<double, double>> checkRoundTrips(const FormatSpec &s,
                                                       size_t blockLen,
                                                       int trials,
                                                       unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::pair<double, double>> stats;
  const size_t n = 2 * blockLen;
  const size_t rowLen = s.blockSize == 0 ? blockLen : n;
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<float> x = randomRow(rng, rowLen, trial);
    std::vector<uint8_t> q(s.rowBytes(rowLen));
    std::vector<float> y(rowLen);
    quantizeRow(s, x.data(), rowLen, q.data());
    dequantizeRow(s, q.data(), rowLen, y.data());
    for (size_t b = 0; b < rowLen / blockLen; ++b) {
      const float *xb = x.data() + b * blockLen;
      const double bound = blockErrorBound(s, xb, blockLen);
      double amax = 0;
      for (size_t i = 0; i < blockLen; ++i) {
        amax = std::max(amax, std::fabs(double(xb[i])));
        const double err = std::fabs(double(xb[i]) - y[b * blockLen + i]);
        EXPECT_LE(err, bound)
            << s.name << " trial " << trial << " element " << b * blockLen + i;
        if (err > bound)
          return stats;
      }
      stats.push_back({amax, bound});
    }
  }
  return stats;
}

FormatSpec inlineSpec(unsigned bits, unsigned block, CodeKind kind,
                      ScaleType scale) {
  FormatSpec s;
  s.bits = bits;
  s.blockSize = block;
  s.codeKind = kind;
  s.scaleType = scale;
  return s;
}

} // namespace

TEST(RoundTrip, NamedFormatsWithinBound) {
  unsigned seed = 100;
  for (const FormatSpec &s : namedFormats()) {
    SCOPED_TRACE(s.name);
    const size_t block = s.blockSize ? s.blockSize : 96;
    std::vector<std::pair<double, double>> stats =
        checkRoundTrips(s, block, 300, seed++);
    EXPECT_FALSE(stats.empty());
  }
}

TEST(RoundTrip, NamedGenericBoundsMatchClosedForms) {
  // Closed forms from each scale rule, for amax in [0.1, 1e3] (scales are
  // normal f16 numbers there: amax / 127 >= 2^-14); rel = 2^-11 is the f16
  // relative rounding, and 2^-8 relative covers the float32 slack terms.
  const double rel = std::ldexp(1.0, -11), slack = std::ldexp(1.0, -8);
  struct Case {
    const char *name;
    double factor; // bound <= factor * amax
  };
  const Case cases[] = {
      // Q4_0: |d| = amax / 8; dist <= 1 (t = 8 has no code: 7 is the top);
      // |d' - d| * 8.
      {"q4_0", (1 + 8 * rel + slack) / 8},
      {"q5_0", (1 + 16 * rel + slack) / 16},
      // Q8_0: d = amax / 127, t in [-127, 127]: dist <= 1/2.
      {"q8_0", (0.5 + 127 * rel + slack) / 127},
      // Q4_1/Q5_1: d = range / qmax <= 2 amax / qmax, dist <= 1/2, plus
      // |d'-d| qmax <= rel * 2 amax and |m' - m| <= rel amax.
      {"q4_1", (0.5 + slack) * 2 / 15 + 3 * rel},
      {"q5_1", (0.5 + slack) * 2 / 31 + 3 * rel},
      // IQ4_NL: |d| = amax / 127, codes chosen with d' (|t| <= 127 (1 +
      // rel)); the widest half gap is 12 (89..113) and the top end 113 is 14
      // short of 127.
      {"iq4_nl", (14 + 127 * rel + slack) / 127 * (1 + rel)},
      // NF4: d = amax exactly; half the widest gap (-1 .. -0.6961928) is
      // 0.1519036 (the codebook's ends are +-1: no clipping).
      {"nf4", 0.1519036 + slack},
      // MXFP4: s = 2^(floor(log2 amax) - 2) <= amax / 4; t < 8 clips at 6:
      // dist <= 2 (half gaps are <= 1).
      {"mxfp4", 2.0 / 4 + slack},
      // FP8 with an f32 scale amax / max: half an ulp <= |t| 2^-4 (E4M3) or
      // |t| 2^-3 (E5M2), or half the smallest subnormal step.
      {"fp8_e4m3", 1.0 / 16 + slack},
      {"fp8_e5m2", 1.0 / 8 + slack},
      // MXFP8 E4M3: s = 2^(floor(log2 amax) - 8) <= amax / 256, t < 512
      // clips at 448: dist <= 64, else half an ulp <= |t| / 16.
      {"mxfp8_e4m3", 64.0 / 256 + slack},
      // int8_pc: f32 d = amax / 127, dist <= 1/2.
      {"int8_pc", (0.5 + slack) / 127},
      // int4_g128: s = range0 / 15 <= 2 amax / 15; the ends may overshoot by
      // the rounding of z (1/2) and of s (15 rel): dist <= 1/2 + 15 rel.
      {"int4_g128", (0.5 + 15 * 2 * rel + slack) * 2 / 15 * (1 + rel)},
  };
  unsigned seed = 7;
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    const FormatSpec &s = *lookupNamedFormat(c.name);
    const size_t block = s.blockSize ? s.blockSize : 64;
    for (auto [amax, bound] : checkRoundTrips(s, block, 200, seed++))
      if (amax >= 0.1 && amax <= 1e3) {
        EXPECT_LE(bound, c.factor * amax) << amax;
      }
  }
}

TEST(RoundTrip, InlineGenericSpecs) {
  std::vector<FormatSpec> specs;
  { // 3-bit linear with zero point, groups of 64, f16 scale.
    FormatSpec s = inlineSpec(3, 64, CodeKind::UInt, ScaleType::F16);
    s.offset = OffsetKind::ZeroPoint;
    specs.push_back(s);
  }
  { // 16-entry custom codebook (unsorted, asymmetric), bf16 scale.
    FormatSpec s = inlineSpec(4, 32, CodeKind::Codebook, ScaleType::BF16);
    s.codebook = {0.5f, -3, 7, 0, -1, 2, 1,  -0.25f,
                  4,    -6, 3, 5, -2, 6, -4, 1.5f};
    specs.push_back(s);
  }
  { // 2-bit signed-by-bias codes {-2, -1, 0, 1}, f16 scale, blocks of 16.
    FormatSpec s = inlineSpec(2, 16, CodeKind::UInt, ScaleType::F16);
    s.bias = 2;
    specs.push_back(s);
  }
  { // 2-bit with min (asymmetric), f32.
    FormatSpec s = inlineSpec(2, 32, CodeKind::UInt, ScaleType::F32);
    s.offset = OffsetKind::Min;
    specs.push_back(s);
  }
  // 1-bit: signed {-1, 0} with f32, and unsigned {0, 1} with a bf16 min.
  specs.push_back(inlineSpec(1, 32, CodeKind::SInt, ScaleType::F32));
  {
    FormatSpec s = inlineSpec(1, 64, CodeKind::UInt, ScaleType::BF16);
    s.offset = OffsetKind::Min;
    specs.push_back(s);
  }
  { // 6-bit linear (codes straddle bytes), bias 32, f32, blocks of 20.
    FormatSpec s = inlineSpec(6, 20, CodeKind::UInt, ScaleType::F32);
    s.bias = 32;
    specs.push_back(s);
  }
  { // 5-bit ggml-packed with min, one block per row.
    FormatSpec s = inlineSpec(5, 0, CodeKind::UInt, ScaleType::F16);
    s.offset = OffsetKind::Min;
    s.packing = Packing::Ggml;
    specs.push_back(s);
  }
  { // MXFP6 E3M2 and E2M3, and E2M3 with an f16 scale.
    FormatSpec s = inlineSpec(6, 32, CodeKind::MiniFloat, ScaleType::E8M0);
    s.miniFloat = MiniFloat::E3M2;
    specs.push_back(s);
    s.miniFloat = MiniFloat::E2M3;
    specs.push_back(s);
    s.scaleType = ScaleType::F16;
    s.blockSize = 16;
    specs.push_back(s);
  }
  // MXINT8-like: signed 8-bit codes with an E8M0 scale; 4-bit unsigned with
  // bias 8 and an E8M0 scale; 7-bit signed with bf16.
  specs.push_back(inlineSpec(8, 32, CodeKind::SInt, ScaleType::E8M0));
  {
    FormatSpec s = inlineSpec(4, 32, CodeKind::UInt, ScaleType::E8M0);
    s.bias = 8;
    specs.push_back(s);
  }
  specs.push_back(inlineSpec(7, 8, CodeKind::SInt, ScaleType::BF16));
  // No scale: the codes are the values (saturating int8).
  specs.push_back(inlineSpec(8, 32, CodeKind::SInt, ScaleType::None));

  unsigned seed = 900;
  for (const FormatSpec &s : specs) {
    ASSERT_EQ(s.validate(), "");
    SCOPED_TRACE(std::to_string(s.bits) + "-bit kind " +
                 std::to_string(int(s.codeKind)) + " scale " +
                 std::string(toString(s.scaleType)));
    const size_t block = s.blockSize ? s.blockSize : 48;
    EXPECT_FALSE(checkRoundTrips(s, block, 300, seed++).empty());
  }
}

TEST(RoundTrip, InlineBoundsAreTight) {
  // 3-bit zero point, groups of 64: s <= range0 / 7 and dist <= 1/2 (+ the
  // overshoot of z's and s's rounding), so bound <= (0.5 + 7 * 2^-10 +
  // 2^-8) * 2 amax / 7 (1 + 2^-11).
  FormatSpec s = inlineSpec(3, 64, CodeKind::UInt, ScaleType::F16);
  s.offset = OffsetKind::ZeroPoint;
  const double rel = std::ldexp(1.0, -11);
  for (auto [amax, bound] : checkRoundTrips(s, 64, 200, 5))
    if (amax >= 1e-3 && amax <= 1e3) {
      EXPECT_LE(bound, (0.5 + 14 * rel + std::ldexp(1.0, -8)) * 2 * amax / 7 *
                           (1 + rel));
    }
  // 1-bit signed {-1, 0}: d = max / -1 maps the maximum exactly; elements of
  // the other sign are up to amax from 0 and elements between up to amax/2:
  // bound <= amax (1 + 2^-8).
  FormatSpec one = inlineSpec(1, 32, CodeKind::SInt, ScaleType::F32);
  for (auto [amax, bound] : checkRoundTrips(one, 32, 200, 6))
    EXPECT_LE(bound, amax * (1 + std::ldexp(1.0, -8)));
}
