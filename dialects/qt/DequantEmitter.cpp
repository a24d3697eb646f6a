//===- DequantEmitter.cpp - dequantization of one block as IR -------------===//
//
// Emits `arith`/`vector` ops decoding one block of any format described by a
// FormatSpec. Every field is read through the block's bit-field tables
// (BlockLayout.h); the arithmetic is done in the same order as the reference
// codec, so results are bit-exact. Two forms share the decoder: a whole block
// as vectors (constant shuffles of the block's bytes, for CPU kernels), and
// one element as scalars (bytes read one at a time through a callback, for
// GPU kernels, whose vectors hold at most four lanes).
//
//===----------------------------------------------------------------------===//

#include "dialects/qt/BlockLayout.h"
#include "dialects/qt/FloatBits.h"
#include "dialects/qt/QtAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <functional>
#include <vector>

using namespace mlir;
using namespace quant;
using namespace quant::qt;

namespace {

/// Emits the pieces of one block's decoding, either from its
/// `vector<BYTES x i8>` (lane-parallel: values are vectors with one lane per
/// element) or from a byte loader (scalar: values are single elements). The
/// lane-wise helpers accept both; `lanes` 0 means a scalar.
class BlockDecoder {
public:
  BlockDecoder(OpBuilder &builder, Location loc, Value bytes)
      : b(builder), loc(loc), bytes(bytes) {}
  BlockDecoder(OpBuilder &builder, Location loc, BlockByteLoader loadByte)
      : b(builder), loc(loc), loadByte(loadByte) {}

  /// The lanes of a vector value, 0 for a scalar.
  static int64_t lanesOf(Value value) {
    auto vector = dyn_cast<VectorType>(value.getType());
    return vector ? vector.getNumElements() : 0;
  }

  /// The unsigned field of one element (its pieces), read byte by byte.
  Value readField(ArrayRef<BitPiece> pieces) {
    Value result = splatI32(0, 0);
    for (const BitPiece &piece : pieces) {
      Value field = loadByte(piece.byte);
      if (piece.shift)
        field = arith::ShRUIOp::create(b, loc, field,
                                       splatI32(0, int32_t(piece.shift)));
      field = arith::AndIOp::create(
          b, loc, field, splatI32(0, int32_t((1u << piece.width) - 1)));
      if (piece.dstShift)
        field = arith::ShLIOp::create(b, loc, field,
                                      splatI32(0, int32_t(piece.dstShift)));
      result = arith::OrIOp::create(b, loc, result, field);
    }
    return result;
  }

  /// The per-lane unsigned fields of `table` as a `vector<N x i32>`.
  Value readFields(const BitFieldTable &table) {
    int64_t lanes = table.size();
    size_t slots = 0;
    for (const auto &pieces : table)
      slots = std::max(slots, pieces.size());
    Value result = splatI32(lanes, 0);
    for (size_t slot = 0; slot < slots; ++slot) {
      SmallVector<int64_t> index(lanes, 0);
      SmallVector<int32_t> shift(lanes, 0), mask(lanes, 0), dst(lanes, 0);
      for (int64_t i = 0; i < lanes; ++i) {
        if (slot >= table[i].size())
          continue;
        const BitPiece &piece = table[i][slot];
        index[i] = piece.byte;
        shift[i] = int32_t(piece.shift);
        mask[i] = int32_t((1u << piece.width) - 1);
        dst[i] = int32_t(piece.dstShift);
      }
      Value picked = vector::ShuffleOp::create(b, loc, bytes, bytes, index);
      Value wide = arith::ExtUIOp::create(b, loc, i32Vector(lanes), picked);
      Value field = arith::ShRUIOp::create(b, loc, wide, constI32(shift));
      field = arith::AndIOp::create(b, loc, field, constI32(mask));
      field = arith::ShLIOp::create(b, loc, field, constI32(dst));
      result = arith::OrIOp::create(b, loc, result, field);
    }
    return result;
  }

