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

def FoldDequantizePass : Pass<"qt-fold-dequant"> {
  let summary = "Folds dequantized weights into fused qt.matmul ops";
  let description = [{
    Rewrites `linalg.matmul`, `linalg.matvec`, `linalg.vecmat`,
    `linalg.batch_matmul`, their transposed forms and equivalent
    `linalg.generic` contractions whose weight operand is a `qt.dequantize`
    into `qt.matmul`, so that no full-precision copy of a quantized weight is
    left. A nonzero accumulator becomes a `linalg.add` after the matmul.
    A dequantized weight with any use that cannot be fused (for example an
    elementwise op) is left as it is. Upstream `!quant.uniform` constant
    weights behind `quant.dcast` (per-tensor, per-axis and sub-channel) are
    first converted into `qt` form.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::quant::qt::QtDialect"
  ];
}

def LoadExternalWeightsPass : Pass<"qt-load-external-weights", "::mlir::ModuleOp"> {
  let summary = "Reads #qt.external constant data into resource blobs";
  let description = [{
    Replaces the `#qt.external<"file", offset, size>` data of `qt.constant`
    ops with a `dense_resource` blob holding the bytes, read once from the
    file (relative paths resolve against `base-dir`), so the compiled
    program embeds its weights. A missing file or a range beyond its end is
    an error naming the file.
  }];
  let options = [
    Option<"baseDir", "base-dir", "std::string", /*default=*/"\"\"",
           "Directory that relative paths resolve against">,
  ];
}

#endif // QUANT_PASSES_TD
