//===- Instance.h - The Vulkan instance and validation messages -*- C++ -*-===//
//
// Creates the VkInstance; with QUANT_VK_VALIDATION=1 also enables the Khronos
// validation layer (with synchronization validation) and a debug messenger
// that prints and counts its warnings and errors.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_INSTANCE_H
#define QUANT_RUNTIME_VULKAN_INSTANCE_H

#include <vulkan/vulkan.h>

#include <cstdint>

namespace quant::rt::vk {

/// The instance and what was created with it.
struct Instance {
  VkInstance handle = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  /// The API version the instance was created for (<= 1.3).
  uint32_t apiVersion = VK_API_VERSION_1_0;
  /// Whether the validation layer is enabled.
  bool validation = false;
};

/// True when the environment asks for validation (QUANT_VK_VALIDATION=1).
bool validationRequested();

/// Creates the instance; a failure is fatal.
Instance createInstance();

/// Destroys the messenger, then the instance.
void destroyInstance(Instance &instance);

/// The number of validation messages printed so far.
uint64_t validationMessageCount();

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_INSTANCE_H
