//===- DecodeTest.cpp - Hand-built blocks of the Generic named formats ----===//
//
// Each test writes a block's bytes by hand and computes the expected values
// from the FORMATS.md formula, independently of the library's decoder.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace quant::fmt;

namespace {

std::vector<float> decode(const char *name, const std::vector<uint8_t> &bytes,
                          size_t n) {
  const FormatSpec *s = lookupNamedFormat(name);
  EXPECT_NE(s, nullptr);
  EXPECT_EQ(s->rowBytes(n), bytes.size()) << name;
  std::vector<float> out(n);
  dequantizeRow(*s, bytes.data(), n, out.data());
  return out;
}

void append(std::vector<uint8_t> &b, std::initializer_list<uint8_t> v) {
  b.insert(b.end(), v);
}

/// The 16 nibble bytes j | (15 - j) << 4: element j has code j and element
/// j + 16 has code 15 - j in the GGUF 4-bit order.
void appendNibbles(std::vector<uint8_t> &b) {
  for (int j = 0; j < 16; ++j)
    b.push_back(uint8_t(j | (15 - j) << 4));
}

} // namespace

TEST(Decode, Q4_0) {
  std::vector<uint8_t> b = {0x00, 0x38}; // d = 0.5 (fp16 0x3800)
  appendNibbles(b);
  std::vector<float> y = decode("q4_0", b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * float(j - 8)) << j;
    EXPECT_EQ(y[j + 16], 0.5f * float(15 - j - 8)) << j;
  }
  EXPECT_EQ(y[0], -4.0f);
  EXPECT_EQ(y[16], 3.5f);
}

TEST(Decode, Q4_1) {
  std::vector<uint8_t> b = {0x00, 0x34, 0x00, 0xBC}; // d = 0.25, m = -1
  appendNibbles(b);
  std::vector<float> y = decode("q4_1", b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.25f * float(j) - 1.0f) << j;
    EXPECT_EQ(y[j + 16], 0.25f * float(15 - j) - 1.0f) << j;
  }
  EXPECT_EQ(y[16], 2.75f);
}

TEST(Decode, Q5_0) {
  // d = 0.5; qh = 0xAAAAAAAA (little-endian): odd elements have bit 4 set.
  std::vector<uint8_t> b = {0x00, 0x38, 0xAA, 0xAA, 0xAA, 0xAA};
  appendNibbles(b);
  std::vector<float> y = decode("q5_0", b, 32);
  for (int j = 0; j < 32; ++j) {
    int nib = j < 16 ? j : 15 - (j - 16);
    int q = nib | ((j & 1) ? 16 : 0);
    EXPECT_EQ(y[j], 0.5f * float(q - 16)) << j;
  }
  EXPECT_EQ(y[1], 0.5f * (17 - 16));
  EXPECT_EQ(y[0], -8.0f);
}

TEST(Decode, Q5_1) {
  // d = 1, m = 2; qh = 0x000000FF: elements 0..7 have bit 4.
  std::vector<uint8_t> b = {0x00, 0x3C, 0x00, 0x40, 0xFF, 0x00, 0x00, 0x00};
  appendNibbles(b);
  std::vector<float> y = decode("q5_1", b, 32);
  for (int j = 0; j < 32; ++j) {
    int nib = j < 16 ? j : 15 - (j - 16);
    int q = nib | (j < 8 ? 16 : 0);
    EXPECT_EQ(y[j], float(q) + 2.0f) << j;
  }
  EXPECT_EQ(y[7], 25.0f);
}

TEST(Decode, Q8_0) {
  std::vector<uint8_t> b = {0x00, 0x30}; // d = 0.125
  for (int j = 0; j < 32; ++j)
    b.push_back(uint8_t(int8_t(j * 8 - 128)));
  std::vector<float> y = decode("q8_0", b, 32);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(y[j], 0.125f * float(j * 8 - 128)) << j;
  EXPECT_EQ(y[0], -16.0f);
  EXPECT_EQ(y[31], 15.0f);
}

