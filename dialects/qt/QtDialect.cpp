//===- QtDialect.cpp - the qt dialect -------------------------------------===//
//
// Dialect registration and the attribute syntax, which accepts the short
// names of named formats (`#qt.q4_0`) beside the parametric forms.
//
//===----------------------------------------------------------------------===//

#include "dialects/qt/QtDialect.h"
#include "dialects/qt/QtAttrs.h"
#include "dialects/qt/QtOps.h"
#include "dialects/qt/QtTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace quant::qt;

#include "dialects/qt/QtDialect.cpp.inc"

void QtDialect::initialize() {
  registerAttributes();
  registerTypes();
  addOperations<
#define GET_OP_LIST
#include "dialects/qt/QtOps.cpp.inc"
      >();
}

Operation *QtDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  if (isa<QuantTensorType>(type))
    return ConstantOp::create(builder, loc, type, value);
  if (isa<RankedTensorType>(type) && isa<TypedAttr>(value))
    return arith::ConstantOp::create(builder, loc, type, cast<TypedAttr>(value));
  return nullptr;
}
