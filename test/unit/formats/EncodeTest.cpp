//===- EncodeTest.cpp - Reference quantizer bytes and edge cases ----------===//
//
// Hand-checked bytes of the GGUF reference rounding (Q4_0, Q4_1, Q8_0), an
// independent transcription of the FORMATS.md quantizers on random data, and
// the documented NaN / Inf / zero / huge / denormal policy (Codec.h).
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"
#include "quant/formats/Half.h"

#include "NamedSpec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace quant::fmt;

namespace {

const FormatSpec &spec(const char *name) { return test::namedSpec(name); }

std::vector<uint8_t> quantize(const FormatSpec &s,
                              const std::vector<float> &x) {
  std::vector<uint8_t> out(s.rowBytes(x.size()), 0xCD);
  quantizeRow(s, x.data(), x.size(), out.data());
  return out;
}

std::vector<float> roundTrip(const FormatSpec &s, const std::vector<float> &x) {
  std::vector<uint8_t> q = quantize(s, x);
  std::vector<float> y(x.size());
  dequantizeRow(s, q.data(), x.size(), y.data());
  return y;
}

/// Elements per block (the row length for per-row formats).
size_t blockOf(const FormatSpec &s) { return s.blockSize ? s.blockSize : 40; }

void pushHalf(std::vector<uint8_t> &b, float v) {
  uint16_t h = floatToHalf(v);
  b.push_back(uint8_t(h));
  b.push_back(uint8_t(h >> 8));
}

/// FORMATS.md / ggml reference quantizers, transcribed independently.
std::vector<uint8_t> refQ4_0orQ5_0(const std::vector<float> &x, int bits) {
  std::vector<uint8_t> b;
  const float bias = float(1 << (bits - 1)), qmax = float((1 << bits) - 1);
  float amax = 0, max = 0;
  for (float v : x)
    if (amax < std::fabs(v)) {
      amax = std::fabs(v);
      max = v;
    }
  const float d = max / -bias, id = d ? 1.0f / d : 0.0f;
  pushHalf(b, d);
  int q[32];
  for (int j = 0; j < 32; ++j)
    q[j] = std::min(int(qmax), int(x[j] * id + (bias + 0.5f)));
  if (bits == 5) {
    uint32_t qh = 0;
    for (int j = 0; j < 32; ++j)
      qh |= uint32_t((q[j] >> 4) & 1) << j;
    for (int i = 0; i < 4; ++i)
      b.push_back(uint8_t(qh >> (8 * i)));
  }
  for (int j = 0; j < 16; ++j)
    b.push_back(uint8_t((q[j] & 15) | (q[j + 16] & 15) << 4));
  return b;
}

std::vector<uint8_t> refQ4_1orQ5_1(const std::vector<float> &x, int bits) {
  std::vector<uint8_t> b;
  float min = x[0], max = x[0];
  for (float v : x) {
    min = std::min(min, v);
    max = std::max(max, v);
  }
  const int qmax = (1 << bits) - 1;
  const float d = (max - min) / float(qmax), id = d ? 1.0f / d : 0.0f;
  pushHalf(b, d);
  pushHalf(b, min);
  int q[32];
  for (int j = 0; j < 32; ++j)
    q[j] = std::min(qmax, int((x[j] - min) * id + 0.5f));
  if (bits == 5) {
    uint32_t qh = 0;
    for (int j = 0; j < 32; ++j)
      qh |= uint32_t((q[j] >> 4) & 1) << j;
    for (int i = 0; i < 4; ++i)
      b.push_back(uint8_t(qh >> (8 * i)));
  }
  for (int j = 0; j < 16; ++j)
    b.push_back(uint8_t((q[j] & 15) | (q[j + 16] & 15) << 4));
  return b;
}

std::vector<uint8_t> refQ8_0(const std::vector<float> &x) {
  std::vector<uint8_t> b;
  float amax = 0;
  for (float v : x)
    amax = std::max(amax, std::fabs(v));
  const float d = amax / 127.0f, id = d ? 1.0f / d : 0.0f;
  pushHalf(b, d);
  for (float v : x)
    b.push_back(uint8_t(int8_t(std::round(v * id))));
  return b;
}

} // namespace

