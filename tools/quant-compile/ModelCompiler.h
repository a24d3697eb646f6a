//===- ModelCompiler.h - quant-compile model.gguf -o chat --------*- C++ -*-===//
//
// Compiles a llama-family GGUF model into a text-generation executable: the
// frontend builds prefill and decode steps, the CPU or Vulkan pipeline
// lowers them, and the link adds the GGUF image (embedded, or just its
// header when the weights stay external) and the model runtime
// (qrt_model_main, inside the Vulkan runtime's qrt_vk_run for Vulkan).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TOOLS_QUANT_COMPILE_MODELCOMPILER_H
#define QUANT_TOOLS_QUANT_COMPILE_MODELCOMPILER_H

#include "Driver.h"

#include <string>

namespace quant::driver {

struct ModelCompileOptions {
  std::string inputFile;
  std::string outputFile;
  EmitKind emit = EmitKind::Executable;
  cpu::TargetOptions target;
  /// Kernels as SPIR-V run through the Vulkan runtime (--target=vulkan).
  bool vulkan = false;
  /// --target=vulkan: 8-bit storage buffers, or bytes emulated in words.
  bool vulkanNativeBytes = true;
  std::string matmulStrategy = "auto";
  /// CpuPipelineOptions::parallelLoopsMinWork.
  int64_t parallelLoopsMinWork = 32768;
  /// Threads baked into the executable (0: one per core).
  int threads = 0;
  /// KV-cache positions (0: the model's context length, at most 4096).
  int64_t contextLength = 0;
  /// Rows of the batched prompt step.
  int64_t prefillBatch = 32;
  /// Leave the weights in the GGUF file, mapped at run time.
  bool externalWeights = false;
  bool quiet = false;
  /// argv[0], to find the runtime libraries.
  std::string argv0;
};

/// Compiles the model; returns the process exit code (errors printed).
int compileModel(const ModelCompileOptions &options);

} // namespace quant::driver

#endif // QUANT_TOOLS_QUANT_COMPILE_MODELCOMPILER_H
