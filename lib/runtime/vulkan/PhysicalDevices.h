//===- PhysicalDevices.h - Enumerating and describing devices ---*- C++ -*-===//
//
// What the runtime learns about each physical device before choosing one:
// its name, kind, Vulkan version, compute queue family and subgroup size.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_PHYSICALDEVICES_H
#define QUANT_RUNTIME_VULKAN_PHYSICALDEVICES_H

#include "DeviceChoice.h"
#include "Instance.h"

#include <optional>
#include <string>
#include <vector>

namespace quant::rt::vk {

/// One enumerated physical device.
struct PhysicalDeviceInfo {
  VkPhysicalDevice handle = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties properties{};
  /// The version the runtime may use: min(instance, device).
  uint32_t apiVersion = VK_API_VERSION_1_0;
  /// The queue family used for compute: the first with compute and
  /// timestamps, else the first with compute.
  std::optional<uint32_t> computeFamily;
  /// The family's timestampValidBits (0: no timestamps).
  uint32_t timestampValidBits = 0;
  /// Subgroup size and the subgroup operations of compute shaders (1.1+).
  uint32_t subgroupSize = 0;
  uint32_t subgroupOperations = 0;
  /// Device extension names.
  std::vector<std::string> extensions;

  /// Whether the device has the extension `name`.
  bool hasExtension(const char *name) const;
  /// What device selection needs.
  DeviceCandidate candidate() const;
};

/// Enumerates the instance's physical devices in Vulkan's order.
std::vector<PhysicalDeviceInfo> enumeratePhysicalDevices(const Instance &);

/// The device index requested by QUANT_VK_DEVICE (a malformed value is
/// fatal), or std::nullopt.
std::optional<size_t> deviceIndexFromEnvironment();

/// The --list-devices line of device `index`: index, name, type, API
/// version, subgroup size, and "(selected)" when `chosen`.
std::string describePhysicalDevice(size_t index, const PhysicalDeviceInfo &,
                                   bool chosen);

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_PHYSICALDEVICES_H
