//===- FormatSpecTest.cpp - FormatSpec validation, sizes, names -----------===//

#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace quant::fmt;

namespace {

FormatSpec named(const char *name) {
  const FormatSpec *s = lookupNamedFormat(name);
  EXPECT_NE(s, nullptr) << name;
  return s ? *s : FormatSpec();
}

FormatSpec uintSpec(unsigned bits, unsigned block) {
  FormatSpec s;
  s.bits = bits;
  s.blockSize = block;
  s.codeKind = CodeKind::UInt;
  s.scaleType = ScaleType::F16;
  return s;
}

} // namespace

TEST(FormatSpec, NamedFormatsAreValidWithGgufSizes) {
  struct Row {
    const char *name;
    size_t blockSize, blockBytes;
    std::optional<uint32_t> gguf;
  };
  // Sizes from FORMATS.md (GGUF) and from the documented layouts.
  const Row rows[] = {
      {"q4_0", 32, 18, 2},        {"q4_1", 32, 20, 3},
      {"q5_0", 32, 22, 6},        {"q5_1", 32, 24, 7},
      {"q8_0", 32, 34, 8},        {"q2_k", 256, 84, 10},
      {"q3_k", 256, 110, 11},     {"q4_k", 256, 144, 12},
      {"q5_k", 256, 176, 13},     {"q6_k", 256, 210, 14},
      {"iq4_nl", 32, 18, 20},     {"mxfp4", 32, 17, 39},
      {"nf4", 64, 36, {}},        {"fp8_e4m3", 32, 36, {}},
      {"fp8_e5m2", 32, 36, {}},   {"mxfp8_e4m3", 32, 33, {}},
      {"int4_g128", 128, 67, {}},
  };
  for (const Row &r : rows) {
    FormatSpec s = named(r.name);
    EXPECT_EQ(s.validate(), "") << r.name;
    EXPECT_EQ(s.blockSize, r.blockSize) << r.name;
    EXPECT_EQ(s.blockBytes(), r.blockBytes) << r.name;
    EXPECT_EQ(s.scaleBytes() + s.offsetBytes() + s.codeBytes(), r.blockBytes)
        << r.name;
    EXPECT_EQ(ggufTypeId(s), r.gguf) << r.name;
    if (r.gguf) {
      const FormatSpec *back = formatForGgufType(*r.gguf);
      ASSERT_NE(back, nullptr);
      EXPECT_EQ(back->name, r.name);
    }
    EXPECT_EQ(s.rowBytes(4 * r.blockSize), 4 * r.blockBytes) << r.name;
  }
  EXPECT_EQ(formatForGgufType(0), nullptr); // F32 is not a block format.
  EXPECT_EQ(formatForGgufType(9999), nullptr);
  EXPECT_EQ(lookupNamedFormat("q4_2"), nullptr);
  for (const FormatSpec &s : namedFormats())
    EXPECT_EQ(s.validate(), "") << s.name;
}

TEST(FormatSpec, BitsPerWeight) {
  EXPECT_DOUBLE_EQ(named("q4_0").bitsPerWeight(), 4.5);
  EXPECT_DOUBLE_EQ(named("q4_1").bitsPerWeight(), 5.0);
  EXPECT_DOUBLE_EQ(named("q5_0").bitsPerWeight(), 5.5);
  EXPECT_DOUBLE_EQ(named("q5_1").bitsPerWeight(), 6.0);
  EXPECT_DOUBLE_EQ(named("q8_0").bitsPerWeight(), 8.5);
  EXPECT_DOUBLE_EQ(named("q2_k").bitsPerWeight(), 2.625);
  EXPECT_DOUBLE_EQ(named("q3_k").bitsPerWeight(), 3.4375);
  EXPECT_DOUBLE_EQ(named("q4_k").bitsPerWeight(), 4.5);
  EXPECT_DOUBLE_EQ(named("q5_k").bitsPerWeight(), 5.5);
  EXPECT_DOUBLE_EQ(named("q6_k").bitsPerWeight(), 6.5625);
  EXPECT_DOUBLE_EQ(named("mxfp4").bitsPerWeight(), 4.25);
  EXPECT_DOUBLE_EQ(named("nf4").bitsPerWeight(), 4.5);
  // int8_pc: one f32 per row of 4096: 8 + 32/4096 bits.
  EXPECT_DOUBLE_EQ(named("int8_pc").bitsPerWeight(4096), 8.0 + 32.0 / 4096);
  EXPECT_EQ(named("int8_pc").rowBytes(5), 4u + 5u);
  EXPECT_EQ(named("int8_pc").resolvedFor(77).blockSize, 77u);
  EXPECT_EQ(named("q4_0").resolvedFor(77).blockSize, 32u);
}

TEST(FormatSpec, LinearPackingSizes) {
  FormatSpec s = uintSpec(3, 64); // 3-bit, 64 per group: 24 code bytes.
  s.offset = OffsetKind::ZeroPoint;
  EXPECT_EQ(s.validate(), "");
  EXPECT_EQ(s.codeBytes(), 24u);
  EXPECT_EQ(s.blockBytes(), 2u + 1u + 24u);
  FormatSpec pr = uintSpec(6, 0); // Per row, 6-bit: 7 elements -> 6 bytes.
  pr.bias = 32;
  EXPECT_EQ(pr.rowBytes(7), 2u + 6u);
}

