//===- ImportUpstreamQuant.h - upstream !quant weights to qt ------*- C++ -*-===//

#ifndef QUANT_PASSES_IMPORTUPSTREAMQUANT_H
#define QUANT_PASSES_IMPORTUPSTREAMQUANT_H

#include "mlir/IR/PatternMatch.h"

namespace quant {

/// Adds patterns rewriting `quant.dcast(quant.scast(constant))` (per-tensor,
/// per-axis and sub-channel `!quant.uniform` weights) into `qt.dequantize` of
/// a `qt.constant` holding the same codes and scales in a qt format.
void populateImportUpstreamQuantPatterns(mlir::RewritePatternSet &patterns);

} // namespace quant

#endif // QUANT_PASSES_IMPORTUPSTREAMQUANT_H
