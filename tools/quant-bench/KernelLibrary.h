//===- KernelLibrary.h - compile a program into a loadable library -*- C++ -*-===//

#ifndef QUANT_TOOLS_QUANTBENCH_KERNELLIBRARY_H
#define QUANT_TOOLS_QUANTBENCH_KERNELLIBRARY_H

#include "codegen/cpu/ObjectEmitter.h"
#include "codegen/vulkan/Passes.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace quant::bench {

/// Where the benchmark program's kernels run.
enum class Target {
  /// The CPU pipeline: everything in host machine code.
  Cpu,
  /// The Vulkan pipeline: SPIR-V kernels run through QuantRuntimeVulkan by
  /// host code (machine code for the host, like the CPU target's).
  Vulkan,
};

/// How to compile the benchmark program.
struct BuildOptions {
  Target target = Target::Cpu;
  /// Code generation settings of the host machine code.
  cpu::TargetOptions host;
  /// The CPU pipeline's matmul strategy (auto, float or int8).
  std::string strategy = "auto";
  /// How Vulkan kernels read 8-bit data.
  vulkan::ByteStorage byteStorage = vulkan::ByteStorage::Native;
};

/// A program compiled by the CPU or Vulkan pipeline into a shared library
/// (the same object code quant-compile links into executables), linked with
/// the matching runtime and loaded.
class KernelLibrary {
public:
  KernelLibrary() = default;
  KernelLibrary(const KernelLibrary &) = delete;
  KernelLibrary &operator=(const KernelLibrary &) = delete;
  ~KernelLibrary();

  /// Lowers `module` (entry `main`), emits machine code for the host, links
  /// it with the runtime from `runtimeDir` into a shared library and loads
  /// it. Returns an error message, or an empty string on success.
  std::string load(mlir::ModuleOp module, const BuildOptions &options,
                   const std::string &runtimeDir);

  /// Runs the program: data pointers of the inputs then the outputs. For
  /// Vulkan, the call returns after the GPU work completed.
  void run(void **buffers) const { entry(buffers); }
  /// Sets the library's thread count (no-op when its host code has no thread
  /// pool, as for Vulkan programs).
  void setThreads(int threads) const {
    if (setNumThreads)
      setNumThreads(threads);
  }
  /// The GPU time in milliseconds (sum of the per-dispatch timestamp
  /// intervals the runtime reports at each qrt_vk_sync) since the previous
  /// call, or 0 when unknown (a CPU library, or a device without timestamps).
  double takeGpuMs() const { return takeGpuTime ? takeGpuTime() : 0.0; }

  /// A buffer of `bytes` bytes that the program uses without copying: for
  /// Vulkan, host-visible device memory from the library's runtime (bound in
  /// place by the kernels); for the CPU, 64-byte aligned host memory. It
  /// lives as long as the library. Returns null when out of memory.
  void *allocate(size_t bytes);

private:
  void *handle = nullptr;
  void (*entry)(void **) = nullptr;
  void (*setNumThreads)(int) = nullptr;
  double (*takeGpuTime)() = nullptr;
  void *(*alignedAlloc)(size_t, size_t) = nullptr;
  void (*alignedFree)(void *) = nullptr;
  std::vector<void *> buffers;
  std::string directory;
};

} // namespace quant::bench

#endif // QUANT_TOOLS_QUANTBENCH_KERNELLIBRARY_H
