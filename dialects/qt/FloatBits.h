//===- FloatBits.h - floats from their bit patterns, in integer ops -*- C++ -*-===//
//
// Decoding stored 16-bit floats without 16-bit float arithmetic: used by the
// format decoders for f16/bf16 scales and by the Vulkan target for 16-bit
// float buffers, since devices need not support 16-bit float types.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_DIALECTS_QT_FLOATBITS_H
#define QUANT_DIALECTS_QT_FLOATBITS_H

#include "mlir/IR/Builders.h"

namespace quant::qt {

/// The f32 value of the `type` (f32, f16 or bf16) float whose bit pattern is
/// the low bits of the i32 `bits` (higher bits zero). Exact for every input:
/// f16 subnormals, infinities and NaNs included (a NaN stays a NaN).
mlir::Value emitFloatFromBits(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value bits, mlir::Type type);

} // namespace quant::qt

#endif // QUANT_DIALECTS_QT_FLOATBITS_H
