//===- PhysicalDevices.cpp - Enumerating and describing devices -----------===//

#include "PhysicalDevices.h"
#include "Diagnostics.h"

#include <cstdlib>
#include <cstring>

using namespace quant::rt::vk;

namespace {

DeviceKind kindOf(VkPhysicalDeviceType type) {
  switch (type) {
  case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
    return DeviceKind::Discrete;
  case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
    return DeviceKind::Integrated;
  case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
    return DeviceKind::Virtual;
  case VK_PHYSICAL_DEVICE_TYPE_CPU:
    return DeviceKind::Cpu;
  default:
    return DeviceKind::Other;
  }
}

std::string versionName(uint32_t version) {
  return std::to_string(VK_API_VERSION_MAJOR(version)) + "." +
         std::to_string(VK_API_VERSION_MINOR(version)) + "." +
         std::to_string(VK_API_VERSION_PATCH(version));
}

void queryQueueFamily(PhysicalDeviceInfo &info) {
  uint32_t count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(info.handle, &count, nullptr);
  std::vector<VkQueueFamilyProperties> families(count);
  vkGetPhysicalDeviceQueueFamilyProperties(info.handle, &count,
                                           families.data());
  for (uint32_t i = 0; i < count; ++i) {
    if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) ||
        families[i].queueCount == 0)
      continue;
    if (!info.computeFamily || (info.timestampValidBits == 0 &&
                                families[i].timestampValidBits != 0)) {
      info.computeFamily = i;
      info.timestampValidBits = families[i].timestampValidBits;
    }
  }
}

void queryExtensions(PhysicalDeviceInfo &info) {
  uint32_t count = 0;
  if (vkEnumerateDeviceExtensionProperties(info.handle, nullptr, &count,
                                           nullptr) != VK_SUCCESS)
    return;
  std::vector<VkExtensionProperties> extensions(count);
  if (vkEnumerateDeviceExtensionProperties(info.handle, nullptr, &count,
                                           extensions.data()) != VK_SUCCESS)
    return;
  for (const VkExtensionProperties &extension : extensions)
    info.extensions.push_back(extension.extensionName);
}

void querySubgroups(PhysicalDeviceInfo &info) {
  VkPhysicalDeviceSubgroupProperties subgroup{};
  subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  VkPhysicalDeviceProperties2 properties{};
  properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2;
  properties.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(info.handle, &properties);
  info.subgroupSize = subgroup.subgroupSize;
  if (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT)
    info.subgroupOperations = subgroup.supportedOperations;
}

} // namespace

bool PhysicalDeviceInfo::hasExtension(const char *name) const {
  for (const std::string &extension : extensions)
    if (extension == name)
      return true;
  return false;
}

DeviceCandidate PhysicalDeviceInfo::candidate() const {
  DeviceCandidate result;
  result.kind = kindOf(properties.deviceType);
  result.usable = apiVersion >= VK_API_VERSION_1_1 && computeFamily;
  result.name = properties.deviceName;
  return result;
}

std::vector<PhysicalDeviceInfo>
quant::rt::vk::enumeratePhysicalDevices(const Instance &instance) {
  uint32_t count = 0;
  VkResult result =
      vkEnumeratePhysicalDevices(instance.handle, &count, nullptr);
  if (result == VK_ERROR_INITIALIZATION_FAILED)
    fatal(kNoDeviceMessage);
  check(result, "vkEnumeratePhysicalDevices");
  std::vector<VkPhysicalDevice> handles(count);
  result = vkEnumeratePhysicalDevices(instance.handle, &count, handles.data());
  if (result != VK_INCOMPLETE)
    check(result, "vkEnumeratePhysicalDevices");
  handles.resize(count);

  std::vector<PhysicalDeviceInfo> devices;
  for (VkPhysicalDevice handle : handles) {
    PhysicalDeviceInfo info;
    info.handle = handle;
    vkGetPhysicalDeviceProperties(handle, &info.properties);
    info.apiVersion = info.properties.apiVersion < instance.apiVersion
                          ? info.properties.apiVersion
                          : instance.apiVersion;
    queryQueueFamily(info);
    queryExtensions(info);
    if (info.apiVersion >= VK_API_VERSION_1_1)
      querySubgroups(info);
    devices.push_back(std::move(info));
  }
  return devices;
}

std::optional<size_t> quant::rt::vk::deviceIndexFromEnvironment() {
  const char *value = std::getenv("QUANT_VK_DEVICE");
  if (!value || !*value)
    return std::nullopt;
  std::optional<size_t> index = parseDeviceIndex(value);
  if (!index)
    fatal(std::string("QUANT_VK_DEVICE must be a device index, got '") +
          value + "'");
  return index;
}

std::string quant::rt::vk::describePhysicalDevice(
    size_t index, const PhysicalDeviceInfo &info, bool chosen) {
  DeviceCandidate candidate = info.candidate();
  std::string line = std::to_string(index) + ": " + info.properties.deviceName +
                     ", " + deviceKindName(candidate.kind) + ", Vulkan " +
                     versionName(info.properties.apiVersion) +
                     ", subgroup size " + std::to_string(info.subgroupSize);
  if (!candidate.usable)
    line += " (unusable: needs Vulkan 1.1 and a compute queue)";
  if (chosen)
    line += " (selected)";
  return line;
}
