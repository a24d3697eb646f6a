//===- TestProgramVulkan.cpp - A stand-in GPU-compiled program ------------===//
//
// Plays the part of compiler-emitted host code for a Vulkan executable:
// no inputs, one output y f32[8] = 3 * w for a constant w = 1..8, computed by
// two axpy dispatches (w + w into a runtime temporary, then + w into y) and
// a sync.
//
//===----------------------------------------------------------------------===//

#include "KernelArgs.h"

#include "quant/runtime/Runtime.h"

using namespace quant::rt::vk::test;

namespace {

const int64_t kDims[] = {8};
const qrt_tensor_sig kOutputs[] = {{"y", QRT_F32, 1, kDims}};
const float kWeights[8] = {1, 2, 3, 4, 5, 6, 7, 8};

} // namespace

extern "C" const qrt_program_sig quant_program_signature = {
    "vk_axpy", 0, 1, nullptr, kOutputs, /*default_threads=*/1};

extern "C" void quant_program_entry(void **buffers) {
  void *temporary = _mlir_memref_to_llvm_alloc(sizeof(kWeights));
  axpy(kWeights, kWeights, 1, 8, temporary, QRT_VK_ARG_CONSTANT,
       QRT_VK_ARG_CONSTANT);
  axpy(temporary, kWeights, 1, 8, buffers[0], 0, QRT_VK_ARG_CONSTANT);
  qrt_vk_sync();
  _mlir_memref_to_llvm_free(temporary);
}
