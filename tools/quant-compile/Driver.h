//===- Driver.h - what quant-compile's program and model paths share -----===//

#ifndef QUANT_TOOLS_QUANT_COMPILE_DRIVER_H
#define QUANT_TOOLS_QUANT_COMPILE_DRIVER_H

#include "codegen/cpu/ObjectEmitter.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"

#include <chrono>
#include <string>
#include <vector>

namespace quant::driver {

enum class EmitKind { Mlir, Llvm, Object, Executable, Spirv };

/// Prints `[step/total] what (elapsed since the start)` on stderr.
class Progress {
public:
  Progress(int total, bool quiet) : total(total), quiet(quiet) {}
  void step(const llvm::Twine &what);

private:
  int total, current = 0;
  bool quiet;
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
};

/// Prints "quant-compile: error: <message>" and returns the exit code 1.
int fail(const llvm::Twine &message);

/// Writes `text` to `path`; on failure returns false and sets `error`.
bool writeFile(llvm::StringRef path, llvm::StringRef text, std::string &error);

/// A temporary directory removed with everything in it on destruction.
class WorkDirectory {
public:
  /// Creates the directory; `error` is set when that fails.
  explicit WorkDirectory(std::string &error);
  ~WorkDirectory();
  /// `name` inside the directory.
  std::string file(llvm::StringRef name) const;

private:
  llvm::SmallString<128> path;
};

/// Creates directory `path` for --emit=spirv. Returns "" or a one-line
/// error; `created` says whether it did not exist before (so a failed
/// compile removes it).
std::string createSpirvDirectory(const std::string &path, bool &created);

/// Writes a lowered (LLVM-dialect) module as LLVM IR, an object file or, for
/// EmitKind::Mlir, as MLIR text to `outputFile` ("-": stdout). Returns an
/// empty string or a one-line error.
std::string emitLowered(mlir::ModuleOp module, EmitKind emit,
                        const cpu::TargetOptions &target,
                        const std::string &outputFile);

/// Links `inputs` (sources, objects, archives, flags) with the system C++
/// compiler into `outputFile`, through a temporary name renamed into place
/// so no partial executable is left behind. Returns an empty string or a
/// one-line error.
std::string linkExecutable(std::vector<std::string> inputs,
                           const std::string &outputFile);

} // namespace quant::driver

#endif // QUANT_TOOLS_QUANT_COMPILE_DRIVER_H
