//===- ProgramSignature.h - the compiled program's I/O signature --*- C++ -*-===//

#ifndef QUANT_TOOLS_QUANTCOMPILE_PROGRAMSIGNATURE_H
#define QUANT_TOOLS_QUANTCOMPILE_PROGRAMSIGNATURE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace quant {

/// One input or output of the entry function.
struct TensorSignature {
  std::string name;
  std::string dtype; ///< the runtime's QRT_* enumerator name
  std::vector<int64_t> dims;
};

struct ProgramSignature {
  std::string name;
  std::vector<TensorSignature> inputs, outputs;
};

/// Reads the entry function's signature; returns an error message when a
/// type cannot cross the executable's command line (dynamic shapes, element
/// types .npy files cannot carry).
std::string readSignature(mlir::func::FuncOp entry,
                          ProgramSignature &signature);

/// C++ source defining `quant_program_signature`.
std::string signatureSource(const ProgramSignature &signature,
                            int defaultThreads);

} // namespace quant

#endif // QUANT_TOOLS_QUANTCOMPILE_PROGRAMSIGNATURE_H