TEST(Encode, Q4_0HandChecked) {
  // x_j = j - 16: max = -16 (largest |x|, first), d = -16 / -8 = 2 (fp16
  // 0x4000), id = 0.5, q_j = (int)(0.5 (j - 16) + 8.5) = (j + 1) / 2, with
  // q_31 = (int)16 clamped to 15. Byte j = q_j | q_{j+16} << 4.
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j)
    x[j] = float(j - 16);
  const std::vector<uint8_t> expected = {0x00, 0x40, 0x80, 0x91, 0x91, 0xA2,
                                         0xA2, 0xB3, 0xB3, 0xC4, 0xC4, 0xD5,
                                         0xD5, 0xE6, 0xE6, 0xF7, 0xF7, 0xF8};
  EXPECT_EQ(quantize(spec("q4_0"), x), expected);
}

TEST(Encode, Q4_0PositiveMaximumGivesNegativeScale) {
  // x_j = j / 2: max = 15.5, d = 15.5 / -8 = -1.9375 (exact in fp16: 0xBFC0).
  // q_j = floor(8.5 - j / 3.875); 3.875 (8.5 - k) is never an integer, so no
  // float tie can flip a code.
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j)
    x[j] = 0.5f * float(j);
  std::vector<uint8_t> got = quantize(spec("q4_0"), x);
  EXPECT_EQ(got[0], 0xC0);
  EXPECT_EQ(got[1], 0xBF);
  for (int j = 0; j < 16; ++j) {
    int lo = int(std::floor(8.5 - j / 3.875));
    int hi = int(std::floor(8.5 - (j + 16) / 3.875));
    EXPECT_EQ(got[2 + j], uint8_t(lo | hi << 4)) << j;
  }
}

TEST(Encode, Q4_1HandChecked) {
  // x_j = j/2 - 3: min = -3 (fp16 0xC200), max = 12.5, d = 15.5 / 15 =
  // 1.0333.. -> fp16 0x3C22 (1 + 34/1024). q_j = floor(15 j / 31 + 1/2)
  // (never a tie) = j / 2 for every j < 32 (clamped: q_31 = 15).
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j)
    x[j] = 0.5f * float(j) - 3.0f;
  const std::vector<uint8_t> expected = {
      0x22, 0x3C, 0x00, 0xC2, 0x80, 0x80, 0x91, 0x91, 0xA2, 0xA2,
      0xB3, 0xB3, 0xC4, 0xC4, 0xD5, 0xD5, 0xE6, 0xE6, 0xF7, 0xF7};
  EXPECT_EQ(quantize(spec("q4_1"), x), expected);
}

TEST(Encode, Q8_0HandChecked) {
  // amax = 127 -> d = 1 (fp16 0x3C00), id = 1, q = roundf(x): halves round
  // away from zero.
  std::vector<float> x = {127.0f, -0.4f,   0.6f,    -1.5f,
                          2.5f,   100.49f, -126.7f, 0.5f};
  for (int j = 8; j < 32; ++j)
    x.push_back(float(j - 16));
  std::vector<uint8_t> expected = {0x00, 0x3C, 127,           0, 1, uint8_t(-2),
                                   3,    100,  uint8_t(-127), 1};
  for (int j = 8; j < 32; ++j)
    expected.push_back(uint8_t(int8_t(j - 16)));
  EXPECT_EQ(quantize(spec("q8_0"), x), expected);
}

TEST(Encode, GgufReferenceRoundingOnRandomBlocks) {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> scaleDist(-6.0f, 6.0f);
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<float> x(32);
    const float scale = std::pow(10.0f, scaleDist(rng) / 2);
    for (float &v : x)
      v = normal(rng) * scale;
    if (trial % 5 == 0)
      for (float &v : x)
        v = std::fabs(v) + scale; // all positive
    EXPECT_EQ(quantize(spec("q4_0"), x), refQ4_0orQ5_0(x, 4)) << trial;
    EXPECT_EQ(quantize(spec("q5_0"), x), refQ4_0orQ5_0(x, 5)) << trial;
    EXPECT_EQ(quantize(spec("q4_1"), x), refQ4_1orQ5_1(x, 4)) << trial;
    EXPECT_EQ(quantize(spec("q5_1"), x), refQ4_1orQ5_1(x, 5)) << trial;
    EXPECT_EQ(quantize(spec("q8_0"), x), refQ8_0(x)) << trial;
  }
}

