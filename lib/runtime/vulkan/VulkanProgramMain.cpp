//===- VulkanProgramMain.cpp - qrt_vk_main: qrt_main under qrt_vk_run -----===//
//
// In its own object file so that model executables, which call qrt_vk_run
// with their own body, do not pull in qrt_main and its program symbols.
//
//===----------------------------------------------------------------------===//

#include "quant/runtime/Runtime.h"
#include "quant/runtime/Vulkan.h"

extern "C" int qrt_vk_main(int argc, char **argv) {
  return qrt_vk_run(
      argc, argv,
      [](int bodyArgc, char **bodyArgv, void *) {
        return qrt_main(bodyArgc, bodyArgv);
      },
      nullptr);
}