TEST(Decode, IQ4_NL) {
  const float T[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                       1,    13,   25,  38,  53,  69,  89,  113};
  std::vector<uint8_t> b = {0x00, 0x38}; // d = 0.5
  appendNibbles(b);
  std::vector<float> y = decode("iq4_nl", b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * T[j]) << j;
    EXPECT_EQ(y[j + 16], 0.5f * T[15 - j]) << j;
  }
  EXPECT_EQ(y[0], -63.5f);
}

TEST(Decode, MXFP4) {
  const float E2M1[16] = {0,     0.5f,  1,  1.5f,  2,  3,  4,  6,
                          -0.0f, -0.5f, -1, -1.5f, -2, -3, -4, -6};
  for (int e : {126, 127, 130, 1, 0, 254}) {
    std::vector<uint8_t> b = {uint8_t(e)};
    appendNibbles(b);
    std::vector<float> y = decode("mxfp4", b, 32);
    // 2^(e-127) * E2M1(q): exact in double, then rounded once to float
    // (e = 254 with |q| >= 2 overflows to Inf, as float32 arithmetic does).
    const double s = std::ldexp(1.0, e - 127);
    for (int j = 0; j < 16; ++j) {
      EXPECT_EQ(y[j], float(s * E2M1[j])) << e << " " << j;
      EXPECT_EQ(y[j + 16], float(s * E2M1[15 - j])) << e << " " << j;
    }
  }
  std::vector<uint8_t> nanBlock = {0xFF};
  appendNibbles(nanBlock);
  std::vector<float> y = decode("mxfp4", nanBlock, 32);
  EXPECT_TRUE(std::isnan(y[3])); // E8M0 0xFF is NaN.
}

TEST(Decode, NF4) {
  // FORMATS.md table (5 decimals); the library stores binary32 values of the
  // bitsandbytes table, which agree to 5e-6.
  const double T[16] = {
      -1,      -0.69619, -0.52507, -0.39492, -0.28444, -0.18477, -0.09105, 0,
      0.07958, 0.16093,  0.24611,  0.33792,  0.44071,  0.56262,  0.72296,  1};
  std::vector<uint8_t> b = {0x00, 0x00, 0x00, 0x40}; // f32 2.0
  // Linear packing: byte k holds element 2k (low nibble), 2k+1 (high).
  for (int k = 0; k < 32; ++k)
    b.push_back(uint8_t(((2 * k) % 16) | ((2 * k + 1) % 16) << 4));
  std::vector<float> y = decode("nf4", b, 64);
  for (int i = 0; i < 64; ++i)
    EXPECT_NEAR(y[i], 2.0 * T[i % 16], 2.0 * 5e-6) << i;
  EXPECT_EQ(y[0], -2.0f);
  EXPECT_EQ(y[7], 0.0f);
  EXPECT_EQ(y[15], 2.0f);
}

TEST(Decode, FP8AndMXFP8) {
  // Codes and their E4M3FN values (bias 7): 0x38 = 1, 0x3C = 1.5, 0x40 = 2,
  // 0x01 = 2^-9, 0x08 = 2^-6, 0x7E = 448, 0xFE = -448, 0xB8 = -1, 0x7F NaN.
  const uint8_t codes[9] = {0x38, 0x3C, 0x40, 0x01, 0x08,
                            0x7E, 0xFE, 0xB8, 0x7F};
  const double vals[8] = {
      1, 1.5, 2, std::ldexp(1.0, -9), std::ldexp(1.0, -6), 448, -448, -1};
  std::vector<uint8_t> fp8 = {0x00, 0x00, 0x40, 0x40}; // f32 3.0
  std::vector<uint8_t> mx = {129};                     // 2^2
  for (int i = 0; i < 32; ++i) {
    fp8.push_back(i < 9 ? codes[i] : 0x38);
    mx.push_back(i < 9 ? codes[i] : 0x38);
  }
  std::vector<float> y = decode("fp8_e4m3", fp8, 32);
  std::vector<float> z = decode("mxfp8_e4m3", mx, 32);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(double(y[i]), 3.0 * vals[i]) << i;
    EXPECT_EQ(double(z[i]), 4.0 * vals[i]) << i;
  }
  EXPECT_TRUE(std::isnan(y[8]));
  EXPECT_EQ(y[20], 3.0f);

  // E5M2 (bias 15): 0x3C = 1, 0x7B = 57344, 0x01 = 2^-16, 0x7C = Inf.
  std::vector<uint8_t> e5 = {0x00, 0x00, 0x00, 0x3F}; // f32 0.5
  const uint8_t c5[4] = {0x3C, 0x7B, 0x01, 0x7C};
  for (int i = 0; i < 32; ++i)
    e5.push_back(i < 4 ? c5[i] : 0xBC);
  std::vector<float> w = decode("fp8_e5m2", e5, 32);
  EXPECT_EQ(w[0], 0.5f);
  EXPECT_EQ(w[1], 28672.0f);
  EXPECT_EQ(double(w[2]), std::ldexp(1.0, -17));
  EXPECT_EQ(w[3], INFINITY);
  EXPECT_EQ(w[4], -0.5f);
}