TEST(Encode, AllZeroBlocksDecodeToZero) {
  for (const FormatSpec &s : namedFormats()) {
    const size_t n = blockOf(s) * 2;
    std::vector<float> x(n, 0.0f);
    std::vector<uint8_t> q = quantize(s, x);
    std::vector<float> y(n);
    dequantizeRow(s, q.data(), n, y.data());
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(y[i], 0.0f) << s.name << " " << i;
    if (s.layout == Layout::Generic && s.scaleType != ScaleType::E8M0) {
      // Scale +-0 (Q4_0's d = max / -8 is -0, as in the GGUF reference).
      for (size_t k = 0; k < s.scaleBytes(); ++k)
        EXPECT_EQ(q[k] & (k + 1 == s.scaleBytes() ? 0x7F : 0xFF), 0) << s.name;
    }
    if (s.scaleType == ScaleType::E8M0) {
      EXPECT_EQ(q[0], 0) << s.name; // Smallest scale e = 0.
    }
  }
}

TEST(Encode, ConstantBlocks) {
  // Q4_0: c = 3 -> d = -0.375, q = 0, value -8 * -0.375 = 3 exactly.
  std::vector<float> c(32, 3.0f);
  EXPECT_EQ(roundTrip(spec("q4_0"), c), c);
  // Q4_1: d = 0, m = fp16(c): decodes to fp16(c) (0.1 -> 0.0999755859375).
  std::vector<float> c1(32, 0.1f);
  for (float v : roundTrip(spec("q4_1"), c1))
    EXPECT_EQ(v, halfToFloat(floatToHalf(0.1f)));
  // Q8_0: d = c / 127, q = 127.
  std::vector<float> c2(32, -2.0f);
  for (float v : roundTrip(spec("q8_0"), c2))
    EXPECT_NEAR(v, -2.0f, 2.0f * 127 / 2048); // |d' - d| * 127, f16 rounding
}

TEST(Encode, HugeInputsSaturateAtClampedScale) {
  // 65504 * 16: Q4_0 d = max / -8 = -131008 overflows fp16 and is clamped to
  // -65504 (0xFBFF). Codes then use the clamped scale: the maximum saturates
  // at -8 * -65504 = 524032, the opposite sign at 7 * -65504 = -458528.
  for (float big : {65504.0f * 16, 1e30f}) {
    SCOPED_TRACE(big);
    std::vector<float> x(32, 0.0f);
    x[0] = big;
    x[1] = -big;
    x[2] = 1.0f;
    std::vector<uint8_t> q = quantize(spec("q4_0"), x);
    EXPECT_EQ(q[0], 0xFF);
    EXPECT_EQ(q[1], 0xFB);
    std::vector<float> y = roundTrip(spec("q4_0"), x);
    EXPECT_EQ(y[0], 524032.0f);
    EXPECT_EQ(y[1], -458528.0f);
    EXPECT_EQ(y[2], 0.0f);
  }
  // Q8_0: d = 1e30 / 127 is clamped to 65504, q = 127; 65504 * 16 / 127
  // still fits an f16 scale.
  std::vector<float> x(32, 1e30f);
  x[1] = -1e30f;
  std::vector<float> z = roundTrip(spec("q8_0"), x);
  EXPECT_EQ(z[0], 127.0f * 65504.0f);
  // With the clamped scale the codes use the full range: -1e30 saturates at
  // the most negative code, -128.
  EXPECT_EQ(z[1], -128.0f * 65504.0f);
  // Every named format: finite output, signs kept, within the bound for
  // formats whose scale holds 1e30 (f32 and e8m0 scales).
  for (const FormatSpec &s : namedFormats()) {
    const size_t n = blockOf(s);
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i)
      x[i] = (i % 3 == 0 ? -1e30f : 1e30f) * float(1 + i % 5) / 5;
    std::vector<float> y = roundTrip(s, x);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(std::isfinite(y[i])) << s.name << " " << i;
      EXPECT_EQ(std::signbit(y[i]), std::signbit(x[i])) << s.name << " " << i;
    }
    if (s.scaleType == ScaleType::F32 || s.scaleType == ScaleType::E8M0) {
      const double bound = blockErrorBound(s, x.data(), n);
      for (size_t i = 0; i < n; ++i)
        EXPECT_LE(std::fabs(double(x[i]) - y[i]), bound) << s.name;
      EXPECT_LE(bound, 1e30) << s.name;
    }
  }
}

