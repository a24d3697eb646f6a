//===- KernelLibrary.cpp - compile a program into a loadable library ------===//

#include "KernelLibrary.h"

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/SystemLinker.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

using namespace mlir;
using namespace quant;
using namespace quant::bench;

KernelLibrary::~KernelLibrary() {
  if (handle)
    dlclose(handle);
  if (!directory.empty())
    llvm::sys::fs::remove_directories(directory);
}

std::string KernelLibrary::load(ModuleOp module,
                                const cpu::TargetOptions &target,
                                const std::string &strategy,
                                const std::string &runtimeDir) {
  PassManager pm(module.getContext());
  cpu::CpuPipelineOptions options;
  options.matmulStrategy = strategy;
  options.vnni = cpu::cpuHasFeature(target.cpu, "avx512vnni");
  cpu::buildCpuPipeline(pm, options);
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
    std::string error = cpu::emitMachineCode(module, target, true, os);
    if (!error.empty())
      return error;
  }
  if (std::string error = cpu::runSystemCompiler(
          {"-shared", "-o", library, object,
           runtimeDir + "/libQuantRuntime.a", "-lpthread"});
      !error.empty())
    return error;
  handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return std::string("dlopen: ") + dlerror();
  entry = reinterpret_cast<void (*)(void **)>(
      dlsym(handle, "quant_program_entry"));
  setNumThreads =
      reinterpret_cast<void (*)(int)>(dlsym(handle, "qrt_set_num_threads"));
  if (!entry || !setNumThreads)
    return "the benchmark library lacks its entry points";
  return "";
}
