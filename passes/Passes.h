//===- Passes.h - quant passes ------------------------------------*- C++ -*-===//

#ifndef QUANT_PASSES_PASSES_H
#define QUANT_PASSES_PASSES_H

#include "dialects/qt/QtDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace quant {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Registers the named pipelines (e.g. `qt-dequant-pipeline`).
void registerQuantPipelines();

} // namespace quant

#endif // QUANT_PASSES_PASSES_H
