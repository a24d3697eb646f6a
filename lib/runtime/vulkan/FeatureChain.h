//===- FeatureChain.h - The device features kernels may use -----*- C++ -*-===//
//
// Queries the optional features compiled kernels may need (8/16-bit types
// and storage, int64, float16/64, integer dot product, ...) and builds the
// VkPhysicalDeviceFeatures2 chain and extension list that enable every one
// of them the device supports.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_FEATURECHAIN_H
#define QUANT_RUNTIME_VULKAN_FEATURECHAIN_H

#include "Capabilities.h"
#include "PhysicalDevices.h"

#include <vector>

namespace quant::rt::vk {

/// The features to enable on one device (not copyable: the chain points
/// into the object).
class FeatureChain {
public:
  /// Queries `device` (Vulkan >= 1.1) and keeps the supported features the
  /// runtime enables.
  explicit FeatureChain(const PhysicalDeviceInfo &device);
  FeatureChain(const FeatureChain &) = delete;
  FeatureChain &operator=(const FeatureChain &) = delete;

  /// The chain for VkDeviceCreateInfo::pNext.
  const void *chain() const { return &features2; }
  /// The device extensions to enable for these features.
  const std::vector<const char *> &extensions() const { return extensionNames; }
  /// The enabled features, for checking kernels.
  const DeviceFeatures &enabled() const { return enabledFeatures; }

private:
  /// Zeroes every struct, sets sTypes and links those in use.
  void link();
  /// Turns off every feature the runtime does not enable.
  void keepWanted();

  bool has8BitStorage = false;
  bool hasFloat16Int8 = false;
  bool hasDotProduct = false;
  bool hasMemoryModel = false;
  bool hasAtomicInt64 = false;
  VkPhysicalDeviceFeatures2 features2{};
  VkPhysicalDevice16BitStorageFeatures storage16{};
  VkPhysicalDevice8BitStorageFeatures storage8{};
  VkPhysicalDeviceShaderFloat16Int8Features float16Int8{};
  VkPhysicalDeviceShaderIntegerDotProductFeatures dotProduct{};
  VkPhysicalDeviceVulkanMemoryModelFeatures memoryModel{};
  VkPhysicalDeviceShaderAtomicInt64Features atomicInt64{};
  std::vector<const char *> extensionNames;
  DeviceFeatures enabledFeatures;
};

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_FEATURECHAIN_H
