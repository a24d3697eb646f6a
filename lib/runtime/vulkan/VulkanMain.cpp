//===- VulkanMain.cpp - qrt_vk_main: the Vulkan executable's main ---------===//
//
// Handles the Vulkan options, initializes Vulkan before any input is read
// (so a missing device is reported first), runs qrt_main, waits for the GPU
// and tears Vulkan down so the validation layer can check for leaks.
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

int runMain(int argc, char **argv) {
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
    return qrt_main(restArgc, args.rest.data());

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
    code = qrt_main(restArgc, args.rest.data());
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

extern "C" int qrt_vk_main(int argc, char **argv) {
  try {
    return runMain(argc, argv);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "%s: error: out of host memory\n",
                 programName().c_str());
  } catch (...) {
    std::fprintf(stderr, "%s: error: internal error\n", programName().c_str());
  }
  return kExitFailure;
}
