//===- Diagnostics.h - One-line fatal errors of the Vulkan runtime -*- C++ -*-===//
//
// Every failure of the Vulkan runtime is one "prog: error: message" line on
// stderr and exit code 1 (std::exit, from wherever the failure is found).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_DIAGNOSTICS_H
#define QUANT_RUNTIME_VULKAN_DIAGNOSTICS_H

#include <vulkan/vulkan.h>

#include <string>

namespace quant::rt::vk {

/// Sets the program name used in messages (the basename of argv[0]).
void setProgramName(const char *argv0);

/// The program name used in messages: set by setProgramName, else the
/// process's own short name, else "quant".
std::string programName();

/// Prints "prog: error: message" and exits with code `code` (1 by default).
[[noreturn]] void fatal(const std::string &message, int code = 1);

/// True once fatal() has started exiting (exit handlers skip teardown then).
bool exitingOnError();

/// The name of a VkResult, e.g. "VK_ERROR_OUT_OF_DEVICE_MEMORY".
const char *resultName(VkResult result);

/// Calls fatal("<what> failed: <result>") unless `result` is VK_SUCCESS;
/// out-of-memory results get a clearer message.
void check(VkResult result, const char *what);

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_DIAGNOSTICS_H
