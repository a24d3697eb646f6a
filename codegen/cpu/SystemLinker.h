//===- SystemLinker.h - link generated code with the runtime ------*- C++ -*-===//
//
// Executables and benchmark libraries are linked by the system C++ compiler
// from generated object code and the runtime libraries built beside the
// tools.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_CODEGEN_CPU_SYSTEMLINKER_H
#define QUANT_CODEGEN_CPU_SYSTEMLINKER_H

#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace quant::cpu {

/// The directory holding libQuantRuntime.a and libQuantRuntimeMain.a:
/// $QUANT_RUNTIME_DIR, else lib/ beside the running tool's bin/.
std::string runtimeDirectory(const char *argv0);

/// Runs the system C++ compiler (`c++` on PATH) with `arguments`; returns an
/// empty string on success, otherwise a one-line error.
std::string runSystemCompiler(llvm::ArrayRef<std::string> arguments);

} // namespace quant::cpu

#endif // QUANT_CODEGEN_CPU_SYSTEMLINKER_H
