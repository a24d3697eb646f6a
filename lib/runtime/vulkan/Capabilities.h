//===- Capabilities.h - Kernel capabilities against device features -*- C++ -*-===//
//
// Which enabled device feature each SPIR-V capability a kernel declares
// needs, as a pure function of the features (testable without a device).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_CAPABILITIES_H
#define QUANT_RUNTIME_VULKAN_CAPABILITIES_H

#include <cstdint>
#include <string>

namespace quant::rt::vk {

/// The device features kernels may need, as enabled at device creation.
struct DeviceFeatures {
  bool shaderInt8 = false;
  bool storageBuffer8BitAccess = false;
  bool uniformAndStorageBuffer8BitAccess = false;
  bool shaderInt16 = false;
  bool storageBuffer16BitAccess = false;
  bool uniformAndStorageBuffer16BitAccess = false;
  bool shaderFloat16 = false;
  bool shaderInt64 = false;
  bool shaderFloat64 = false;
  bool shaderBufferInt64Atomics = false;
  bool shaderIntegerDotProduct = false;
  bool vulkanMemoryModel = false;
  bool vulkanMemoryModelDeviceScope = false;
  /// VkSubgroupFeatureFlags supported in the compute stage (0 when subgroup
  /// operations are not supported there).
  uint32_t subgroupOperations = 0;
  /// The newest SPIR-V version word the device's Vulkan version accepts.
  uint32_t maxSpirvVersion = 0x00010000;
};

/// The newest SPIR-V version word a Vulkan API version accepts (1.0 -> 1.0,
/// 1.1 -> 1.3, 1.2 -> 1.5, 1.3 -> 1.6).
uint32_t maxSpirvVersionFor(uint32_t apiVersion);

/// "1.3" for the SPIR-V version word 0x00010300.
std::string spirvVersionName(uint32_t version);

/// For a capability declared by a kernel: the empty string when the enabled
/// `features` allow it, else the name of the missing feature
/// ("shaderInt8", "subgroup arithmetic operations", ...), or "the SPIR-V
/// capability <name>" for a capability the runtime does not support.
std::string missingFeatureFor(uint32_t capability,
                              const DeviceFeatures &features);

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_CAPABILITIES_H