TEST(FormatSpec, ValidateRejectsBadSpecs) {
  auto expectBad = [](FormatSpec s, const char *fragment) {
    std::string err = s.validate();
    EXPECT_NE(err, "") << fragment;
    EXPECT_NE(err.find(fragment), std::string::npos) << err;
    EXPECT_NE(checkRowLength(s, 256), "");
  };
  expectBad(uintSpec(0, 32), "1 to 8 bits");
  expectBad(uintSpec(9, 32), "1 to 8 bits");
  {
    FormatSpec s = uintSpec(4, 32);
    s.codeKind = CodeKind::Codebook;
    s.codebook = {1, 2, 3};
    expectBad(s, "codebook has 3 entries");
    s.codebook.assign(16, 0.0f);
    s.codebook[3] = NAN;
    expectBad(s, "finite");
  }
  {
    FormatSpec s = uintSpec(3, 32);
    s.packing = Packing::Ggml;
    expectBad(s, "ggml packing supports 4, 5 and 8");
  }
  {
    FormatSpec s = uintSpec(5, 36); // Ggml 5-bit: qh plane needs 8 | B.
    s.packing = Packing::Ggml;
    expectBad(s, "multiple of 8");
  }
  {
    FormatSpec s = uintSpec(4, 32);
    s.codeKind = CodeKind::SInt;
    s.offset = OffsetKind::ZeroPoint;
    expectBad(s, "unsigned codes");
  }
  {
    FormatSpec s = uintSpec(3, 20); // 60 bits: not whole bytes.
    expectBad(s, "whole bytes");
  }
  {
    FormatSpec s = uintSpec(4, 32);
    s.bias = 16;
    expectBad(s, "bias 16");
    s.bias = -1;
    expectBad(s, "bias -1");
    s.bias = 8;
    s.offset = OffsetKind::Min;
    expectBad(s, "bias 0");
  }
  {
    FormatSpec s = uintSpec(4, 32);
    s.offset = OffsetKind::Min;
    s.scaleType = ScaleType::E8M0;
    expectBad(s, "f32, f16 or bf16");
    s.scaleType = ScaleType::None;
    expectBad(s, "f32, f16 or bf16");
  }
  {
    FormatSpec s = uintSpec(4, 32);
    s.codeKind = CodeKind::MiniFloat;
    s.miniFloat = MiniFloat::E4M3FN;
    expectBad(s, "8-bit codes");
  }
  {
    FormatSpec s = named("q4_k");
    s.bits = 3;
    expectBad(s, "4-bit codes");
    s = named("q6_k");
    s.blockSize = 128;
    expectBad(s, "256");
  }
  {
    FormatSpec s = uintSpec(4, 32);
    s.codebook = {1.0f};
    expectBad(s, "only allowed with codebook");
  }
}

TEST(FormatSpec, CheckRowLength) {
  EXPECT_EQ(checkRowLength(named("q4_0"), 64), "");
  std::string e = checkRowLength(named("q4_0"), 48);
  EXPECT_NE(e.find("not a multiple of the block size 32"), std::string::npos)
      << e;
  EXPECT_NE(e.find("'q4_0'"), std::string::npos) << e;
  EXPECT_NE(checkRowLength(named("q4_0"), 0), "");
  EXPECT_EQ(checkRowLength(named("int8_pc"), 7), "");
  EXPECT_NE(checkRowLength(named("q6_k"), 128), "");
  FormatSpec perRowGgml = uintSpec(4, 0);
  perRowGgml.packing = Packing::Ggml;
  perRowGgml.bias = 8;
  EXPECT_EQ(checkRowLength(perRowGgml, 6), "");
  EXPECT_NE(checkRowLength(perRowGgml, 7), "");
}

TEST(FormatSpec, NamesRoundTrip) {
  for (ScaleType t : {ScaleType::None, ScaleType::F32, ScaleType::F16,
                      ScaleType::BF16, ScaleType::E8M0})
    EXPECT_EQ(parseScaleType(toString(t)), t);
  for (MiniFloat t : {MiniFloat::E2M1, MiniFloat::E2M3, MiniFloat::E3M2,
                      MiniFloat::E4M3FN, MiniFloat::E5M2})
    EXPECT_EQ(parseMiniFloat(toString(t)), t);
  EXPECT_EQ(toString(ScaleType::E8M0), "e8m0");
  EXPECT_EQ(toString(MiniFloat::E4M3FN), "e4m3fn");
  EXPECT_EQ(toString(Layout::Q5_K), "q5_k");
  EXPECT_EQ(parseScaleType("f8"), std::nullopt);
  EXPECT_EQ(parseMiniFloat("e4m3"), std::nullopt);
}

TEST(FormatSpec, SameLayoutAndGgufIdByStructure) {
  FormatSpec inlineQ40 = uintSpec(4, 32);
  inlineQ40.bias = 8;
  inlineQ40.packing = Packing::Ggml;
  EXPECT_TRUE(inlineQ40.sameLayoutAs(named("q4_0")));
  EXPECT_EQ(ggufTypeId(inlineQ40), 2u);
  inlineQ40.bias = 7;
  EXPECT_FALSE(inlineQ40.sameLayoutAs(named("q4_0")));
  EXPECT_EQ(ggufTypeId(inlineQ40), std::nullopt);
  EXPECT_FALSE(named("q4_0").sameLayoutAs(named("iq4_nl")));
  EXPECT_FALSE(named("q4_k").sameLayoutAs(named("q5_k")));
  FormatSpec nf4 = named("nf4");
  nf4.codebook[1] = -0.7f;
  EXPECT_FALSE(nf4.sameLayoutAs(named("nf4")));
}
