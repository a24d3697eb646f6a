//===- Capabilities.cpp - Kernel capabilities against device features -----===//

#include "Capabilities.h"
#include "SpirvModule.h"

#include <vulkan/vulkan.h>

using namespace quant::rt::vk;

namespace {

/// "" when `enabled`, else `name`.
std::string need(bool enabled, const char *name) {
  return enabled ? std::string() : std::string(name);
}

/// The subgroup operations `bit` (VkSubgroupFeatureFlagBits), named `what`.
std::string needSubgroup(const DeviceFeatures &features, uint32_t bit,
                         const char *what) {
  if (features.subgroupOperations & bit)
    return std::string();
  return std::string("subgroup ") + what + " operations in compute shaders";
}

} // namespace

uint32_t quant::rt::vk::maxSpirvVersionFor(uint32_t apiVersion) {
  uint32_t major = VK_API_VERSION_MAJOR(apiVersion);
  uint32_t minor = VK_API_VERSION_MINOR(apiVersion);
  if (major > 1 || minor >= 3)
    return 0x00010600;
  if (minor == 2)
    return 0x00010500;
  if (minor == 1)
    return 0x00010300;
  return 0x00010000;
}

std::string quant::rt::vk::spirvVersionName(uint32_t version) {
  return std::to_string((version >> 16) & 0xff) + "." +
         std::to_string((version >> 8) & 0xff);
}

std::string quant::rt::vk::missingFeatureFor(uint32_t capability,
                                             const DeviceFeatures &features) {
  const DeviceFeatures &f = features;
  switch (capability) {
  case kCapMatrix:
  case kCapShader:
    return std::string();
  case kCapFloat16:
    return need(f.shaderFloat16, "shaderFloat16");
  case kCapFloat64:
    return need(f.shaderFloat64, "shaderFloat64");
  case kCapInt64:
    return need(f.shaderInt64, "shaderInt64");
  case kCapInt64Atomics:
    return need(f.shaderBufferInt64Atomics, "shaderBufferInt64Atomics");
  case kCapInt16:
    return need(f.shaderInt16, "shaderInt16");
  case kCapInt8:
    return need(f.shaderInt8, "shaderInt8");
  case kCapStorageBuffer16BitAccess:
    return need(f.storageBuffer16BitAccess, "storageBuffer16BitAccess");
  case kCapUniformAndStorageBuffer16BitAccess:
    return need(f.uniformAndStorageBuffer16BitAccess,
                "uniformAndStorageBuffer16BitAccess");
  case kCapStorageBuffer8BitAccess:
    return need(f.storageBuffer8BitAccess, "storageBuffer8BitAccess");
  case kCapUniformAndStorageBuffer8BitAccess:
    return need(f.uniformAndStorageBuffer8BitAccess,
                "uniformAndStorageBuffer8BitAccess");
  case kCapVulkanMemoryModel:
    return need(f.vulkanMemoryModel, "vulkanMemoryModel");
  case kCapVulkanMemoryModelDeviceScope:
    return need(f.vulkanMemoryModelDeviceScope,
                "vulkanMemoryModelDeviceScope");
  case kCapDotProductInputAll:
  case kCapDotProductInput4x8Bit:
  case kCapDotProductInput4x8BitPacked:
  case kCapDotProduct:
    return need(f.shaderIntegerDotProduct, "shaderIntegerDotProduct");
  case kCapGroupNonUniform:
    return needSubgroup(f, VK_SUBGROUP_FEATURE_BASIC_BIT, "basic");
  case kCapGroupNonUniformVote:
    return needSubgroup(f, VK_SUBGROUP_FEATURE_VOTE_BIT, "vote");
  case kCapGroupNonUniformArithmetic:
    return needSubgroup(f, VK_SUBGROUP_FEATURE_ARITHMETIC_BIT, "arithmetic");
  case kCapGroupNonUniformBallot:
    return needSubgroup(f, VK_SUBGROUP_FEATURE_BALLOT_BIT, "ballot");
  case kCapGroupNonUniformShuffle:
    return needSubgroup(f, VK_SUBGROUP_FEATURE_SHUFFLE_BIT, "shuffle");
  case kCapGroupNonUniformShuffleRelative:
    return needSubgroup(f, VK_SUBGROUP_FEATURE_SHUFFLE_RELATIVE_BIT,
                        "relative shuffle");
  case kCapGroupNonUniformClustered:
    return needSubgroup(f, VK_SUBGROUP_FEATURE_CLUSTERED_BIT, "clustered");
  case kCapGroupNonUniformQuad:
    return needSubgroup(f, VK_SUBGROUP_FEATURE_QUAD_BIT, "quad");
  default:
    return "the SPIR-V capability " + spirvCapabilityName(capability);
  }
}
