//===- MiniFloatTest.cpp - Minifloat element encoding tests ---------------===//

#include "quant/formats/Codec.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace quant::fmt;

TEST(MiniFloat, E2M1Values) {
  // FORMATS.md: {0, .5, 1, 1.5, 2, 3, 4, 6}, bit 3 is the sign.
  const float pos[8] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  for (int c = 0; c < 8; ++c) {
    EXPECT_EQ(decodeMiniFloat(MiniFloat::E2M1, uint8_t(c)), pos[c]);
    EXPECT_EQ(decodeMiniFloat(MiniFloat::E2M1, uint8_t(c | 8)), -pos[c]);
  }
  EXPECT_EQ(miniFloatMaxFinite(MiniFloat::E2M1), 6.0f);
  EXPECT_EQ(miniFloatBits(MiniFloat::E2M1), 4u);
}

TEST(MiniFloat, SpecificCodes) {
  // E4M3FN: bias 7; 0x38 = 1.0, 0x7E = 1.75 * 2^8 = 448, 0x01 = 2^-9,
  // 0x08 = 2^-6 (smallest normal), 0x7F NaN.
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E4M3FN, 0x38), 1.0f);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E4M3FN, 0x7E), 448.0f);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E4M3FN, 0xFE), -448.0f);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E4M3FN, 0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E4M3FN, 0x08), std::ldexp(1.0f, -6));
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E4M3FN, 0x78), 256.0f); // no Inf
  EXPECT_TRUE(std::isnan(decodeMiniFloat(MiniFloat::E4M3FN, 0x7F)));
  EXPECT_TRUE(std::isnan(decodeMiniFloat(MiniFloat::E4M3FN, 0xFF)));
  // E5M2: bias 15; 0x3C = 1.0, 0x7B = 1.75 * 2^15 = 57344, 0x7C Inf.
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E5M2, 0x3C), 1.0f);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E5M2, 0x7B), 57344.0f);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E5M2, 0x7C), INFINITY);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E5M2, 0xFC), -INFINITY);
  EXPECT_TRUE(std::isnan(decodeMiniFloat(MiniFloat::E5M2, 0x7D)));
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E5M2, 0x01), std::ldexp(1.0f, -16));
  // E2M3: bias 1, max 1.875 * 4 = 7.5; subnormal 0x01 = 1/8.
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E2M3, 0x1F), 7.5f);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E2M3, 0x01), 0.125f);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E2M3, 0x3F), -7.5f);
  // E3M2: bias 3, max 1.75 * 16 = 28; subnormal 0x01 = 1/16.
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E3M2, 0x1F), 28.0f);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E3M2, 0x01), 0.0625f);
  EXPECT_EQ(decodeMiniFloat(MiniFloat::E3M2, 0x0C), 1.0f);
}

TEST(MiniFloat, EncodeRoundTripsEveryFiniteCode) {
  for (MiniFloat t : {MiniFloat::E2M1, MiniFloat::E2M3, MiniFloat::E3M2,
                      MiniFloat::E4M3FN, MiniFloat::E5M2}) {
    unsigned n = 1u << miniFloatBits(t);
    for (unsigned c = 0; c < n; ++c) {
      float v = decodeMiniFloat(t, uint8_t(c));
      if (!std::isfinite(v))
        continue;
      EXPECT_EQ(encodeMiniFloat(t, v), c) << toString(t) << " " << c;
    }
  }
}

TEST(MiniFloat, EncodeRoundsToNearestEvenAndSaturates) {
  const MiniFloat f = MiniFloat::E2M1;
  EXPECT_EQ(encodeMiniFloat(f, 0.25f), 0x0); // tie 0 / 0.5 -> 0 (even)
  EXPECT_EQ(encodeMiniFloat(f, 0.26f), 0x1);
  EXPECT_EQ(encodeMiniFloat(f, 0.75f), 0x2); // tie .5 / 1 -> 1.0 (code 2)
  EXPECT_EQ(encodeMiniFloat(f, 1.25f), 0x2); // tie 1 / 1.5 -> 1.0 (code 2)
  EXPECT_EQ(encodeMiniFloat(f, 1.75f), 0x4); // tie 1.5 / 2 -> 2 (code 4)
  EXPECT_EQ(encodeMiniFloat(f, 2.5f), 0x4);  // tie 2 / 3 -> 2 (code 4)
  EXPECT_EQ(encodeMiniFloat(f, 3.5f), 0x6);  // tie 3 / 4 -> 4 (code 6)
  EXPECT_EQ(encodeMiniFloat(f, 5.0f), 0x6);  // tie 4 / 6 -> 4 (code 6)
  EXPECT_EQ(encodeMiniFloat(f, 5.01f), 0x7);
  EXPECT_EQ(encodeMiniFloat(f, 100.0f), 0x7); // saturate
  EXPECT_EQ(encodeMiniFloat(f, -INFINITY), 0xF);
  EXPECT_EQ(encodeMiniFloat(f, -1.6f), 0xB);
  EXPECT_EQ(encodeMiniFloat(f, NAN), 0x0); // no NaN code: +0
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E4M3FN, 460.0f), 0x7E);
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E4M3FN, 1e9f), 0x7E);
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E4M3FN, INFINITY), 0x7E);
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E4M3FN, NAN), 0x7F);
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E5M2, INFINITY), 0x7B);
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E5M2, 1e9f), 0x7B);
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E5M2, NAN), 0x7E);
  // E4M3 subnormal: 2^-10 is the tie between 0 and 2^-9 -> 0; 3*2^-10 is the
  // tie between 2^-9 (code 1) and 2^-8 (code 2) -> code 2.
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E4M3FN, std::ldexp(1.0f, -10)), 0x00);
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E4M3FN, std::ldexp(3.0f, -10)), 0x02);
  // Tie at the subnormal/normal boundary: 7*2^-9 and 8*2^-9 -> the tie
  // 7.5*2^-9 goes to 8*2^-9 = code 0x08 (even).
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E4M3FN, 7.5f * std::ldexp(1.0f, -9)),
            0x08);
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E4M3FN, 1e-40f), 0x00);
  EXPECT_EQ(encodeMiniFloat(MiniFloat::E4M3FN, -1e-40f), 0x80);
}

TEST(MiniFloat, EncodeIsNearestForDenseSamples) {
  // Brute force: the decoded encode is never farther from x than any finite
  // code's value.
  for (MiniFloat t : {MiniFloat::E2M1, MiniFloat::E2M3, MiniFloat::E3M2,
                      MiniFloat::E4M3FN, MiniFloat::E5M2}) {
    const unsigned n = 1u << miniFloatBits(t);
    const double maxF = miniFloatMaxFinite(t);
    for (int i = -2000; i <= 2000; ++i) {
      float x = float(maxF * i / 1900.0);
      double got = decodeMiniFloat(t, encodeMiniFloat(t, x));
      double best = INFINITY;
      for (unsigned c = 0; c < n; ++c) {
        double v = decodeMiniFloat(t, uint8_t(c));
        if (std::isfinite(v))
          best = std::min(best, std::fabs(v - x));
      }
      EXPECT_EQ(std::fabs(got - x), best) << toString(t) << " " << x;
    }
  }
}