  /// Sign-extends `bits`-bit two's complement fields held in i32 lanes.
  Value signExtend(Value fields, unsigned bits) {
    int64_t lanes = lanesOf(fields);
    Value amount = splatI32(lanes, int32_t(32 - bits));
    Value up = arith::ShLIOp::create(b, loc, fields, amount);
    return arith::ShRSIOp::create(b, loc, up, amount);
  }

  /// `float(fields - bias)` lane-wise.
  Value toFloat(Value fields, int bias) {
    int64_t lanes = lanesOf(fields);
    if (bias != 0)
      fields = arith::SubIOp::create(b, loc, fields, splatI32(lanes, bias));
    return arith::SIToFPOp::create(b, loc, f32Vector(lanes), fields);
  }

  /// The scalar of `type` stored at byte `offset`, converted to f32.
  Value readScale(fmt::ScaleType type, int64_t offset) {
    switch (type) {
    case fmt::ScaleType::None:
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
    case fmt::ScaleType::F32:
      return readScalar(b.getF32Type(), offset, 4);
    case fmt::ScaleType::F16:
      return toF32(readScalar(b.getF16Type(), offset, 2));
    case fmt::ScaleType::BF16:
      return toF32(readScalar(b.getBF16Type(), offset, 2));
    case fmt::ScaleType::E8M0:
      return readE8M0(offset);
    }
    return {};
  }

  /// `value` widened to f32 (loaded scales already are).
  Value toF32(Value value) {
    if (value.getType().isF32())
      return value;
    return arith::ExtFOp::create(b, loc, b.getF32Type(), value);
  }

  /// A u8 at byte `offset` as an i32 scalar.
  Value readByte(int64_t offset) {
    if (!bytes)
      return loadByte(offset);
    Value byte = vector::ExtractOp::create(b, loc, bytes,
                                           ArrayRef<int64_t>{offset});
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), byte);
  }

  /// Decodes minifloat codes held in i32 lanes to f32 lanes.
  Value decodeMiniFloat(Value codes, fmt::MiniFloat type);

  /// Looks codes (i32 lanes) up in `table` with a tree of selects on the
  /// code's bits, lowest bit first: 2^bits - 1 selects and one compare per
  /// bit.
  Value lookup(Value codes, ArrayRef<float> table) {
    int64_t lanes = lanesOf(codes);
    std::vector<Value> level;
    for (float value : table)
      level.push_back(splatF32(lanes, value));
    for (int32_t bit = 0; level.size() > 1; ++bit) {
      Value shifted =
          arith::ShRUIOp::create(b, loc, codes, splatI32(lanes, bit));
      Value isSet = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ne,
          arith::AndIOp::create(b, loc, shifted, splatI32(lanes, 1)),
          splatI32(lanes, 0));
      std::vector<Value> next;
      for (size_t i = 0; i + 1 < level.size(); i += 2)
        next.push_back(
            arith::SelectOp::create(b, loc, isSet, level[i + 1], level[i]));
      level = std::move(next);
    }
    return level.front();
  }

  Value splat(Value scalar, int64_t lanes) {
    if (lanes == 0)
      return scalar;
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({lanes}, scalar.getType()), scalar);
  }
  Value splatI32(int64_t lanes, int32_t value) {
    if (lanes == 0)
      return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(value));
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(cast<ShapedType>(i32Vector(lanes)), b.getI32IntegerAttr(value)));
  }
  Value splatF32(int64_t lanes, float value) {
    if (lanes == 0)
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(cast<ShapedType>(f32Vector(lanes)), b.getF32FloatAttr(value)));
  }
  Value constI32(ArrayRef<int32_t> values) {
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(cast<ShapedType>(i32Vector(values.size())),
                               values));
  }
  /// `vector<n x i32>`, or i32 for n = 0.
  Type i32Vector(int64_t n) {
    return n ? Type(VectorType::get({n}, b.getI32Type())) : b.getI32Type();
  }
  /// `vector<n x f32>`, or f32 for n = 0.
  Type f32Vector(int64_t n) {
    return n ? Type(VectorType::get({n}, b.getF32Type())) : b.getF32Type();
  }

  OpBuilder &b;
  Location loc;