TEST(Decode, Int8PerChannel) {
  std::vector<uint8_t> b = {0x00, 0x00, 0x00, 0x3F}; // f32 0.5
  append(b, {0x81, 0xFF, 0x00, 0x01, 0x7F});         // -127 -1 0 1 127
  std::vector<float> y = decode("int8_pc", b, 5);
  EXPECT_EQ(y, (std::vector<float>{-63.5f, -0.5f, 0.0f, 0.5f, 63.5f}));
}

TEST(Decode, Int4G128) {
  std::vector<uint8_t> b = {0x00, 0x38, 8}; // s = 0.5, z = 8
  for (int k = 0; k < 64; ++k) // element i has code i % 16, LSB first
    b.push_back(uint8_t(((2 * k) % 16) | ((2 * k + 1) % 16) << 4));
  std::vector<float> y = decode("int4_g128", b, 128);
  for (int i = 0; i < 128; ++i)
    EXPECT_EQ(y[i], 0.5f * float(i % 16 - 8)) << i;
}

TEST(Decode, InlineSixBitLinearStraddlesBytes) {
  // 6-bit unsigned, bias 32, f32 scale 1, blocks of 4 (3 bytes):
  // codes 1, 2, 3, 63: bits 000001 000010 000011 111111, LSB first:
  // byte0 = 01 | (2 & 3) << 6 = 0x81, byte1 = 2 >> 2 | 3 << 4 = 0x30,
  // byte2 = 3 >> 4 | 63 << 2 = 0xFC.
  FormatSpec s;
  s.bits = 6;
  s.blockSize = 4;
  s.codeKind = CodeKind::UInt;
  s.bias = 32;
  s.scaleType = ScaleType::F32;
  ASSERT_EQ(s.validate(), "");
  std::vector<uint8_t> b = {0x00, 0x00, 0x80, 0x3F, 0x81, 0x30, 0xFC};
  std::vector<float> y(4);
  dequantizeRow(s, b.data(), 4, y.data());
  EXPECT_EQ(y, (std::vector<float>{-31, -30, -29, 31}));
}

TEST(Decode, InlineBF16ScaleSignedThreeBit) {
  // 3-bit two's complement, bf16 scale 0.25 (0x3E80), blocks of 8 (3 bytes):
  // codes 0..7 = values 0 1 2 3 -4 -3 -2 -1, packed LSB first:
  // bits 000 001 010 011 100 101 110 111 -> 0x88 0xC6 0xFA.
  FormatSpec s;
  s.bits = 3;
  s.blockSize = 8;
  s.codeKind = CodeKind::SInt;
  s.scaleType = ScaleType::BF16;
  ASSERT_EQ(s.validate(), "");
  std::vector<uint8_t> b = {0x80, 0x3E, 0x88, 0xC6, 0xFA};
  std::vector<float> y(8);
  dequantizeRow(s, b.data(), 8, y.data());
  EXPECT_EQ(y, (std::vector<float>{0, 0.25f, 0.5f, 0.75f, -1, -0.75f, -0.5f,
                                   -0.25f}));
}
