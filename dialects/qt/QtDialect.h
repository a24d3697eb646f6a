//===- QtDialect.h - the qt dialect -------------------------------*- C++ -*-===//
//
// Low-bit quantized tensors and their block formats.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_DIALECTS_QT_QTDIALECT_H
#define QUANT_DIALECTS_QT_QTDIALECT_H

#include "mlir/IR/Dialect.h"

#include "dialects/qt/QtDialect.h.inc"

#endif // QUANT_DIALECTS_QT_QTDIALECT_H
