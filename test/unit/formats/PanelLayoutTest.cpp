//===- PanelLayoutTest.cpp - weights packed into 16-row panels ------------===//
//
// Which formats have a panel layout, and that packPanels puts every code and
// every block parameter of a matrix where PanelLayout.h says the kernels
// find them (read back here with the header's formulas, independently of the
// packer), in exactly the bytes of the original.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"
#include "quant/formats/PanelLayout.h"

#include "NamedSpec.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

using namespace quant::fmt;

namespace {

const FormatSpec &named(const char *name) { return test::namedSpec(name); }

TEST(PanelLayout, FormatsWithPanels) {
  for (const char *name : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4_k",
                           "q5_k", "q6_k"})
    EXPECT_TRUE(hasPanelLayout(named(name))) << name;
  // 2- and 3-bit K-quants, per-row scales, 128-blocks, codebooks and
  // minifloats keep the row-major layout.
  for (const char *name : {"q2_k", "q3_k", "int8_pc", "int4_g128",
                           "nf4", "iq4_nl", "mxfp4", "fp8_e4m3"})
    EXPECT_FALSE(hasPanelLayout(named(name))) << name;
  EXPECT_EQ(panelHeaderBytes(named("q4_k")), 16u);
  EXPECT_EQ(panelHeaderBytes(named("q5_k")), 16u);
  EXPECT_EQ(panelHeaderBytes(named("q6_k")), 18u);
  EXPECT_EQ(panelHeaderOffset(named("q6_k")), 192u);
  EXPECT_EQ(panelHeaderOffset(named("q4_k")), 0u);
  EXPECT_EQ(panelHeaderBytes(named("q4_0")), 0u);
  const FormatSpec &q4 = named("q4_0");
  EXPECT_TRUE(canPackPanels(q4, 32, 64));
  EXPECT_FALSE(canPackPanels(q4, 24, 64)) << "rows not a multiple of 16";
  EXPECT_FALSE(canPackPanels(q4, 0, 64));
}

/// The code of column i (< 32) of panel row `lane` in a 32-column block's
/// packed codes, read with PanelLayout.h's formulas.
unsigned packedCode(const uint8_t *codes, unsigned bits, size_t lane,
                    size_t i) {
  if (bits == 8)
    return codes[(i / 4) * 64 + 4 * lane + i % 4];
  uint8_t byte = codes[(i / 8) * 64 + 4 * lane + i % 4];
  unsigned code = (i / 4) % 2 ? byte >> 4 : byte & 0x0F;
  if (bits == 4)
    return code;
  unsigned high = bits - 4, perPlane = 8 / high, q = unsigned(i / 4);
  uint8_t plane = codes[256 + (q / perPlane) * 64 + 4 * lane + i % 4];
  return code | ((plane >> ((q % perPlane) * high)) & ((1u << high) - 1))
                    << 4;
}

/// A random `rows` x `cols` matrix quantized row by row in `spec`, packed
/// into panels, with a canary byte past the packed end (the packer must
/// write exactly the matrix's bytes).
struct PackedMatrix {
  std::vector<uint8_t> stored, packed;
};

PackedMatrix packRandomMatrix(const FormatSpec &spec, size_t rows, size_t cols,
                              unsigned seed) {
  PackedMatrix m;
  size_t rowBytes = spec.rowBytes(cols);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(rows * cols);
  for (float &v : values)
    v = normal(rng);
  m.stored.resize(rows * rowBytes);
  for (size_t r = 0; r < rows; ++r)
    quantizeRow(spec, &values[r * cols], cols, &m.stored[r * rowBytes]);
  m.packed.assign(m.stored.size() + 1, 0xA5);
  packPanels(spec, m.stored.data(), rows, cols, m.packed.data());
  return m;
}

