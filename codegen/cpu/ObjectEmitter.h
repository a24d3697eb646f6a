//===- ObjectEmitter.h - LLVM-dialect modules to machine code -----*- C++ -*-===//

#ifndef QUANT_CODEGEN_CPU_OBJECTEMITTER_H
#define QUANT_CODEGEN_CPU_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace quant::cpu {

/// Target and optimization settings for code emission.
struct TargetOptions {
  /// An x86-64 CPU name (`cascadelake`, `x86-64-v3`, ...) or `host`.
  std::string cpu = "host";
  /// LLVM optimization level, 0 to 3.
  unsigned optLevel = 3;
};

/// Translates an LLVM-dialect module to optimized LLVM IR and writes it as
/// text (`asObject` false) or as an ELF object file. Returns an empty string
/// on success, otherwise a one-line error.
std::string emitMachineCode(mlir::ModuleOp module, const TargetOptions &target,
                            bool asObject, llvm::raw_pwrite_stream &os);

/// The CPU name `host` resolves to on this machine.
std::string hostCpuName();

/// True when `cpu` is `host` or an x86-64 CPU name LLVM knows.
bool isKnownCpu(const std::string &cpu);

/// True when `cpu` (a CPU name or `host`) has the LLVM target feature
/// `feature` (e.g. "avx512vnni").
bool cpuHasFeature(const std::string &cpu, const std::string &feature);

} // namespace quant::cpu

#endif // QUANT_CODEGEN_CPU_OBJECTEMITTER_H
