//===- HalfTest.cpp - fp16, bf16 and e8m0 conversion tests ----------------===//

#include "quant/formats/Half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace quant::fmt;

namespace {

/// The value of half bits `h` computed from the IEEE definition in double.
double halfValueRef(uint16_t h) {
  int sign = h >> 15, exp = (h >> 10) & 31, mant = h & 1023;
  double v;
  if (exp == 31)
    v = mant ? NAN : INFINITY;
  else if (exp == 0)
    v = std::ldexp(double(mant), -24);
  else
    v = std::ldexp(double(1024 + mant), exp - 25);
  return sign ? -v : v;
}

bool isHalfNaN(uint16_t h) { return (h & 0x7C00) == 0x7C00 && (h & 0x3FF); }

/// Round-to-nearest-even reference: the half nearest to `x` by exhaustive
/// comparison over the non-negative finite halves (ties: even bits), with
/// values >= 65520 (the midpoint to the virtual next binade) giving Inf.
uint16_t halfRef(float x) {
  double a = std::fabs(double(x));
  uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  if (a >= 65520.0)
    return sign | 0x7C00;
  uint16_t best = 0;
  double bestDist = INFINITY;
  for (uint16_t h = 0; h <= 0x7BFF; ++h) {
    double dist = std::fabs(halfValueRef(h) - a);
    if (dist < bestDist || (dist == bestDist && (h & 1) == 0)) {
      best = h;
      bestDist = dist;
    }
  }
  return sign | best;
}

} // namespace

TEST(Half, ExhaustiveHalfToFloatMatchesDefinition) {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = halfToFloat(uint16_t(h));
    double ref = halfValueRef(uint16_t(h));
    if (isHalfNaN(uint16_t(h))) {
      EXPECT_TRUE(std::isnan(f)) << h;
      EXPECT_EQ(std::signbit(f), bool(h & 0x8000)) << h;
    } else {
      EXPECT_EQ(double(f), ref) << h;
      EXPECT_EQ(std::signbit(f), bool(h & 0x8000)) << h;
    }
  }
}

TEST(Half, ExhaustiveRoundTripIsIdentity) {
  // Every half, NaN payloads included, survives half -> float -> half.
  for (uint32_t h = 0; h < 65536; ++h)
    ASSERT_EQ(floatToHalf(halfToFloat(uint16_t(h))), h) << h;
}

TEST(Half, RoundsToNearestEvenAtEveryMidpoint) {
  // For consecutive finite halves a < b the midpoint (exact in float: at most
  // 12 significant bits) must round to the one with even bits, and one float
  // ulp either side to the nearer one.
  for (uint16_t h = 0; h < 0x7BFF; ++h) {
    float a = halfToFloat(h), b = halfToFloat(uint16_t(h + 1));
    float mid = float((double(a) + double(b)) / 2);
    ASSERT_EQ(double(mid), (double(a) + double(b)) / 2);
    uint16_t even = (h & 1) ? uint16_t(h + 1) : h;
    EXPECT_EQ(floatToHalf(mid), even) << h;
    EXPECT_EQ(floatToHalf(-mid), even | 0x8000) << h;
    EXPECT_EQ(floatToHalf(std::nextafter(mid, 0.0f)), h) << h;
    EXPECT_EQ(floatToHalf(std::nextafter(mid, INFINITY)), h + 1) << h;
  }
}

TEST(Half, OverflowUnderflowAndSpecials) {
  EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(std::nextafter(65520.0f, 0.0f)), 0x7BFF);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7C00); // Tie to even: 65536 = Inf.
  EXPECT_EQ(floatToHalf(1e30f), 0x7C00);
  EXPECT_EQ(floatToHalf(-1e30f), 0xFC00);
  EXPECT_EQ(floatToHalf(INFINITY), 0x7C00);
  EXPECT_EQ(floatToHalf(-INFINITY), 0xFC00);
  EXPECT_TRUE(isHalfNaN(floatToHalf(NAN)));
  // A float NaN whose payload sits only in the low 13 bits stays a NaN.
  EXPECT_TRUE(isHalfNaN(floatToHalf(bitsToFloat(0x7F800001u))));
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001); // Smallest subnormal.
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -25)), 0x0000); // Tie to even: 0.
  EXPECT_EQ(floatToHalf(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -26)), 0x0001);
  EXPECT_EQ(floatToHalf(1e-40f), 0x0000);
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(floatToHalf(0.1f), 0x2E66); // 0.0999755859375
}

TEST(Half, RandomFloatsMatchExhaustiveReference) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> bits(0, 0xFFFFFFFFu);
  int checked = 0;
  while (checked < 300) {
    float f = bitsToFloat(bits(rng));
    // Concentrate on the half range: exponents 2^-26 .. 2^16.
    if (!std::isfinite(f) || std::fabs(f) > 70000.0f || std::fabs(f) < 1e-8f)
      continue;
    ASSERT_EQ(floatToHalf(f), halfRef(f)) << f;
    ++checked;
  }
}

TEST(BFloat16, ExhaustiveRoundTripAndValues) {
  for (uint32_t b = 0; b < 65536; ++b) {
    float f = bf16ToFloat(uint16_t(b));
    ASSERT_EQ(floatToBits(f), b << 16);
    ASSERT_EQ(floatToBf16(f), b) << b;
  }
}

TEST(BFloat16, RoundsToNearestEven) {
  for (uint32_t b = 0; b < 0x7F7F; b += 7) {
    uint32_t lo = b << 16;
    float mid = bitsToFloat(lo | 0x8000u); // Exactly halfway to b + 1.
    uint16_t even = (b & 1) ? uint16_t(b + 1) : uint16_t(b);
    EXPECT_EQ(floatToBf16(mid), even) << b;
    EXPECT_EQ(floatToBf16(bitsToFloat(lo | 0x7FFFu)), b) << b;
    EXPECT_EQ(floatToBf16(bitsToFloat(lo | 0x8001u)), b + 1) << b;
  }
  EXPECT_EQ(floatToBf16(bitsToFloat(0x7F7FFFFFu)), 0x7F80); // Overflow: Inf.
  EXPECT_EQ(floatToBf16(INFINITY), 0x7F80);
  uint16_t nan = floatToBf16(bitsToFloat(0x7F800001u)); // Payload only low.
  EXPECT_TRUE((nan & 0x7F80) == 0x7F80 && (nan & 0x7F));
  EXPECT_EQ(floatToBf16(1.0f), 0x3F80);
}

TEST(E8M0, Values) {
  EXPECT_EQ(e8m0ToFloat(127), 1.0f);
  EXPECT_EQ(e8m0ToFloat(128), 2.0f);
  EXPECT_EQ(e8m0ToFloat(126), 0.5f);
  EXPECT_EQ(e8m0ToFloat(254), std::ldexp(1.0f, 127));
  EXPECT_EQ(e8m0ToFloat(1), std::ldexp(1.0f, -126));
  EXPECT_EQ(e8m0ToFloat(0), std::ldexp(1.0f, -127)); // A float subnormal.
  EXPECT_GT(e8m0ToFloat(0), 0.0f);
  EXPECT_TRUE(std::isnan(e8m0ToFloat(255)));
  for (int e = 0; e < 255; ++e)
    EXPECT_EQ(double(e8m0ToFloat(uint8_t(e))), std::ldexp(1.0, e - 127)) << e;
}