private:
  Value readScalar(Type type, int64_t offset, int64_t size) {
    if (!bytes)
      return loadScalar(type, offset, size);
    Value slice = vector::ExtractStridedSliceOp::create(
        b, loc, bytes, ArrayRef<int64_t>{offset}, ArrayRef<int64_t>{size},
        ArrayRef<int64_t>{1});
    Value cast = vector::BitCastOp::create(b, loc, VectorType::get({1}, type),
                                           slice);
    return vector::ExtractOp::create(b, loc, cast, ArrayRef<int64_t>{0});
  }

  /// 2^(e-127); e = 0 is the denormal 2^-127 and e = 255 is NaN.
  Value readE8M0(int64_t offset) {
    Value e = readByte(offset);
    auto i32 = [&](int32_t v) {
      return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
    };
    Value bits = arith::ShLIOp::create(b, loc, e, i32(23));
    Value isZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, i32(0));
    Value isNaN =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, e, i32(255));
    bits = arith::SelectOp::create(b, loc, isZero, i32(0x00400000), bits);
    bits = arith::SelectOp::create(b, loc, isNaN, i32(0x7FC00000), bits);
    return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
  }

  /// The little-endian `size`-byte integer at `offset`, as i32.
  Value loadInteger(int64_t offset, int64_t size) {
    Value result = loadByte(offset);
    for (int64_t i = 1; i < size; ++i)
      result = arith::OrIOp::create(
          b, loc, result,
          arith::ShLIOp::create(b, loc, loadByte(offset + i),
                                splatI32(0, int32_t(8 * i))));
    return result;
  }

  /// readScalar from loaded bytes: f32 and bf16 by moving bits, f16 decoded
  /// in integer arithmetic (exact, and needs no 16-bit float support). The
  /// caller's extf is skipped for loaded scales (see readScale).
  Value loadScalar(Type type, int64_t offset, int64_t size) {
    return qt::emitFloatFromBits(b, loc, loadInteger(offset, size), type);
  }

  Value bytes;
  std::function<Value(int64_t)> loadByte;
};

/// Exponent and mantissa widths of a minifloat.
struct MiniFloatShape {
  unsigned exponentBits, mantissaBits;
};

MiniFloatShape shapeOf(fmt::MiniFloat type) {
  switch (type) {
  case fmt::MiniFloat::E2M1:
    return {2, 1};
  case fmt::MiniFloat::E2M3:
    return {2, 3};
  case fmt::MiniFloat::E3M2:
    return {3, 2};
  case fmt::MiniFloat::E4M3FN:
    return {4, 3};
  case fmt::MiniFloat::E5M2:
    return {5, 2};
  }
  return {4, 3};
}

} // namespace

