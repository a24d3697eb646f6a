//===- Device.h - The logical device kernels run on -------------*- C++ -*-===//
//
// Creates the VkDevice on the chosen physical device with one compute queue,
// every optional feature kernels may use, and push descriptors when the
// device has them.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_DEVICE_H
#define QUANT_RUNTIME_VULKAN_DEVICE_H

#include "Capabilities.h"
#include "PhysicalDevices.h"

#include <string>

namespace quant::rt::vk {

/// The logical device and what the runtime needs to know about it.
struct Device {
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkDevice handle = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  uint32_t queueFamily = 0;
  std::string name;
  VkPhysicalDeviceLimits limits{};
  VkPhysicalDeviceMemoryProperties memory{};
  /// The features enabled for kernels.
  DeviceFeatures features;
  /// vkCmdPushDescriptorSetKHR when VK_KHR_push_descriptor is enabled.
  PFN_vkCmdPushDescriptorSetKHR pushDescriptorSet = nullptr;
  uint32_t maxPushDescriptors = 0;
  /// The queue family's timestampValidBits (0: no timestamps).
  uint32_t timestampValidBits = 0;
  /// Nanoseconds per timestamp tick.
  float timestampPeriod = 1;
  /// QUANT_VK_FORCE_FALLBACKS=1 (a test hook): no push descriptors, and
  /// constants uploaded through a staging buffer even into host-visible
  /// memory, so those paths run on lavapipe too.
  bool forceFallbacks = false;

  /// The alignment of every buffer the runtime binds: at least 64 and the
  /// device's minStorageBufferOffsetAlignment.
  uint64_t bindAlignment() const;
};

/// Creates the device; a failure is fatal.
Device createDevice(const PhysicalDeviceInfo &physical);

/// Destroys the device (everything created on it must be gone).
void destroyDevice(Device &device);

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_DEVICE_H