/// Packs a random 32 x 96 matrix of `name` and checks every element.
void checkPacked(const char *name) {
  SCOPED_TRACE(name);
  const FormatSpec &spec = named(name);
  const size_t rows = 32, cols = 96, blocks = cols / spec.blockSize;
  const size_t blockBytes = spec.blockBytes(), rowBytes = blocks * blockBytes;
  ASSERT_TRUE(canPackPanels(spec, rows, cols));
  const auto [stored, packed] = packRandomMatrix(spec, rows, cols, 7);
  EXPECT_EQ(packed.back(), 0xA5);

  size_t scaleBytes = spec.scaleBytes(), minBytes = spec.offsetBytes();
  unsigned flip = spec.codeKind == CodeKind::SInt ? 1u << (spec.bits - 1) : 0;
  for (size_t r = 0; r < rows; ++r)
    for (size_t b = 0; b < blocks; ++b) {
      const uint8_t *source = &stored[r * rowBytes + b * blockBytes];
      size_t panel = r / kPanelRows, lane = r % kPanelRows;
      const uint8_t *panelBlock = &packed[panel * kPanelRows * rowBytes +
                                          b * kPanelRows * blockBytes];
      EXPECT_EQ(std::memcmp(panelBlock + lane * scaleBytes, source,
                            scaleBytes),
                0)
          << "scale of row " << r << " block " << b;
      const uint8_t *mins = panelBlock + kPanelRows * scaleBytes;
      EXPECT_EQ(std::memcmp(mins + lane * minBytes, source + scaleBytes,
                            minBytes),
                0)
          << "minimum of row " << r << " block " << b;
      const uint8_t *codes = mins + kPanelRows * minBytes;
      for (size_t i = 0; i < spec.blockSize; ++i) {
        unsigned want = blockElementCode(spec, source, i) ^ flip;
        ASSERT_EQ(packedCode(codes, spec.bits, lane, i), want)
            << "row " << r << " column " << b * 32 + i;
      }
    }
}

/// Packs a random 32 x 512 matrix of `name` and checks every header byte
/// and code against PanelLayout.h's super-block layout.
void checkPackedSuperBlocks(const char *name) {
  SCOPED_TRACE(name);
  const FormatSpec &spec = named(name);
  const size_t rows = 32, cols = 512, blocks = cols / spec.blockSize;
  const size_t blockBytes = spec.blockBytes(), rowBytes = blocks * blockBytes;
  // q4_k, q5_k: f16 d, f16 dmin, 12 bytes of scales at the start; q6_k:
  // 16 scales and f16 d after its 192 bytes of codes.
  const bool q6 = spec.layout == Layout::Q6_K;
  const size_t header = q6 ? 18 : 16, headerAt = q6 ? 192 : 0;
  ASSERT_TRUE(canPackPanels(spec, rows, cols));
  EXPECT_FALSE(canPackPanels(spec, rows, 384)) << "not whole super-blocks";
  const auto [stored, packed] = packRandomMatrix(spec, rows, cols, 11);
  EXPECT_EQ(packed.back(), 0xA5);
  for (size_t r = 0; r < rows; ++r)
    for (size_t b = 0; b < blocks; ++b) {
      const uint8_t *source = &stored[r * rowBytes + b * blockBytes];
      size_t panel = r / kPanelRows, lane = r % kPanelRows;
      const uint8_t *panelBlock = &packed[panel * kPanelRows * rowBytes +
                                          b * kPanelRows * blockBytes];
      for (size_t byte = 0; byte < header; ++byte)
        ASSERT_EQ(panelBlock[kPanelRows * byte + lane],
                  source[headerAt + byte])
            << "header byte " << byte << " of row " << r << " block " << b;
      const uint8_t *codes = panelBlock + kPanelRows * header;
      for (size_t i = 0; i < spec.blockSize; ++i) {
        // Sub-block i / 32 (64 * bits bytes each), then the 32-block order.
        const uint8_t *sub = codes + (i / 32) * 64 * spec.bits;
        ASSERT_EQ(packedCode(sub, spec.bits, lane, i % 32),
                  blockElementCode(spec, source, i))
            << "row " << r << " column " << b * 256 + i;
      }
    }
}

TEST(PanelLayout, PackedSuperBlocks) {
  for (const char *name : {"q4_k", "q5_k", "q6_k"})
    checkPackedSuperBlocks(name);
}

TEST(PanelLayout, PackedCodesAndParameters) {
  for (const char *name : {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0"})
    checkPacked(name);
}

} // namespace
