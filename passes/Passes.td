//===- Passes.td - quant passes ----------------------------*- tablegen -*-===//

#ifndef QUANT_PASSES_TD
#define QUANT_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExpandDequantizePass : Pass<"qt-expand-dequantize"> {
  let summary = "Expands qt.dequantize into per-block vector code";
  let description = [{
    Rewrites every `qt.dequantize` into a loop nest over the rows and blocks of
    the tensor's storage (`qt.storage_cast`). Each block is read as a
    `vector<BYTES x i8>` and decoded by the format's
    `QuantFormatAttrInterface::emitDequantizeBlock` hook, so the result holds
    only upstream `scf`/`vector`/`arith`/`tensor` ops. Constant storage folds
    to `arith.constant` of the raw bytes.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect", "::mlir::vector::VectorDialect"
  ];
}

#endif // QUANT_PASSES_TD
