//===- Instance.cpp - The Vulkan instance and validation messages ---------===//

#include "Instance.h"
#include "DeviceChoice.h"
#include "Diagnostics.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace quant::rt::vk;

namespace {

constexpr const char *kValidationLayer = "VK_LAYER_KHRONOS_validation";

std::atomic<uint64_t> messageCount{0};

/// While vkCreateInstance runs, messages (from the loader too) are held back:
/// printed once it succeeds, dropped when its failure is reported instead.
bool holdingMessages = false;
std::vector<std::string> heldMessages;

void printMessage(const std::string &text) {
  std::fprintf(stderr, "vulkan validation: %s\n", text.c_str());
  ++messageCount;
}

VKAPI_ATTR VkBool32 VKAPI_CALL
onDebugMessage(VkDebugUtilsMessageSeverityFlagBitsEXT /*severity*/,
               VkDebugUtilsMessageTypeFlagsEXT /*types*/,
               const VkDebugUtilsMessengerCallbackDataEXT *data,
               void * /*userData*/) {
  std::string text = data && data->pMessage ? data->pMessage : "(no message)";
  for (char &c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  if (holdingMessages)
    heldMessages.push_back(text);
  else
    printMessage(text);
  return VK_FALSE;
}

bool hasLayer(const char *name) {
  uint32_t count = 0;
  if (vkEnumerateInstanceLayerProperties(&count, nullptr) != VK_SUCCESS)
    return false;
  std::vector<VkLayerProperties> layers(count);
  if (vkEnumerateInstanceLayerProperties(&count, layers.data()) != VK_SUCCESS)
    return false;
  for (const VkLayerProperties &layer : layers)
    if (std::strcmp(layer.layerName, name) == 0)
      return true;
  return false;
}

/// Whether `layer` (or the loader and drivers when null) has `extension`.
bool hasInstanceExtension(const char *layer, const char *extension) {
  uint32_t count = 0;
  if (vkEnumerateInstanceExtensionProperties(layer, &count, nullptr) !=
      VK_SUCCESS)
    return false;
  std::vector<VkExtensionProperties> extensions(count);
  if (vkEnumerateInstanceExtensionProperties(layer, &count,
                                             extensions.data()) != VK_SUCCESS)
    return false;
  for (const VkExtensionProperties &properties : extensions)
    if (std::strcmp(properties.extensionName, extension) == 0)
      return true;
  return false;
}

VkDebugUtilsMessengerCreateInfoEXT messengerInfo() {
  VkDebugUtilsMessengerCreateInfoEXT info{};
  info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT;
  info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  info.pfnUserCallback = onDebugMessage;
  return info;
}

} // namespace

bool quant::rt::vk::validationRequested() {
  const char *value = std::getenv("QUANT_VK_VALIDATION");
  return value && std::strcmp(value, "1") == 0;
}

uint64_t quant::rt::vk::validationMessageCount() { return messageCount; }

Instance quant::rt::vk::createInstance() {
  Instance instance;
  uint32_t loaderVersion = VK_API_VERSION_1_0;
  if (vkEnumerateInstanceVersion(&loaderVersion) != VK_SUCCESS)
    loaderVersion = VK_API_VERSION_1_0;
  instance.apiVersion = loaderVersion < VK_API_VERSION_1_3 ? loaderVersion
                                                           : VK_API_VERSION_1_3;

  VkApplicationInfo app{};
  app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO;
  app.pApplicationName = "quant";
  app.pEngineName = "quant";
  app.apiVersion = instance.apiVersion;

  std::vector<const char *> layers;
  std::vector<const char *> extensions;
  VkDebugUtilsMessengerCreateInfoEXT messenger = messengerInfo();
  VkValidationFeatureEnableEXT syncValidation =
      VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT;
  VkValidationFeaturesEXT features{};
  features.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT;
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = &syncValidation;

  VkInstanceCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO;
  info.pApplicationInfo = &app;
  if (validationRequested()) {
    if (!hasLayer(kValidationLayer))
      fatal(std::string("QUANT_VK_VALIDATION=1, but the Vulkan layer ") +
            kValidationLayer +
            " is not installed (Debian: vulkan-validationlayers)");
    if (!hasInstanceExtension(kValidationLayer,
                              VK_EXT_DEBUG_UTILS_EXTENSION_NAME) &&
        !hasInstanceExtension(nullptr, VK_EXT_DEBUG_UTILS_EXTENSION_NAME))
      fatal("QUANT_VK_VALIDATION=1, but " +
            std::string(VK_EXT_DEBUG_UTILS_EXTENSION_NAME) +
            " is not available");
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    info.pNext = &messenger;
    if (hasInstanceExtension(kValidationLayer,
                             VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
      extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
      messenger.pNext = &features;
    }
    instance.validation = true;
  }
  info.enabledLayerCount = uint32_t(layers.size());
  info.ppEnabledLayerNames = layers.data();
  info.enabledExtensionCount = uint32_t(extensions.size());
  info.ppEnabledExtensionNames = extensions.data();

  holdingMessages = true;
  VkResult result = vkCreateInstance(&info, nullptr, &instance.handle);
  holdingMessages = false;
  if (result == VK_SUCCESS)
    for (const std::string &message : heldMessages)
      printMessage(message);
  heldMessages.clear();
  if (result == VK_ERROR_INCOMPATIBLE_DRIVER)
    fatal(kNoDeviceMessage);
  check(result, "vkCreateInstance");

  if (instance.validation) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance.handle,
                              "vkCreateDebugUtilsMessengerEXT"));
    if (!create)
      fatal("vkCreateDebugUtilsMessengerEXT is not available");
    VkDebugUtilsMessengerCreateInfoEXT standalone = messengerInfo();
    check(create(instance.handle, &standalone, nullptr, &instance.messenger),
          "vkCreateDebugUtilsMessengerEXT");
  }
  return instance;
}

void quant::rt::vk::destroyInstance(Instance &instance) {
  if (!instance.handle)
    return;
  if (instance.messenger) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance.handle,
                              "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy)
      destroy(instance.handle, instance.messenger, nullptr);
    instance.messenger = VK_NULL_HANDLE;
  }
  vkDestroyInstance(instance.handle, nullptr);
  instance.handle = VK_NULL_HANDLE;
}