Value BlockDecoder::decodeMiniFloat(Value codes, fmt::MiniFloat type) {
  int64_t lanes = lanesOf(codes);
  auto [e, m] = shapeOf(type);
  int32_t bias = (1 << (e - 1)) - 1;
  auto field = [&](unsigned shift, unsigned width) {
    Value shifted =
        arith::ShRUIOp::create(b, loc, codes, splatI32(lanes, int32_t(shift)));
    return arith::AndIOp::create(b, loc, shifted,
                                 splatI32(lanes, int32_t((1u << width) - 1)));
  };
  auto eq = [&](Value v, int32_t c) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                 splatI32(lanes, c));
  };
  Value exponent = field(m, e), mantissa = field(0, m), sign = field(e + m, 1);
  // Normal numbers: rebias the exponent into binary32 and widen the mantissa.
  Value normalBits = arith::OrIOp::create(
      b, loc,
      arith::ShLIOp::create(
          b, loc,
          arith::AddIOp::create(b, loc, exponent,
                                splatI32(lanes, 127 - bias)),
          splatI32(lanes, 23)),
      arith::ShLIOp::create(b, loc, mantissa,
                            splatI32(lanes, int32_t(23 - m))));
  Value normal = arith::BitcastOp::create(b, loc, f32Vector(lanes), normalBits);
  // Subnormals: mantissa * 2^(1 - bias - m), exact in binary32.
  Value subnormal = arith::MulFOp::create(
      b, loc, arith::UIToFPOp::create(b, loc, f32Vector(lanes), mantissa),
      splatF32(lanes, std::ldexp(1.0f, 1 - bias - int(m))));
  Value magnitude =
      arith::SelectOp::create(b, loc, eq(exponent, 0), subnormal, normal);
  float nan = std::nanf("");
  if (type == fmt::MiniFloat::E4M3FN) {
    Value isNaN = arith::AndIOp::create(b, loc, eq(exponent, 15),
                                        eq(mantissa, 7));
    magnitude = arith::SelectOp::create(b, loc, isNaN, splatF32(lanes, nan),
                                        magnitude);
  } else if (type == fmt::MiniFloat::E5M2) {
    Value special = eq(exponent, 31);
    Value inf = arith::SelectOp::create(b, loc, eq(mantissa, 0),
                                        splatF32(lanes, INFINITY),
                                        splatF32(lanes, nan));
    magnitude = arith::SelectOp::create(b, loc, special, inf, magnitude);
  }
  Value negated = arith::NegFOp::create(b, loc, magnitude);
  return arith::SelectOp::create(b, loc, eq(sign, 1), negated, magnitude);
}

/// Decodes a GGUF super-block.
static Value emitSuperBlock(BlockDecoder &d, const fmt::FormatSpec &spec) {
  SuperBlockLayout layout = superBlockLayout(spec);
  int64_t lanes = layout.codes.size();
  int64_t subBlocks = layout.subScales.size();
  Value superScale = d.readScale(fmt::ScaleType::F16, layout.dOffset);

  SmallVector<int64_t> laneToSub(lanes);
  for (int64_t i = 0; i < lanes; ++i)
    laneToSub[i] = i / layout.subBlockSize;
  auto perLane = [&](Value perSubBlock) -> Value {
    return vector::ShuffleOp::create(d.b, d.loc, perSubBlock, perSubBlock,
                                     laneToSub);
  };

  Value scaleCodes = d.readFields(layout.subScales);
  if (layout.subScalesSigned)
    scaleCodes = d.signExtend(scaleCodes, layout.subScaleBits);
  Value subScale = arith::MulFOp::create(
      d.b, d.loc, d.splat(superScale, subBlocks),
      d.toFloat(scaleCodes, layout.scaleBias));
  Value values = d.toFloat(d.readFields(layout.codes), layout.codeBias);
  Value result = arith::MulFOp::create(d.b, d.loc, perLane(subScale), values);
  if (layout.subMins.empty())
    return result;
  Value superMin = d.readScale(fmt::ScaleType::F16, layout.dminOffset);
  Value subMin = arith::MulFOp::create(d.b, d.loc, d.splat(superMin, subBlocks),
                                       d.toFloat(d.readFields(layout.subMins), 0));
  return arith::SubFOp::create(d.b, d.loc, result, perLane(subMin));
}

