//===- KQuantTest.cpp - GGUF K-quant decode and encode tests --------------===//
//
// Decode: hand-built super-blocks, expected values computed with loops in the
// shape of the GGUF reference definitions (a different traversal from the
// library's per-element indexing), plus literal spot checks.
// Encode: round trips within blockErrorBound and within the a-priori bounds
// of the encoder's rule (derived in KQuantEncode.cpp, restated below).
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"
#include "quant/formats/Half.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace quant::fmt;

namespace {

std::vector<float> decode(const char *name, const std::vector<uint8_t> &b) {
  const FormatSpec *s = lookupNamedFormat(name);
  EXPECT_NE(s, nullptr);
  EXPECT_EQ(b.size(), s->blockBytes());
  std::vector<float> y(256);
  dequantizeRow(*s, b.data(), 256, y.data());
  return y;
}

void put(std::vector<uint8_t> &b, size_t at, uint16_t half) {
  b[at] = uint8_t(half);
  b[at + 1] = uint8_t(half >> 8);
}

// Q4_K / Q5_K `scales[12]` used below and its (sc, m) pairs worked out by hand
// from the packing rule (j < 4: sc = s[j] & 63, m = s[j+4] & 63; else
// sc = (s[j+4] & 15) | (s[j-4] >> 6) << 4, m = (s[j+4] >> 4) | (s[j] >> 6) <<
// 4).
const uint8_t kScales12[12] = {0x41, 0x82, 0xC3, 0x04, 0x05, 0x46,
                               0x87, 0xC8, 0x21, 0x43, 0x65, 0x87};
const int kSc[8] = {1, 2, 3, 4, 17, 35, 53, 7};
const int kMin[8] = {5, 6, 7, 8, 2, 20, 38, 56};

} // namespace

TEST(KQuantDecode, Q4_K) {
  std::vector<uint8_t> b(144);
  put(b, 0, 0x3800); // d = 0.5
  put(b, 2, 0x3400); // dmin = 0.25
  std::copy(kScales12, kScales12 + 12, b.begin() + 4);
  for (int i = 0; i < 128; ++i)
    b[16 + i] = uint8_t(i * 7 + 3);
  std::vector<float> y = decode("q4_k", b);
  const float d = 0.5f, dmin = 0.25f;
  const uint8_t *q = b.data() + 16;
  int is = 0, idx = 0;
  for (int j = 0; j < 256; j += 64) {
    const float d1 = d * kSc[is], m1 = dmin * kMin[is];
    const float d2 = d * kSc[is + 1], m2 = dmin * kMin[is + 1];
    for (int l = 0; l < 32; ++l)
      EXPECT_EQ(y[idx++], d1 * float(q[l] & 0xF) - m1) << j << " " << l;
    for (int l = 0; l < 32; ++l)
      EXPECT_EQ(y[idx++], d2 * float(q[l] >> 4) - m2) << j << " " << l;
    q += 32;
    is += 2;
  }
  // Element 0: q = 3, x = 0.5 * 1 * 3 - 0.25 * 5 = 0.25. Element 224 (sub-block
  // 7, high nibble of qs[96] = (96 * 7 + 3) & 255 = 0xA3): 0.5*7*10 - 0.25*56.
  EXPECT_EQ(y[0], 0.25f);
  EXPECT_EQ(y[224], 0.5f * 7 * 10 - 0.25f * 56);
}

