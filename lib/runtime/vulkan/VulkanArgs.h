//===- VulkanArgs.h - The Vulkan executable's own options -------*- C++ -*-===//
//
// Takes --device N / --device=N / --list-devices out of argv before the rest
// goes to qrt_main, and notes -h / --help (which need no device).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_VULKANARGS_H
#define QUANT_RUNTIME_VULKAN_VULKANARGS_H

#include <optional>
#include <string>
#include <vector>

namespace quant::rt::vk {

/// The Vulkan options and the arguments left for qrt_main.
struct VulkanArgs {
  std::optional<size_t> device;
  bool listDevices = false;
  bool help = false;
  /// argv without the Vulkan options (argv[0] first), null-terminated.
  std::vector<char *> rest;
};

/// Splits argv[0, argc). On a usage error returns false with a one-line
/// `error` (without the program name).
bool parseVulkanArgs(int argc, char **argv, VulkanArgs &result,
                     std::string &error);

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_VULKANARGS_H
