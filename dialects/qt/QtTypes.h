//===- QtTypes.h - qt types ---------------------------------------*- C++ -*-===//

#ifndef QUANT_DIALECTS_QT_QTTYPES_H
#define QUANT_DIALECTS_QT_QTTYPES_H

#include "dialects/qt/QtAttrs.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#define GET_TYPEDEF_CLASSES
#include "dialects/qt/QtTypes.h.inc"

#endif // QUANT_DIALECTS_QT_QTTYPES_H
