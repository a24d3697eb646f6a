//===- SignatureTest.cpp - Signature checks, dtypes and conversions -------===//

#include "Signature.h"
#include "DType.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace quant::rt;

namespace {

const int64_t kMatrix[] = {4, 64};
const int64_t kVector[] = {3};

TEST(SignatureTest, LabelsAndDescriptions) {
  qrt_tensor_sig x = {"x", QRT_F32, 2, kMatrix};
  qrt_tensor_sig unnamed = {nullptr, QRT_I8, 1, kVector};
  qrt_tensor_sig scalar = {"s", QRT_BF16, 0, nullptr};
  EXPECT_EQ(tensorLabel("input", 0, x), "input 1 (x)");
  EXPECT_EQ(tensorLabel("output", 2, unnamed), "output 3");
  EXPECT_EQ(describeTensor(x), "4x64 f32");
  EXPECT_EQ(describeTensor(unnamed), "3 i8");
  EXPECT_EQ(describeTensor(scalar), "scalar bf16");
  EXPECT_EQ(signatureBytes(x), 4u * 64u * 4u);
  EXPECT_EQ(signatureBytes(scalar), 2u);
}

TEST(SignatureTest, FormatSignature) {
  qrt_tensor_sig inputs[] = {{"x", QRT_F32, 2, kMatrix},
                             {"v", QRT_F32, 1, kVector}};
  qrt_tensor_sig outputs[] = {{"y", QRT_I64, 1, kVector}};
  qrt_program_sig sig = {"prog", 2, 1, inputs, outputs, 0};
  EXPECT_EQ(formatSignature(sig), "program prog\n"
                                  "input 1 (x): 4x64 f32\n"
                                  "input 2 (v): 3 f32\n"
                                  "output 1 (y): 3 i64\n"
                                  "default threads: one per core\n");
  std::string error;
  EXPECT_TRUE(validateSignature(sig, error)) << error;
}

TEST(SignatureTest, InvalidSignatures) {
  const int64_t negative[] = {2, -1};
  const int64_t huge[] = {int64_t(1) << 40, int64_t(1) << 40};
  qrt_tensor_sig badDType[] = {{"x", 17, 1, kVector}};
  qrt_tensor_sig badDim[] = {{"x", QRT_F32, 2, negative}};
  qrt_tensor_sig tooBig[] = {{"x", QRT_F32, 2, huge}};
  qrt_tensor_sig noDims[] = {{"x", QRT_F32, 2, nullptr}};
  std::string error;
  for (const qrt_tensor_sig *tensors : {badDType, badDim, tooBig, noDims}) {
    qrt_program_sig sig = {"p", 1, 0, tensors, nullptr, 0};
    EXPECT_FALSE(validateSignature(sig, error));
    EXPECT_EQ(error.rfind("invalid program signature: input 1 (x)", 0), 0u)
        << error;
  }
  qrt_program_sig negativeCount = {"p", -1, 0, nullptr, nullptr, 0};
  EXPECT_FALSE(validateSignature(negativeCount, error));
  qrt_program_sig missingArray = {"p", 1, 0, nullptr, nullptr, 0};
  EXPECT_FALSE(validateSignature(missingArray, error));
}

TEST(DTypeTest, NamesSizesAndNpyTypes) {
  EXPECT_EQ(dtypeSize(QRT_F32), 4u);
  EXPECT_EQ(dtypeSize(QRT_F16), 2u);
  EXPECT_EQ(dtypeSize(QRT_BF16), 2u);
  EXPECT_EQ(dtypeSize(QRT_I8), 1u);
  EXPECT_EQ(dtypeSize(QRT_I32), 4u);
  EXPECT_EQ(dtypeSize(QRT_I64), 8u);
  EXPECT_EQ(dtypeSize(99), 0u);
  EXPECT_STREQ(dtypeName(QRT_BF16), "bf16");
  EXPECT_EQ(npyDTypeFor(QRT_BF16), NpyDType::F32);
  EXPECT_EQ(npyDTypeFor(QRT_F16), NpyDType::F16);
  EXPECT_EQ(npyDTypeFor(QRT_I8), NpyDType::I8);
  EXPECT_FALSE(isValidDType(-1));
  EXPECT_FALSE(isValidDType(6));
}

TEST(DTypeTest, HalfToFloat) {
  EXPECT_EQ(halfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(halfToFloat(0xC000), -2.0f);
  EXPECT_EQ(halfToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(halfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(halfToFloat(0x03FF), 1023 * std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::signbit(halfToFloat(0x8000)));
  EXPECT_EQ(halfToFloat(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(halfToFloat(0x7E00)));
}

TEST(DTypeTest, Bfloat16) {
  EXPECT_EQ(floatToBfloat16(1.0f), 0x3F80);
  EXPECT_EQ(bfloat16ToFloat(0x3F80), 1.0f);
  EXPECT_EQ(bfloat16ToFloat(floatToBfloat16(-3.5f)), -3.5f);
  // Round to nearest even: 1 + 2^-8 is a tie between 1 and 1 + 2^-7.
  EXPECT_EQ(floatToBfloat16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
  EXPECT_EQ(floatToBfloat16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
  EXPECT_TRUE(std::isnan(bfloat16ToFloat(
      floatToBfloat16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(floatToBfloat16(std::numeric_limits<float>::infinity()), 0x7F80);
}

TEST(DTypeTest, FormatElement) {
  float f[] = {1.5f, -0.25f};
  int8_t i8[] = {-128, 127};
  int64_t i64[] = {int64_t(1) << 60};
  uint16_t f16[] = {0x3C00};
  EXPECT_EQ(formatElement(QRT_F32, f, 1), "-0.25");
  EXPECT_EQ(formatElement(QRT_I8, i8, 0), "-128");
  EXPECT_EQ(formatElement(QRT_I64, i64, 0), "1152921504606846976");
  EXPECT_EQ(formatElement(QRT_F16, f16, 0), "1");
}

} // namespace
