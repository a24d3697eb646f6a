//===- KernelLibrary.h - compile a program into a loadable library -*- C++ -*-===//

#ifndef QUANT_TOOLS_QUANTBENCH_KERNELLIBRARY_H
#define QUANT_TOOLS_QUANTBENCH_KERNELLIBRARY_H

#include "codegen/cpu/ObjectEmitter.h"

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace quant::bench {

/// A program compiled by the CPU pipeline into a shared library (the same
/// object code quant-compile links into executables) and loaded.
class KernelLibrary {
public:
  ~KernelLibrary();

  /// Lowers `module` (entry `main`), emits machine code for `target`, links
  /// it with the runtime into a shared library and loads it. Returns an
  /// error message, or an empty string on success.
  std::string load(mlir::ModuleOp module, const cpu::TargetOptions &target,
                   const std::string &strategy, const std::string &runtimeDir);

  /// Runs the program: data pointers of the inputs then the outputs.
  void run(void **buffers) const { entry(buffers); }
  /// Sets the library's thread count.
  void setThreads(int threads) const { setNumThreads(threads); }

private:
  void *handle = nullptr;
  void (*entry)(void **) = nullptr;
  void (*setNumThreads)(int) = nullptr;
  std::string directory;
};

} // namespace quant::bench

#endif // QUANT_TOOLS_QUANTBENCH_KERNELLIBRARY_H
