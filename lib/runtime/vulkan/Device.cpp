//===- Device.cpp - The logical device kernels run on ---------------------===//

#include "Device.h"
#include "Diagnostics.h"
#include "FeatureChain.h"

#include <cstdlib>
#include <cstring>

using namespace quant::rt::vk;

uint64_t Device::bindAlignment() const {
  uint64_t alignment = limits.minStorageBufferOffsetAlignment;
  return alignment > 64 ? alignment : 64;
}

Device quant::rt::vk::createDevice(const PhysicalDeviceInfo &physical) {
  Device device;
  device.physical = physical.handle;
  device.queueFamily = *physical.computeFamily;
  device.name = physical.properties.deviceName;
  device.limits = physical.properties.limits;
  device.timestampValidBits = physical.timestampValidBits;
  device.timestampPeriod = physical.properties.limits.timestampPeriod;
  vkGetPhysicalDeviceMemoryProperties(physical.handle, &device.memory);
  const char *fallbacks = std::getenv("QUANT_VK_FORCE_FALLBACKS");
  device.forceFallbacks = fallbacks && std::strcmp(fallbacks, "1") == 0;

  FeatureChain features(physical);
  device.features = features.enabled();
  std::vector<const char *> extensions = features.extensions();
  bool pushDescriptors =
      physical.hasExtension(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME) &&
      !device.forceFallbacks;
  if (pushDescriptors) {
    extensions.push_back(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
    VkPhysicalDevicePushDescriptorPropertiesKHR push{};
    push.sType =
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PUSH_DESCRIPTOR_PROPERTIES_KHR;
    VkPhysicalDeviceProperties2 properties{};
    properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
    properties.pNext = &push;
    vkGetPhysicalDeviceProperties2(physical.handle, &properties);
    device.maxPushDescriptors = push.maxPushDescriptors;
  }

  float priority = 1;
  VkDeviceQueueCreateInfo queue{};
  queue.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO;
  queue.queueFamilyIndex = device.queueFamily;
  queue.queueCount = 1;
  queue.pQueuePriorities = &priority;

  VkDeviceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO;
  info.pNext = features.chain();
  info.queueCreateInfoCount = 1;
  info.pQueueCreateInfos = &queue;
  info.enabledExtensionCount = uint32_t(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();
  check(vkCreateDevice(physical.handle, &info, nullptr, &device.handle),
        "vkCreateDevice");
  vkGetDeviceQueue(device.handle, device.queueFamily, 0, &device.queue);
  if (pushDescriptors) {
    device.pushDescriptorSet = reinterpret_cast<PFN_vkCmdPushDescriptorSetKHR>(
        vkGetDeviceProcAddr(device.handle, "vkCmdPushDescriptorSetKHR"));
    if (!device.pushDescriptorSet)
      device.maxPushDescriptors = 0;
  }
  return device;
}

void quant::rt::vk::destroyDevice(Device &device) {
  if (device.handle)
    vkDestroyDevice(device.handle, nullptr);
  device.handle = VK_NULL_HANDLE;
}