TEST(KQuantDecode, Q5_K) {
  std::vector<uint8_t> b(176);
  put(b, 0, 0x3800); // d = 0.5
  put(b, 2, 0x3400); // dmin = 0.25
  std::copy(kScales12, kScales12 + 12, b.begin() + 4);
  for (int i = 0; i < 32; ++i)
    b[16 + i] = uint8_t(i * 37 + 11); // qh
  for (int i = 0; i < 128; ++i)
    b[48 + i] = uint8_t(i * 7 + 3); // qs
  std::vector<float> y = decode("q5_k", b);
  const float d = 0.5f, dmin = 0.25f;
  const uint8_t *ql = b.data() + 48, *qh = b.data() + 16;
  int is = 0, idx = 0;
  uint8_t u1 = 1, u2 = 2;
  for (int j = 0; j < 256; j += 64) {
    const float d1 = d * kSc[is], m1 = dmin * kMin[is];
    const float d2 = d * kSc[is + 1], m2 = dmin * kMin[is + 1];
    for (int l = 0; l < 32; ++l)
      EXPECT_EQ(y[idx++],
                d1 * float((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1);
    for (int l = 0; l < 32; ++l)
      EXPECT_EQ(y[idx++],
                d2 * float((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2);
    ql += 32;
    is += 2;
    u1 <<= 2;
    u2 <<= 2;
  }
  // Element 0: qh[0] = 11 has bit 0: q = 3 + 16, x = 0.5 * 19 - 1.25.
  EXPECT_EQ(y[0], 8.25f);
}

TEST(KQuantDecode, Q2_K) {
  std::vector<uint8_t> b(84);
  for (int j = 0; j < 16; ++j)
    b[j] = uint8_t(j * 0x13 + 0x21);
  for (int i = 0; i < 64; ++i)
    b[16 + i] = uint8_t(i * 29 + 5);
  put(b, 80, 0x3800); // d = 0.5
  put(b, 82, 0x3000); // dmin = 0.125
  std::vector<float> y = decode("q2_k", b);
  const float d = 0.5f, dmin = 0.125f;
  const uint8_t *q = b.data() + 16;
  int is = 0;
  for (int n = 0; n < 256; n += 128) {
    int shift = 0;
    for (int j = 0; j < 4; ++j) {
      uint8_t sc = b[is++];
      float dl = d * float(sc & 0xF), ml = dmin * float(sc >> 4);
      for (int l = 0; l < 16; ++l)
        EXPECT_EQ(y[n + 32 * j + l], dl * float((q[l] >> shift) & 3) - ml);
      sc = b[is++];
      dl = d * float(sc & 0xF);
      ml = dmin * float(sc >> 4);
      for (int l = 0; l < 16; ++l)
        EXPECT_EQ(y[n + 32 * j + 16 + l],
                  dl * float((q[l + 16] >> shift) & 3) - ml);
      shift += 2;
    }
    q += 32;
  }
  // Element 0: scales[0] = 0x21 (sc 1, m 2), qs[0] = 5 -> q = 1: 0.5 - 0.25.
  EXPECT_EQ(y[0], 0.25f);
}

TEST(KQuantDecode, Q3_K) {
  std::vector<uint8_t> b(110);
  for (int i = 0; i < 32; ++i)
    b[i] = uint8_t(i * 53 + 7); // hmask
  for (int i = 0; i < 64; ++i)
    b[32 + i] = uint8_t(i * 29 + 5); // qs
  const uint8_t scales[12] = {0x10, 0x32, 0x54, 0x76, 0x98, 0xBA,
                              0xDC, 0xFE, 0xE4, 0x1B, 0x00, 0xFF};
  std::copy(scales, scales + 12, b.begin() + 96);
  put(b, 108, 0x3400); // d = 0.25
  // By hand: low nibbles 0 2 4 .. 14 (bytes 0-7), 1 3 .. 15 (their high
  // nibbles); high 2 bits from bytes 8-11 at bit 2 * (j / 4); minus 32.
  const int S[16] = {-32, 18,  -28, 22, -8, 10,  -20, 30,
                     1,   -13, -27, 23, 25, -21, -19, 31};
  std::vector<float> y = decode("q3_k", b);
  const float d = 0.25f;
  const uint8_t *q = b.data() + 32, *hm = b.data();
  int is = 0;
  uint8_t m = 1;
  for (int n = 0; n < 256; n += 128) {
    int shift = 0;
    for (int j = 0; j < 4; ++j) {
      float dl = d * float(S[is++]);
      for (int l = 0; l < 16; ++l)
        EXPECT_EQ(y[n + 32 * j + l],
                  dl * float(((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4)));
      dl = d * float(S[is++]);
      for (int l = 0; l < 16; ++l)
        EXPECT_EQ(y[n + 32 * j + 16 + l],
                  dl * float(((q[l + 16] >> shift) & 3) -
                             ((hm[l + 16] & m) ? 0 : 4)));
      shift += 2;
      m <<= 1;
    }
    q += 32;
  }
  // Element 0: qs[0] = 5 -> 1, hmask[0] = 7 has bit 0 -> q = 1 (no -4);
  // scale -32: 0.25 * -32 * 1 = -8.
  EXPECT_EQ(y[0], -8.0f);
}

TEST(KQuantDecode, Q6_K) {
  std::vector<uint8_t> b(210);
  for (int i = 0; i < 128; ++i)
    b[i] = uint8_t(i * 13 + 1); // ql
  for (int i = 0; i < 64; ++i)
    b[128 + i] = uint8_t(i * 71 + 9); // qh
  const int8_t sc[16] = {-128, 127, -1, 1,   5,    -7, 64, -64,
                         3,    2,   -3, 100, -100, 0,  9,  -9};
  for (int j = 0; j < 16; ++j)
    b[192 + j] = uint8_t(sc[j]);
  put(b, 208, 0x3000); // d = 0.125
  std::vector<float> y = decode("q6_k", b);
  const float d = 0.125f;
  const uint8_t *ql = b.data(), *qh = b.data() + 128;
  const int8_t *s = sc;
  for (int n = 0; n < 256; n += 128) {
    for (int l = 0; l < 32; ++l) {
      int is = l / 16;
      int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
      int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      EXPECT_EQ(y[n + l], d * float(s[is]) * float(q1));
      EXPECT_EQ(y[n + l + 32], d * float(s[is + 2]) * float(q2));
      EXPECT_EQ(y[n + l + 64], d * float(s[is + 4]) * float(q3));
      EXPECT_EQ(y[n + l + 96], d * float(s[is + 6]) * float(q4));
    }
    ql += 64;
    qh += 32;
    s += 8;
  }
  // Element 0: ql[0] = 1, qh[0] = 9 -> bits 1: q = 17 - 32 = -15;
  // 0.125 * -128 * -15 = 240.
  EXPECT_EQ(y[0], 240.0f);
}

namespace {

/// Random super-blocks of several shapes.
std::vector<float> randomBlock(std::mt19937 &rng, int kind) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(256);
  const float scale = std::pow(10.0f, float(int(rng() % 9) - 4));
  for (float &v : x) {
    switch (kind % 4) {
    case 0:
      v = normal(rng);
      break;
    case 1:
      v = u(rng);
      break;
    case 2:
      v = std::fabs(normal(rng)) + 0.5f; // all positive
      break;
    case 3:
      v = -std::fabs(u(rng)) - 0.1f; // all negative
      break;
    }
    v *= scale;
  }
  if (kind % 5 == 0)
    x[rng() % 256] *= 50; // an outlier
  return x;
}

/// The smallest f16 >= v is at most v (1 + 2^-10) + 2^-24 (normal spacing
/// 2^-10 relative, subnormal spacing 2^-24).
double halfUp(double v) {
  return v * (1 + std::ldexp(1.0, -10)) + std::ldexp(1.0, -24);
}

} // namespace

TEST(KQuantEncode, RoundTripsWithinBounds) {
  struct Case {
    const char *name;
    bool affine;
    int L, K, sub, vmin, smax;
  };
  const Case cases[] = {{"q2_k", true, 3, 15, 16, 0, 0},
                        {"q4_k", true, 15, 63, 32, 0, 0},
                        {"q5_k", true, 31, 63, 32, 0, 0},
                        {"q3_k", false, 0, 0, 16, -4, 31},
                        {"q6_k", false, 0, 0, 16, -32, 127}};
  std::mt19937 rng(11);
  for (const Case &c : cases) {
    const FormatSpec &s = *lookupNamedFormat(c.name);
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<float> x = randomBlock(rng, trial);
      std::vector<uint8_t> q(s.blockBytes());
      std::vector<float> y(256);
      quantizeRow(s, x.data(), 256, q.data());
      dequantizeRow(s, q.data(), 256, y.data());
      const double bound = blockErrorBound(s, x.data(), 256);

      // A-priori bound of the encoder's rule (KQuantEncode.cpp), per
      // sub-block, with 2^-15 relative slack for float32 arithmetic.
      const int nsub = 256 / c.sub;
      std::vector<double> apriori(nsub);
      if (c.affine) {
        // dmin <= halfUp(max b / K); S_j <= (R_j + dmin) / L + d with
        // d <= halfUp(max_j (R_j + dmin) / L / K); error <= S_j / 2.
        double maxB = 0, maxR = 0;
        std::vector<double> R(nsub);
        for (int j = 0; j < nsub; ++j) {
          auto [lo, hi] = std::minmax_element(x.begin() + j * c.sub,
                                              x.begin() + (j + 1) * c.sub);
          R[j] = double(*hi) - std::min(0.0, double(*lo));
          maxB = std::max(maxB, -std::min(0.0, double(*lo)));
          maxR = std::max(maxR, R[j]);
        }
        const double dmin = halfUp(maxB / c.K);
        const double d = halfUp((maxR + dmin) / c.L / c.K);
        for (int j = 0; j < nsub; ++j)
          apriori[j] = ((R[j] + dmin) / c.L + d) / 2;
      } else {
        // |S_j| <= amax_j / |vmin| + d, d <= halfUp(max amax / |vmin| / smax);
        // error <= |S_j| (t may reach -vmin = vmax + 1).
        std::vector<double> a(nsub);
        double maxA = 0;
        for (int j = 0; j < nsub; ++j) {
          for (int i = 0; i < c.sub; ++i)
            a[j] = std::max(a[j], std::fabs(double(x[j * c.sub + i])));
          a[j] /= -c.vmin;
          maxA = std::max(maxA, a[j]);
        }
        const double d = halfUp(maxA / c.smax);
        for (int j = 0; j < nsub; ++j)
          apriori[j] = a[j] + d;
      }
      for (int i = 0; i < 256; ++i) {
        const double err = std::fabs(double(x[i]) - y[i]);
        ASSERT_LE(err, bound) << c.name << " trial " << trial << " i " << i;
        ASSERT_LE(err, apriori[i / c.sub] * (1 + std::ldexp(1.0, -15)))
            << c.name << " trial " << trial << " i " << i;
      }
    }
  }
}

TEST(KQuantEncode, BoundIsNotVacuous) {
  // For N(0,1) data the bound stays within the a-priori scale of the format:
  // Q4_K sub-block steps are about range / 15 ~ 5 / 15, so the bound (half a
  // step plus the rounding of sc to an integer multiple of d) is below 0.3.
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(256);
  for (float &v : x)
    v = std::clamp(normal(rng), -3.0f, 3.0f);
  EXPECT_LT(blockErrorBound(*lookupNamedFormat("q4_k"), x.data(), 256), 0.3);
  EXPECT_LT(blockErrorBound(*lookupNamedFormat("q6_k"), x.data(), 256),
            3.0 / 32 + 3.0 / 32 / 127 + 1e-6);
}
