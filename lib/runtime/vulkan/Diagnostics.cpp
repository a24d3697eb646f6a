//===- Diagnostics.cpp - One-line fatal errors of the Vulkan runtime ------===//

#include "Diagnostics.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

using namespace quant::rt::vk;

namespace {

std::string &storedProgramName() {
  static std::string name;
  return name;
}

std::atomic<bool> fatalStarted{false};

} // namespace

void quant::rt::vk::setProgramName(const char *argv0) {
  std::string name = argv0 ? argv0 : "";
  size_t slash = name.find_last_of('/');
  if (slash != std::string::npos && slash + 1 < name.size())
    name = name.substr(slash + 1);
  storedProgramName() = name;
}

std::string quant::rt::vk::programName() {
  if (!storedProgramName().empty())
    return storedProgramName();
#ifdef __GLIBC__
  if (program_invocation_short_name && *program_invocation_short_name)
    return program_invocation_short_name;
#endif
  return "quant";
}

void quant::rt::vk::fatal(const std::string &message, int code) {
  fatalStarted = true;
  std::fflush(stdout);
  std::fprintf(stderr, "%s: error: %s\n", programName().c_str(),
               message.c_str());
  std::fflush(stderr);
  std::exit(code);
}

bool quant::rt::vk::exitingOnError() { return fatalStarted; }

const char *quant::rt::vk::resultName(VkResult result) {
  switch (result) {
#define QRT_VK_RESULT(name)                                                    \
  case name:                                                                   \
    return #name;
    QRT_VK_RESULT(VK_SUCCESS)
    QRT_VK_RESULT(VK_NOT_READY)
    QRT_VK_RESULT(VK_TIMEOUT)
    QRT_VK_RESULT(VK_INCOMPLETE)
    QRT_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    QRT_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    QRT_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    QRT_VK_RESULT(VK_ERROR_DEVICE_LOST)
    QRT_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    QRT_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    QRT_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    QRT_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    QRT_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    QRT_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    QRT_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    QRT_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    QRT_VK_RESULT(VK_ERROR_UNKNOWN)
    QRT_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    QRT_VK_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    QRT_VK_RESULT(VK_ERROR_FRAGMENTATION)
    QRT_VK_RESULT(VK_ERROR_INVALID_SHADER_NV)
#undef QRT_VK_RESULT
  default:
    return "unknown VkResult";
  }
}

void quant::rt::vk::check(VkResult result, const char *what) {
  if (result == VK_SUCCESS)
    return;
  if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY ||
      result == VK_ERROR_OUT_OF_HOST_MEMORY)
    fatal(std::string("out of ") +
          (result == VK_ERROR_OUT_OF_DEVICE_MEMORY ? "device" : "host") +
          " memory (" + what + ")");
  fatal(std::string(what) + " failed: " + resultName(result) + " (" +
        std::to_string(int(result)) + ")");
}
