//===- SpirvModuleTest.cpp - SPIR-V header and capability parsing ---------===//

#include "Capabilities.h"
#include "SpirvModule.h"

#include "Axpy.spv.h"
#include "WidenI8.spv.h"

#include <gtest/gtest.h>

#include <vulkan/vulkan.h>

using namespace quant::rt::vk;

namespace {

template <size_t N>
std::vector<uint32_t> wordsOf(const uint32_t (&module)[N]) {
  return std::vector<uint32_t>(module, module + N);
}

SpirvModuleInfo parse(const std::vector<uint32_t> &words) {
  SpirvModuleInfo info;
  std::string error;
  EXPECT_TRUE(parseSpirvModule(words.data(), int64_t(words.size()), info,
                               error))
      << error;
  return info;
}

std::string parseError(const std::vector<uint32_t> &words) {
  SpirvModuleInfo info;
  std::string error;
  EXPECT_FALSE(
      parseSpirvModule(words.data(), int64_t(words.size()), info, error));
  return error;
}

TEST(SpirvModuleTest, AxpyNeedsOnlyShader) {
  SpirvModuleInfo info = parse(wordsOf(kAxpySpirv));
  EXPECT_EQ(info.capabilities, std::vector<uint32_t>{kCapShader});
  EXPECT_EQ(info.computeEntryPoints, std::vector<std::string>{"axpy"});
  // spirv-as --target-env vulkan1.1 writes SPIR-V 1.3.
  EXPECT_EQ(info.version, 0x00010300u);
}

TEST(SpirvModuleTest, WidenListsItsByteCapabilities) {
  SpirvModuleInfo info = parse(wordsOf(kWidenI8Spirv));
  std::vector<uint32_t> expected = {kCapShader, kCapInt8,
                                    kCapStorageBuffer8BitAccess};
  EXPECT_EQ(info.capabilities, expected);
  EXPECT_EQ(info.computeEntryPoints, std::vector<std::string>{"widen_i8"});
  EXPECT_EQ(spirvCapabilityName(info.capabilities[2]),
            "StorageBuffer8BitAccess");
}

TEST(SpirvModuleTest, RejectsMalformedModules) {
  std::vector<uint32_t> words = wordsOf(kAxpySpirv);
  std::vector<uint32_t> badMagic = words;
  badMagic[0] = 0x03022307;
  EXPECT_EQ(parseError(badMagic),
            "bad SPIR-V magic number 0x03022307 (expected 0x07230203)");
  EXPECT_EQ(parseError({}), "empty SPIR-V module");
  EXPECT_NE(parseError({kSpirvMagic, 0x00010300}).find("5-word header"),
            std::string::npos);
  // The first instruction claims more words than the module has.
  std::vector<uint32_t> truncated(words.begin(), words.begin() + 6);
  EXPECT_EQ(parseError(truncated), "malformed SPIR-V instruction at word 5");
  std::vector<uint32_t> zeroCount = words;
  zeroCount[5] = 0;
  EXPECT_EQ(parseError(zeroCount), "malformed SPIR-V instruction at word 5");
}

TEST(CapabilitiesTest, MapsCapabilitiesToFeatures) {
  DeviceFeatures none;
  EXPECT_EQ(missingFeatureFor(kCapShader, none), "");
  EXPECT_EQ(missingFeatureFor(kCapInt8, none), "shaderInt8");
  EXPECT_EQ(missingFeatureFor(kCapStorageBuffer8BitAccess, none),
            "storageBuffer8BitAccess");
  EXPECT_EQ(missingFeatureFor(kCapInt16, none), "shaderInt16");
  EXPECT_EQ(missingFeatureFor(kCapFloat16, none), "shaderFloat16");
  EXPECT_EQ(missingFeatureFor(kCapInt64, none), "shaderInt64");
  EXPECT_EQ(missingFeatureFor(kCapStorageBuffer16BitAccess, none),
            "storageBuffer16BitAccess");
  EXPECT_EQ(missingFeatureFor(kCapDotProduct, none), "shaderIntegerDotProduct");
  EXPECT_EQ(missingFeatureFor(kCapGroupNonUniformArithmetic, none),
            "subgroup arithmetic operations in compute shaders");
  EXPECT_EQ(missingFeatureFor(5009, none), "the SPIR-V capability capability 5009");

  DeviceFeatures all;
  all.shaderInt8 = all.storageBuffer8BitAccess = all.shaderInt16 = true;
  all.shaderFloat16 = all.shaderInt64 = all.storageBuffer16BitAccess = true;
  all.shaderIntegerDotProduct = true;
  all.subgroupOperations =
      VK_SUBGROUP_FEATURE_BASIC_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
  for (uint32_t capability :
       {kCapInt8, kCapStorageBuffer8BitAccess, kCapInt16, kCapFloat16,
        kCapInt64, kCapStorageBuffer16BitAccess, kCapDotProductInput4x8BitPacked,
        kCapGroupNonUniform, kCapGroupNonUniformArithmetic})
    EXPECT_EQ(missingFeatureFor(capability, all), "")
        << spirvCapabilityName(capability);
  EXPECT_EQ(missingFeatureFor(kCapGroupNonUniformShuffle, all),
            "subgroup shuffle operations in compute shaders");
}

TEST(CapabilitiesTest, SpirvVersionsOfVulkanVersions) {
  EXPECT_EQ(maxSpirvVersionFor(VK_API_VERSION_1_1), 0x00010300u);
  EXPECT_EQ(maxSpirvVersionFor(VK_API_VERSION_1_2), 0x00010500u);
  EXPECT_EQ(maxSpirvVersionFor(VK_MAKE_API_VERSION(0, 1, 3, 239)),
            0x00010600u);
  EXPECT_EQ(spirvVersionName(0x00010500), "1.5");
}

} // namespace
