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

#endif // QUANT_DIALECTS_QT_QTOPS_H
