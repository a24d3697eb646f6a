//===- FloatBits.cpp - floats from their bit patterns, in integer ops -----===//

#include "dialects/qt/FloatBits.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;

Value quant::qt::emitFloatFromBits(OpBuilder &b, Location loc, Value bits,
                                   Type type) {
  Type f32 = b.getF32Type();
  auto i32 = [&](int32_t value) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(value));
  };
  if (type.isF32())
    return arith::BitcastOp::create(b, loc, f32, bits);
  if (type.isBF16())
    return arith::BitcastOp::create(
        b, loc, f32, arith::ShLIOp::create(b, loc, bits, i32(16)));
  // f16: sign, 5-bit exponent, 10-bit mantissa.
  auto field = [&](int32_t shift, int32_t mask) {
    return arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, bits, i32(shift)), i32(mask));
  };
  Value sign = arith::ShLIOp::create(b, loc, field(15, 1), i32(31));
  Value exponent = field(10, 31), mantissa = field(0, 1023);
  auto eq = [&](Value v, int32_t c) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, i32(c));
  };
  // Normal: rebias 15 -> 127; Inf/NaN: all-ones exponent.
  Value rebiased =
      arith::SelectOp::create(b, loc, eq(exponent, 31), i32(255),
                              arith::AddIOp::create(b, loc, exponent, i32(112)));
  Value normalBits = arith::OrIOp::create(
      b, loc, sign,
      arith::OrIOp::create(
          b, loc, arith::ShLIOp::create(b, loc, rebiased, i32(23)),
          arith::ShLIOp::create(b, loc, mantissa, i32(13))));
  Value normal = arith::BitcastOp::create(b, loc, f32, normalBits);
  // Subnormal (and zero): mantissa * 2^-24, exact in binary32.
  Value magnitude = arith::MulFOp::create(
      b, loc, arith::UIToFPOp::create(b, loc, f32, mantissa),
      arith::ConstantOp::create(b, loc,
                                b.getF32FloatAttr(std::ldexp(1.0f, -24))));
  Value subnormal = arith::SelectOp::create(
      b, loc, eq(sign, 0), magnitude, arith::NegFOp::create(b, loc, magnitude));
  return arith::SelectOp::create(b, loc, eq(exponent, 0), subnormal, normal);
}
