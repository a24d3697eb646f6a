//===- KernelLibrary.cpp - compile a program into a loadable library ------===//

#include "KernelLibrary.h"

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/SystemLinker.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

#include <cstdlib>

using namespace mlir;
using namespace quant;
using namespace quant::bench;

KernelLibrary::~KernelLibrary() {
  // Buffers first: the runtime that owns Vulkan buffers goes with the library
  // (unloading it tears the runtime down and checks for validation messages).
  for (void *buffer : buffers) {
    if (alignedFree)
      alignedFree(buffer);
    else
      std::free(buffer);
  }
  if (handle)
    dlclose(handle);
  if (!directory.empty())
    llvm::sys::fs::remove_directories(directory);
}

void *KernelLibrary::allocate(size_t bytes) {
  void *buffer;
  if (alignedAlloc) {
    buffer = alignedAlloc(64, bytes);
  } else {
    // aligned_alloc wants a multiple of the alignment, and non-zero.
    buffer = std::aligned_alloc(64, (bytes + 64) & ~size_t(63));
  }
  if (buffer)
    buffers.push_back(buffer);
  return buffer;
}

/// Adds the lowering of `options.target` to `pm`.
static void buildPipeline(PassManager &pm, const BuildOptions &options) {
  if (options.target == Target::Vulkan) {
    vulkan::VulkanPipelineOptions pipeline;
    pipeline.entry = "main";
    pipeline.byteStorage = options.byteStorage;
    vulkan::buildVulkanPipeline(pm, pipeline);
    return;
  }
  cpu::CpuPipelineOptions pipeline;
  pipeline.matmulStrategy = options.strategy;
  pipeline.vnni = cpu::cpuHasFeature(options.host.cpu, "avx512vnni");
  cpu::buildCpuPipeline(pm, pipeline);
}

std::string KernelLibrary::load(ModuleOp module, const BuildOptions &options,
                                const std::string &runtimeDir) {
  bool vulkan = options.target == Target::Vulkan;
  std::vector<std::string> runtimes;
  if (vulkan)
    runtimes.push_back(runtimeDir + "/libQuantRuntimeVulkan.a");
  runtimes.push_back(runtimeDir + "/libQuantRuntime.a");
  for (const std::string &path : runtimes)
    if (!llvm::sys::fs::exists(path))
      return "runtime library " + path + " not found (set QUANT_RUNTIME_DIR)";

  PassManager pm(module.getContext());
  buildPipeline(pm, options);
  if (failed(pm.run(module)))
    return "lowering the benchmark program failed";

  llvm::SmallString<128> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("quant-bench", dir))
    return "cannot create a temporary directory: " + ec.message();
  directory = std::string(dir);
  std::string object = directory + "/program.o";
  std::string library = directory + "/program.so";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(object, ec);
    if (ec)
      return object + ": " + ec.message();
    std::string error = cpu::emitMachineCode(module, options.host, true, os);
    if (!error.empty())
      return error;
  }
  std::vector<std::string> link = {"-shared", "-o", library, object};
  link.insert(link.end(), runtimes.begin(), runtimes.end());
  if (vulkan)
    link.push_back("-lvulkan");
  link.push_back("-lpthread");
  if (std::string error = cpu::runSystemCompiler(link); !error.empty())
    return error;
  handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return std::string("dlopen: ") + dlerror();
  entry = reinterpret_cast<void (*)(void **)>(
      dlsym(handle, "quant_program_entry"));
  // Only linked in when the host code uses the thread pool.
  setNumThreads =
      reinterpret_cast<void (*)(int)>(dlsym(handle, "qrt_set_num_threads"));
  if (!entry || (!vulkan && !setNumThreads))
    return "the benchmark library lacks its entry points";
  if (vulkan) {
    takeGpuTime = reinterpret_cast<double (*)()>(
        dlsym(handle, "qrt_vk_take_gpu_ms"));
    alignedAlloc = reinterpret_cast<void *(*)(size_t, size_t)>(
        dlsym(handle, "_mlir_memref_to_llvm_aligned_alloc"));
    alignedFree = reinterpret_cast<void (*)(void *)>(
        dlsym(handle, "_mlir_memref_to_llvm_free"));
    if (!takeGpuTime || !alignedAlloc || !alignedFree)
      return "the benchmark library lacks the Vulkan runtime's functions";
  }
  return "";
}