/// The values of a generic (parametric) layout from its unsigned `codes`:
/// a vector of the block's lanes, or one element's scalar.
static Value decodeGeneric(BlockDecoder &d, const fmt::FormatSpec &spec,
                           Value codes) {
  int64_t lanes = BlockDecoder::lanesOf(codes);
  Value values;
  switch (spec.codeKind) {
  case fmt::CodeKind::UInt:
    if (spec.offset == fmt::OffsetKind::ZeroPoint) {
      Value zero = d.readByte(int64_t(spec.scaleBytes()));
      values = arith::SubIOp::create(d.b, d.loc, codes, d.splat(zero, lanes));
      values = d.toFloat(values, 0);
    } else {
      values = d.toFloat(codes, spec.bias);
    }
    break;
  case fmt::CodeKind::SInt:
    values = d.toFloat(d.signExtend(codes, spec.bits), 0);
    break;
  case fmt::CodeKind::Codebook:
    values = d.lookup(codes, spec.codebook);
    break;
  case fmt::CodeKind::MiniFloat:
    values = d.decodeMiniFloat(codes, spec.miniFloat);
    break;
  }
  if (spec.scaleType == fmt::ScaleType::None)
    return values;
  Value scale = d.readScale(spec.scaleType, 0);
  Value result =
      arith::MulFOp::create(d.b, d.loc, d.splat(scale, lanes), values);
  if (spec.offset != fmt::OffsetKind::Min)
    return result;
  Value min = d.readScale(spec.scaleType, int64_t(spec.scaleBytes()));
  return arith::AddFOp::create(d.b, d.loc, result, d.splat(min, lanes));
}

/// Decodes element `lane` of a GGUF super-block as scalars, in the order of
/// emitSuperBlock.
static Value emitSuperBlockElement(BlockDecoder &d,
                                   const fmt::FormatSpec &spec, int64_t lane) {
  SuperBlockLayout layout = superBlockLayout(spec);
  int64_t sub = lane / int64_t(layout.subBlockSize);
  Value superScale = d.readScale(fmt::ScaleType::F16, layout.dOffset);
  Value scaleCode = d.readField(layout.subScales[sub]);
  if (layout.subScalesSigned)
    scaleCode = d.signExtend(scaleCode, layout.subScaleBits);
  Value subScale = arith::MulFOp::create(
      d.b, d.loc, superScale, d.toFloat(scaleCode, layout.scaleBias));
  Value value = d.toFloat(d.readField(layout.codes[lane]), layout.codeBias);
  Value result = arith::MulFOp::create(d.b, d.loc, subScale, value);
  if (layout.subMins.empty())
    return result;
  Value superMin = d.readScale(fmt::ScaleType::F16, layout.dminOffset);
  Value subMin = arith::MulFOp::create(
      d.b, d.loc, superMin, d.toFloat(d.readField(layout.subMins[sub]), 0));
  return arith::SubFOp::create(d.b, d.loc, result, subMin);
}

Value quant::qt::emitDequantizeBlock(OpBuilder &builder, Location loc,
                                     const fmt::FormatSpec &spec,
                                     Value blockBytes) {
  BlockDecoder decoder(builder, loc, blockBytes);
  if (spec.layout != fmt::Layout::Generic)
    return emitSuperBlock(decoder, spec);
  return decodeGeneric(decoder, spec,
                       decoder.readFields(genericCodeTable(spec)));
}

Value quant::qt::emitDequantizeElement(OpBuilder &builder, Location loc,
                                       const fmt::FormatSpec &spec,
                                       BlockByteLoader loadByte,
                                       int64_t lane) {
  BlockDecoder decoder(builder, loc, loadByte);
  if (spec.layout != fmt::Layout::Generic)
    return emitSuperBlockElement(decoder, spec, lane);
  return decodeGeneric(decoder, spec,
                       decoder.readField(genericCodeTable(spec)[lane]));
}

bool quant::qt::hasIntegerCodes(const fmt::FormatSpec &spec) {
  if (spec.layout != fmt::Layout::Generic)
    return true; // d * sc_j * (q - bias) - dmin * m_j, q at most 6 bits.
  return spec.bits <= 8 &&
         (spec.codeKind == fmt::CodeKind::UInt ||
          spec.codeKind == fmt::CodeKind::SInt) &&
         spec.scaleType != fmt::ScaleType::None;
}

