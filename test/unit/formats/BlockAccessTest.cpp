//===- BlockAccessTest.cpp - Element codes under a fixed block header -----===//
//
// For every named format: the code read back from an encoded block is the one
// the decoder uses (element by element and for the whole block at once), setting one element's code changes only that element, and
// blockElementValues predicts the decoded value of every code bit-exactly
// (NaN codes as NaN).
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace quant::fmt;

namespace {

bool sameFloat(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x == y;
}

class BlockAccess : public ::testing::TestWithParam<FormatSpec> {};

TEST_P(BlockAccess, CodesAndValuesMatchTheDecoder) {
  // Per-row formats are resolved for a row of 96 elements.
  const FormatSpec spec = GetParam().resolvedFor(96);
  ASSERT_GT(spec.blockSize, 0u);
  const size_t n = spec.blockSize, bytes = spec.blockBytes();
  const unsigned codes = blockCodeCount(spec);
  const unsigned group = blockValueGroupSize(spec);
  ASSERT_EQ(n % group, 0u);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int trial = 0; trial < 3; ++trial) {
    std::vector<float> x(n);
    for (float &v : x)
      v = normal(rng) * (trial == 2 ? 1e-3f : 1.0f);
    std::vector<uint8_t> block(bytes);
    quantizeBlock(spec, x.data(), block.data());
    // quantizeBlock is quantizeRow for one block.
    std::vector<uint8_t> rowBytes(bytes);
    quantizeRow(spec, x.data(), n, rowBytes.data());
    ASSERT_EQ(block, rowBytes);
    std::vector<float> decoded(n);
    dequantizeBlock(spec, block.data(), decoded.data());
    // The whole block's codes at once are the per-element ones.
    std::vector<unsigned> all(n);
    blockElementCodes(spec, block.data(), all.data());
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(all[i], blockElementCode(spec, block.data(), i))
          << spec.name << " element " << i;
    std::vector<float> values(codes), groupValues(codes);
    for (size_t i = 0; i < n; ++i) {
      const unsigned code = blockElementCode(spec, block.data(), i);
      ASSERT_LT(code, codes);
      blockElementValues(spec, block.data(), i, values.data());
      ASSERT_TRUE(sameFloat(values[code], decoded[i]))
          << spec.name << " element " << i;
      // Elements of one value group share the table.
      blockElementValues(spec, block.data(), (i / group) * group,
                         groupValues.data());
      for (unsigned c = 0; c < codes; ++c)
        ASSERT_TRUE(sameFloat(values[c], groupValues[c]));
    }
    // Rewrite a spread of elements with every code.
    for (size_t i = 0; i < n; i += (n > 64 ? 7 : 3)) {
      blockElementValues(spec, block.data(), i, values.data());
      for (unsigned c = 0; c < codes; ++c) {
        std::vector<uint8_t> changed = block;
        setBlockElementCode(spec, changed.data(), i, c);
        ASSERT_EQ(blockElementCode(spec, changed.data(), i), c);
        std::vector<float> y(n);
        dequantizeBlock(spec, changed.data(), y.data());
        for (size_t k = 0; k < n; ++k) {
          if (k == i)
            ASSERT_TRUE(sameFloat(y[k], values[c]))
                << spec.name << " element " << i << " code " << c;
          else
            ASSERT_TRUE(sameFloat(y[k], decoded[k]))
                << spec.name << " element " << k << " changed by " << i;
        }
        // Writing the original code back restores the bytes.
        setBlockElementCode(spec, changed.data(), i,
                            blockElementCode(spec, block.data(), i));
        ASSERT_EQ(changed, block);
      }
    }
  }
}

TEST_P(BlockAccess, AffineParamsDescribeTheValues) {
  const FormatSpec spec = GetParam().resolvedFor(96);
  // Only codebooks and minifloats lack affine codes.
  bool tableCodes = spec.layout == Layout::Generic &&
                    (spec.codeKind == CodeKind::Codebook ||
                     spec.codeKind == CodeKind::MiniFloat);
  ASSERT_EQ(hasAffineCodes(spec), !tableCodes) << spec.name;
  if (tableCodes)
    return;
  const size_t n = spec.blockSize;
  const unsigned codes = blockCodeCount(spec);
  // Signed codes are taken with their top bit flipped (AffineParams).
  const unsigned flip = spec.layout == Layout::Generic &&
                                spec.codeKind == CodeKind::SInt
                            ? 1u << (spec.bits - 1)
                            : 0;
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.5f, 1.0f);
  std::vector<float> x(n);
  for (float &v : x)
    v = normal(rng);
  std::vector<uint8_t> block(spec.blockBytes());
  quantizeBlock(spec, x.data(), block.data());
  std::vector<float> values(codes);
  for (size_t i = 0; i < n; ++i) {
    AffineParams params = blockAffineParams(spec, block.data(), i);
    blockElementValues(spec, block.data(), i, values.data());
    for (unsigned c = 0; c < codes; ++c) {
      double scaled = double(params.scale) * (double(c ^ flip) - params.zero);
      // The decoder rounds the product and the sum with the minimum (or the
      // K-quants' S * v - M) in float32: at most 2 roundings of 2^-24
      // relative to |s v| + |m|; 2^-22 leaves room for neither more.
      double bound = 0x1.0p-22 * (std::fabs(scaled) + std::fabs(params.min));
      ASSERT_NEAR(values[c], scaled + params.min, bound)
          << spec.name << " element " << i << " code " << c;
    }
  }
}

std::string formatName(const ::testing::TestParamInfo<FormatSpec> &info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(NamedFormats, BlockAccess,
                         ::testing::ValuesIn(namedFormats()), formatName);

// Inline 3-bit specs: codes straddle bytes in Linear packing.
std::vector<FormatSpec> inlineSpecs() {
  FormatSpec int3;
  int3.name = "int3_g128";
  int3.bits = 3;
  int3.blockSize = 128;
  int3.scaleType = ScaleType::F16;
  int3.codeKind = CodeKind::UInt;
  int3.offset = OffsetKind::ZeroPoint;
  FormatSpec sint3 = int3;
  sint3.name = "sint3_bf16_g24";
  sint3.codeKind = CodeKind::SInt;
  sint3.offset = OffsetKind::None;
  sint3.scaleType = ScaleType::BF16;
  sint3.blockSize = 24;
  FormatSpec q5pc;
  q5pc.name = "q5_per_row";
  q5pc.bits = 5;
  q5pc.blockSize = 0;
  q5pc.scaleType = ScaleType::F16;
  q5pc.codeKind = CodeKind::UInt;
  q5pc.bias = 16;
  q5pc.packing = Packing::Ggml;
  return {int3, sint3, q5pc};
}

INSTANTIATE_TEST_SUITE_P(InlineFormats, BlockAccess,
                         ::testing::ValuesIn(inlineSpecs()), formatName);

} // namespace
