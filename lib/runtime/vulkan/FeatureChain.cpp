//===- FeatureChain.cpp - The device features kernels may use -------------===//

#include "FeatureChain.h"

using namespace quant::rt::vk;

FeatureChain::FeatureChain(const PhysicalDeviceInfo &device) {
  bool core12 = device.apiVersion >= VK_API_VERSION_1_2;
  bool core13 = device.apiVersion >= VK_API_VERSION_1_3;
  // A struct is used when its feature is core or its extension is there; on
  // older devices the extension is enabled too.
  auto available = [&](bool core, const char *extension) {
    if (core)
      return true;
    if (!device.hasExtension(extension))
      return false;
    extensionNames.push_back(extension);
    return true;
  };
  has8BitStorage = available(core12, VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
  hasFloat16Int8 =
      available(core12, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
  hasDotProduct =
      available(core13, VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
  hasMemoryModel =
      available(core12, VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME);
  hasAtomicInt64 =
      available(core12, VK_KHR_SHADER_ATOMIC_INT64_EXTENSION_NAME);

  link();
  vkGetPhysicalDeviceFeatures2(device.handle, &features2);
  keepWanted();

  DeviceFeatures &f = enabledFeatures;
  f.shaderInt16 = features2.features.shaderInt16;
  f.shaderInt64 = features2.features.shaderInt64;
  f.shaderFloat64 = features2.features.shaderFloat64;
  f.storageBuffer16BitAccess = storage16.storageBuffer16BitAccess;
  f.uniformAndStorageBuffer16BitAccess =
      storage16.uniformAndStorageBuffer16BitAccess;
  f.storageBuffer8BitAccess = storage8.storageBuffer8BitAccess;
  f.uniformAndStorageBuffer8BitAccess =
      storage8.uniformAndStorageBuffer8BitAccess;
  f.shaderInt8 = float16Int8.shaderInt8;
  f.shaderFloat16 = float16Int8.shaderFloat16;
  f.shaderIntegerDotProduct = dotProduct.shaderIntegerDotProduct;
  f.vulkanMemoryModel = memoryModel.vulkanMemoryModel;
  f.vulkanMemoryModelDeviceScope = memoryModel.vulkanMemoryModelDeviceScope;
  f.shaderBufferInt64Atomics = atomicInt64.shaderBufferInt64Atomics;
  f.subgroupOperations = device.subgroupOperations;
  f.maxSpirvVersion = maxSpirvVersionFor(device.apiVersion);
}

void FeatureChain::link() {
  features2 = VkPhysicalDeviceFeatures2{};
  features2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  storage16 = VkPhysicalDevice16BitStorageFeatures{};
  storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  storage8 = VkPhysicalDevice8BitStorageFeatures{};
  storage8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES;
  float16Int8 = VkPhysicalDeviceShaderFloat16Int8Features{};
  float16Int8.sType =
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES;
  dotProduct = VkPhysicalDeviceShaderIntegerDotProductFeatures{};
  dotProduct.sType =
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES;
  memoryModel = VkPhysicalDeviceVulkanMemoryModelFeatures{};
  memoryModel.sType =
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES;
  atomicInt64 = VkPhysicalDeviceShaderAtomicInt64Features{};
  atomicInt64.sType =
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_ATOMIC_INT64_FEATURES;

  void **next = &features2.pNext;
  auto append = [&](bool used, auto &feature) {
    if (!used)
      return;
    *next = &feature;
    next = &feature.pNext;
  };
  append(true, storage16);
  append(has8BitStorage, storage8);
  append(hasFloat16Int8, float16Int8);
  append(hasDotProduct, dotProduct);
  append(hasMemoryModel, memoryModel);
  append(hasAtomicInt64, atomicInt64);
}

void FeatureChain::keepWanted() {
  VkPhysicalDeviceFeatures supported = features2.features;
  VkPhysicalDevice16BitStorageFeatures s16 = storage16;
  VkPhysicalDevice8BitStorageFeatures s8 = storage8;
  VkPhysicalDeviceShaderFloat16Int8Features f16 = float16Int8;
  VkPhysicalDeviceShaderIntegerDotProductFeatures dot = dotProduct;
  VkPhysicalDeviceVulkanMemoryModelFeatures model = memoryModel;
  VkPhysicalDeviceShaderAtomicInt64Features atomics = atomicInt64;
  link();
  features2.features.shaderInt16 = supported.shaderInt16;
  features2.features.shaderInt64 = supported.shaderInt64;
  features2.features.shaderFloat64 = supported.shaderFloat64;
  storage16.storageBuffer16BitAccess = s16.storageBuffer16BitAccess;
  storage16.uniformAndStorageBuffer16BitAccess =
      s16.uniformAndStorageBuffer16BitAccess;
  storage8.storageBuffer8BitAccess = s8.storageBuffer8BitAccess;
  storage8.uniformAndStorageBuffer8BitAccess =
      s8.uniformAndStorageBuffer8BitAccess;
  float16Int8.shaderInt8 = f16.shaderInt8;
  float16Int8.shaderFloat16 = f16.shaderFloat16;
  dotProduct.shaderIntegerDotProduct = dot.shaderIntegerDotProduct;
  memoryModel.vulkanMemoryModel = model.vulkanMemoryModel;
  memoryModel.vulkanMemoryModelDeviceScope =
      model.vulkanMemoryModelDeviceScope;
  atomicInt64.shaderBufferInt64Atomics = atomics.shaderBufferInt64Atomics;
}