int64_t quant::qt::integerSubBlockSize(const fmt::FormatSpec &spec) {
  if (spec.layout != fmt::Layout::Generic)
    return superBlockLayout(spec).subBlockSize;
  return spec.blockSize;
}

/// The integer decomposition of a GGUF super-block: codes as stored, zero =
/// the layout's code bias, scale_j = d * (sc_j - scaleBias) and
/// min_j = -(dmin * m_j).
static IntegerBlock emitSuperBlockIntegers(BlockDecoder &d,
                                           const fmt::FormatSpec &spec) {
  SuperBlockLayout layout = superBlockLayout(spec);
  int64_t lanes = layout.codes.size();
  int64_t subBlocks = layout.subScales.size();
  IntegerBlock block;
  block.subBlockSize = layout.subBlockSize;
  block.codes = arith::TruncIOp::create(
      d.b, d.loc, VectorType::get({lanes}, d.b.getI8Type()),
      d.readFields(layout.codes));
  block.zero = d.splatI32(0, layout.codeBias);
  auto scalars = [&](Value vector, SmallVectorImpl<Value> &out) {
    for (int64_t j = 0; j < subBlocks; ++j)
      out.push_back(vector::ExtractOp::create(d.b, d.loc, vector,
                                              ArrayRef<int64_t>{j}));
  };
  Value scaleCodes = d.readFields(layout.subScales);
  if (layout.subScalesSigned)
    scaleCodes = d.signExtend(scaleCodes, layout.subScaleBits);
  Value superScale = d.readScale(fmt::ScaleType::F16, layout.dOffset);
  scalars(arith::MulFOp::create(d.b, d.loc, d.splat(superScale, subBlocks),
                                d.toFloat(scaleCodes, layout.scaleBias)),
          block.scales);
  if (layout.subMins.empty())
    return block;
  Value superMin = d.readScale(fmt::ScaleType::F16, layout.dminOffset);
  Value mins = arith::MulFOp::create(d.b, d.loc, d.splat(superMin, subBlocks),
                                     d.toFloat(d.readFields(layout.subMins), 0));
  scalars(arith::NegFOp::create(d.b, d.loc, mins), block.mins);
  return block;
}

IntegerBlock quant::qt::emitIntegerBlock(OpBuilder &builder, Location loc,
                                         const fmt::FormatSpec &spec,
                                         Value blockBytes) {
  BlockDecoder d(builder, loc, blockBytes);
  if (spec.layout != fmt::Layout::Generic)
    return emitSuperBlockIntegers(d, spec);
  int64_t lanes = spec.blockSize;
  Value codes = d.readFields(genericCodeTable(spec));
  IntegerBlock block;
  block.subBlockSize = lanes;
  auto i32 = [&](int32_t v) {
    return arith::ConstantOp::create(builder, loc, builder.getI32IntegerAttr(v));
  };
  if (spec.codeKind == fmt::CodeKind::SInt) {
    // q + 2^(b-1) flips the top bit of the b-bit two's complement field.
    int32_t half = 1 << (spec.bits - 1);
    codes = arith::XOrIOp::create(builder, loc, codes, d.splatI32(lanes, half));
    block.zero = i32(half);
  } else if (spec.offset == fmt::OffsetKind::ZeroPoint) {
    block.zero = d.readByte(int64_t(spec.scaleBytes()));
  } else {
    block.zero = i32(spec.bias);
  }
  block.codes = arith::TruncIOp::create(
      builder, loc, VectorType::get({lanes}, builder.getI8Type()), codes);
  block.scales.push_back(d.readScale(spec.scaleType, 0));
  if (spec.offset == fmt::OffsetKind::Min)
    block.mins.push_back(
        d.readScale(spec.scaleType, int64_t(spec.scaleBytes())));
  return block;
}
