//===- QtAttrs.h - qt format attributes ---------------------------*- C++ -*-===//
//
// The format attributes and the QuantFormatAttrInterface they implement.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_DIALECTS_QT_QTATTRS_H
#define QUANT_DIALECTS_QT_QTATTRS_H

#include "dialects/qt/QtDialect.h"
#include "quant/formats/Format.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace quant::qt {

/// Emits the dequantization of one block of a format described by `spec`
/// (with a resolved block size) from `blockBytes` (`vector<BYTES x i8>`) to a
/// `vector<ELEMENTS x f32>`, as `arith` and `vector` ops. The arithmetic
/// mirrors the reference codec's, so results are bit-exact with it.
mlir::Value emitDequantizeBlock(mlir::OpBuilder &builder, mlir::Location loc,
                                const fmt::FormatSpec &spec,
                                mlir::Value blockBytes);

/// Loads byte `offset` of the block being decoded, zero-extended to i32.
using BlockByteLoader = llvm::function_ref<mlir::Value(int64_t offset)>;

/// Emits the dequantization of element `lane` of one block of `spec` (with a
/// resolved block size) as an f32 scalar, reading the block's bytes one at a
/// time through `loadByte`. Only scalar `arith` ops are emitted (f16 scales
/// are decoded in integer arithmetic), for targets without wide vectors or
/// 16-bit floats; results are bit-exact like emitDequantizeBlock's.
mlir::Value emitDequantizeElement(mlir::OpBuilder &builder,
                                  mlir::Location loc,
                                  const fmt::FormatSpec &spec,
                                  BlockByteLoader loadByte, int64_t lane);

/// One block of an integer-code format as
/// `x = scale[j] * (code - zero) + min[j]` for the elements of sub-block j,
/// for kernels that multiply the codes with quantized activations. Generic
/// layouts have one sub-block (the whole block); the GGUF super-block layouts
/// have 8 or 16 (their sub-blocks of 32 or 16 elements).
struct IntegerBlock {
  /// `vector<ELEMENTS x i8>` of unsigned codes in [0, 2^bits).
  mlir::Value codes;
  /// Elements per sub-block (consecutive elements share scale and minimum).
  int64_t subBlockSize = 0;
  /// f32 scalars, one per sub-block.
  llvm::SmallVector<mlir::Value, 8> scales;
  /// i32 scalar, shared by the block: the bias, the stored zero point, or
  /// 2^(bits-1) for signed codes (which are shifted into unsigned range).
  mlir::Value zero;
  /// f32 scalars, one per sub-block, for formats with a minimum; else empty.
  llvm::SmallVector<mlir::Value, 8> mins;
};

/// True when `spec` has integer codes of at most 8 bits under affine block
/// parameters, so emitIntegerBlock applies: generic layouts with unsigned or
/// signed codes and a scale, and the GGUF super-block layouts.
bool hasIntegerCodes(const fmt::FormatSpec &spec);

/// Elements sharing one scale (and minimum) in the integer decomposition of
/// `spec` (a resolved spec with hasIntegerCodes): the block size, or the
/// super-block layouts' sub-block size.
int64_t integerSubBlockSize(const fmt::FormatSpec &spec);

/// Emits the integer decomposition of one block (see IntegerBlock); requires
/// hasIntegerCodes(spec).
IntegerBlock emitIntegerBlock(mlir::OpBuilder &builder, mlir::Location loc,
                              const fmt::FormatSpec &spec,
                              mlir::Value blockBytes);

} // namespace quant::qt

#include "dialects/qt/QtInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/qt/QtAttrs.h.inc"

namespace quant::qt {

/// Returns the attribute describing `spec`: the parametric attribute of its
/// family, or the K-quant attribute for GGUF super-block layouts. The spec
/// must be valid.
QuantFormatAttrInterface getFormatAttr(mlir::MLIRContext *context,
                                       const fmt::FormatSpec &spec);

} // namespace quant::qt

#endif // QUANT_DIALECTS_QT_QTATTRS_H
