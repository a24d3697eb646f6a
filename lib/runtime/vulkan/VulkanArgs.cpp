//===- VulkanArgs.cpp - The Vulkan executable's own options ---------------===//

#include "VulkanArgs.h"
#include "DeviceChoice.h"

#include <cstring>

using namespace quant::rt::vk;

bool quant::rt::vk::parseVulkanArgs(int argc, char **argv, VulkanArgs &result,
                                    std::string &error) {
  result = VulkanArgs();
  for (int i = 0; i < argc; ++i) {
    const char *arg = argv[i];
    if (i == 0 || !arg) {
      result.rest.push_back(argv[i]);
      continue;
    }
    if (std::strcmp(arg, "--list-devices") == 0) {
      result.listDevices = true;
      continue;
    }
    const char *value = nullptr;
    if (std::strcmp(arg, "--device") == 0) {
      if (i + 1 >= argc) {
        error = "--device needs a device index";
        return false;
      }
      value = argv[++i];
    } else if (std::strncmp(arg, "--device=", 9) == 0) {
      value = arg + 9;
    } else {
      if (std::strcmp(arg, "-h") == 0 || std::strcmp(arg, "--help") == 0)
        result.help = true;
      result.rest.push_back(argv[i]);
      continue;
    }
    result.device = parseDeviceIndex(value);
    if (!result.device) {
      error = std::string("--device expects a device index, got '") + value +
              "'";
      return false;
    }
  }
  result.rest.push_back(nullptr);
  return true;
}
