//===- VulkanMain.cpp - qrt_vk_run: the Vulkan executables' main ----------===//
//
// Handles the Vulkan options, initializes Vulkan before any input is read
// (so a missing device is reported first), runs the program's body (qrt_main
// for programs, qrt_model_main for models), waits for the GPU and tears
// Vulkan down so the validation layer can check for leaks.
//
//===----------------------------------------------------------------------===//

#include "Diagnostics.h"
#include "Instance.h"
#include "Runtime.h"
#include "VulkanArgs.h"

#include "quant/runtime/Runtime.h"
#include "quant/runtime/Vulkan.h"

#include <cstdio>
#include <new>

using namespace quant::rt::vk;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitValidation = 3;

int runMain(int argc, char **argv, qrt_vk_body body, void *context) {
  setProgramName(argc > 0 ? argv[0] : nullptr);
  VulkanArgs args;
  std::string error;
  if (!parseVulkanArgs(argc, argv, args, error)) {
    std::fprintf(stderr, "%s: error: %s\n", programName().c_str(),
                 error.c_str());
    return kExitUsage;
  }
  int restArgc = int(args.rest.size()) - 1;
  if (args.help)
    return body(restArgc, args.rest.data(), context);

  int code;
  {
    std::lock_guard<std::recursive_mutex> lock(runtimeMutex());
    Runtime::requestDevice(args.device);
    if (args.listDevices) {
      code = Runtime::listDevices();
    } else {
      Runtime::get();
      code = -1;
    }
  }
  if (code < 0) {
    code = body(restArgc, args.rest.data(), context);
    std::lock_guard<std::recursive_mutex> lock(runtimeMutex());
    Runtime::shutdown();
  }
  Runtime::exitCodeHandled();
  if (code == 0 && validationMessageCount() > 0) {
    std::fprintf(stderr, "%s: error: %llu Vulkan validation message%s\n",
                 programName().c_str(),
                 (unsigned long long)validationMessageCount(),
                 validationMessageCount() == 1 ? "" : "s");
    return kExitValidation;
  }
  return code;
}

} // namespace

extern "C" int qrt_vk_run(int argc, char **argv, qrt_vk_body body,
                          void *context) {
  try {
    return runMain(argc, argv, body, context);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "%s: error: out of host memory\n",
                 programName().c_str());
  } catch (...) {
    std::fprintf(stderr, "%s: error: internal error\n", programName().c_str());
  }
  return kExitFailure;
}