TEST(Encode, NaNEncodesAsZeroAndIsExcludedFromTheScale) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const FormatSpec &s : namedFormats()) {
    const size_t n = blockOf(s);
    std::vector<float> x(n);
    for (float &v : x)
      v = u(rng);
    x[0] = -1.0f; // Both signs present: 0 is inside every block's range,
    x[1] = 1.0f;  // so an element 0 does not change the scale rule.
    if (s.layout != Layout::Generic) // ... and inside every sub-block's.
      for (size_t i = 0; i < n; i += 16) {
        x[i] = -0.75f;
        x[i + 1] = 0.75f;
      }
    std::vector<float> withNaN = x, withZero = x;
    withNaN[5] = NAN;
    withZero[5] = 0.0f;
    EXPECT_EQ(quantize(s, withNaN), quantize(s, withZero)) << s.name;
  }
  // Excluded from the scale: Q4_1 of {1, 2, NaN}: m = 1 exactly.
  std::vector<float> x(32, 2.0f);
  x[0] = 1.0f;
  x[7] = NAN;
  std::vector<float> y = roundTrip(spec("q4_1"), x);
  EXPECT_EQ(y[0], 1.0f);
  // d = 1/15, stored as fp16(1/15); q = 15.
  EXPECT_EQ(y[1], 15.0f * halfToFloat(floatToHalf(1.0f / 15)) + 1.0f);
  EXPECT_EQ(y[7], 1.0f); // NaN: the code nearest to 0 (q = 0 -> m).
  // All-NaN block: zeros.
  std::vector<float> nan(32, NAN);
  for (float v : roundTrip(spec("q8_0"), nan))
    EXPECT_EQ(v, 0.0f);
}

TEST(Encode, InfinitiesSaturateToTheLargestValueOfTheirSign) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const FormatSpec &s : namedFormats()) {
    const size_t n = blockOf(s);
    std::vector<float> x(n);
    for (float &v : x)
      v = u(rng);
    x[3] = INFINITY;
    x[4] = -INFINITY;
    std::vector<float> y = roundTrip(s, x);
    ASSERT_TRUE(std::isfinite(y[3]) && std::isfinite(y[4])) << s.name;
    const size_t sub = s.layout == Layout::Generic ? n : 16;
    for (size_t i = 0; i < sub; ++i) { // Same (sub-)block: same grid.
      EXPECT_GE(y[3], y[i]) << s.name << " " << i;
      EXPECT_LE(y[4], y[i]) << s.name << " " << i;
    }
    // Finite elements keep their bound (Inf excluded from the scale).
    const double bound = blockErrorBound(s, x.data(), n);
    for (size_t i = 0; i < n; ++i)
      if (std::isfinite(x[i])) {
        EXPECT_LE(std::fabs(double(x[i]) - y[i]), bound) << s.name;
      }
  }
  // Q4_0 with block maximum 1: d = -0.125, +Inf -> code 0 -> 1.0,
  // -Inf -> code 15 -> -0.875.
  std::vector<float> x(32, 0.0f);
  x[0] = 1.0f;
  x[1] = INFINITY;
  x[2] = -INFINITY;
  std::vector<float> y = roundTrip(spec("q4_0"), x);
  EXPECT_EQ(y[1], 1.0f);
  EXPECT_EQ(y[2], -0.875f);
}

TEST(Encode, DenormalInputs) {
  for (const FormatSpec &s : namedFormats()) {
    const size_t n = blockOf(s);
    std::vector<float> x(n);
    for (size_t i = 0; i < n; ++i)
      x[i] = (i % 2 ? 1e-40f : -3e-41f) * float(1 + i % 7);
    std::vector<float> y = roundTrip(s, x);
    const double bound = blockErrorBound(s, x.data(), n);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(std::isfinite(y[i])) << s.name;
      const double err = std::fabs(double(x[i]) - y[i]);
      EXPECT_LE(err, bound) << s.name << " " << i;
      // The inputs are below 1e-39, and so is the error: no amplification.
      EXPECT_LE(err, 1e-39) << s.name << " " << i;
    }
    // The Generic bound is tight here too; the K-quant bound keeps a float
    // rounding term 2^-22 |M_j| for the f16 granularity of dmin (2^-24).
    EXPECT_LE(bound, s.layout == Layout::Generic ? 1e-39 : 1e-13) << s.name;
  }
  // f16 scales underflow to 0: the block decodes to zeros.
  std::vector<float> x(32, 1e-40f);
  for (float v : roundTrip(spec("q4_0"), x))
    EXPECT_EQ(v, 0.0f);
  // An f32 absmax scale keeps denormals exactly: nf4 maps amax to 1.0.
  std::vector<float> d(64, 0.0f);
  d[0] = 1e-40f;
  EXPECT_EQ(roundTrip(spec("nf4"), d)[0], 1e-40f);
}
