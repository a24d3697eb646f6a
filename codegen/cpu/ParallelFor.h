//===- ParallelFor.h - calls of the runtime's parallel loop -------*- C++ -*-===//
//
// Host code runs kernels on the runtime's thread pool through
// `qrt_parallel_for(kernel, operands, count, grain)`, where a kernel is a
// function `(operands, begin, end)` over a slice of [0, count).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_CODEGEN_CPU_PARALLELFOR_H
#define QUANT_CODEGEN_CPU_PARALLELFOR_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace quant::cpu {

/// The type of a kernel the pool runs: (!llvm.ptr operands, i64 begin,
/// i64 end) -> ().
mlir::FunctionType parallelKernelType(mlir::MLIRContext *context);

/// Declares `qrt_parallel_for` in `module` once and returns it.
mlir::func::FuncOp declareParallelFor(mlir::ModuleOp module);

} // namespace quant::cpu

#endif // QUANT_CODEGEN_CPU_PARALLELFOR_H
