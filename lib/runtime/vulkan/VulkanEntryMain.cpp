//===- VulkanEntryMain.cpp - main() for Vulkan AOT executables ------------===//
//
// The QuantRuntimeVulkanMain library: links into an executable whose object
// code defines quant_program_signature and quant_program_entry (and calls
// the Vulkan runtime) but no main.
//
//===----------------------------------------------------------------------===//

#include "quant/runtime/Vulkan.h"

int main(int argc, char **argv) { return qrt_vk_main(argc, argv); }
