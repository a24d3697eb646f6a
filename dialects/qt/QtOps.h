//===- QtOps.h - qt operations ------------------------------------*- C++ -*-===//

#ifndef QUANT_DIALECTS_QT_QTOPS_H
#define QUANT_DIALECTS_QT_QTOPS_H

#include "dialects/qt/QtAttrs.h"
#include "dialects/qt/QtTypes.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialects/qt/QtOps.h.inc"

namespace quant::qt {

/// A unit attribute on qt.matmul: its weight operand holds the storage of
/// the weights rewritten as packed panels (quant/formats/PanelLayout.h), as a
/// compiler that packs the weights it embeds marks them. Only the CPU int8
/// kernel reads that layout.
constexpr llvm::StringLiteral kPackedWeightsAttrName = "qt.packed_weights";

} // namespace quant::qt

#endif // QUANT_DIALECTS_QT_QTOPS_H
