//===- QtOps.cpp - qt operations ------------------------------------------===//
//
// Verifiers and folders of the qt operations.
//
//===----------------------------------------------------------------------===//

#include "dialects/qt/QtOps.h"
#include "quant/formats/Codec.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace quant;
using namespace quant::qt;

#define GET_OP_CLASSES
#include "dialects/qt/QtOps.cpp.inc"

/// Formats a shape as `4x?x8` for diagnostics.
static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << "?";
        else
          os << d;
      },
      "x");
  return text;
}

/// True when two dimensions may be equal at run time.
static bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip(a, b))
    if (!dimsCompatible(x, y))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  auto type = cast<QuantTensorType>(getType());
  std::optional<uint64_t> bytes = type.getStorageBytes();
  if (!bytes)
    return emitOpError("needs a statically shaped quantized tensor type");
  if (auto external = dyn_cast<ExternalAttr>(getValue())) {
    if (external.getSize() != *bytes)
      return emitOpError("external data holds ")
             << external.getSize() << " bytes but " << type << " needs "
             << *bytes;
    if (external.getPath().empty())
      return emitOpError("external data needs a file path");
    return success();
  }
  auto elements = cast<ElementsAttr>(getValue());
  if (!elements.getElementType().isInteger(8))
    return emitOpError("storage must be given as i8 elements, got ")
           << elements.getElementType();
  if (uint64_t(elements.getNumElements()) != *bytes)
    return emitOpError("storage holds ")
           << elements.getNumElements() << " bytes but " << type << " needs "
           << *bytes;
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

/// Checks that a float tensor and a quantized tensor have the same shape.
static LogicalResult verifySameShape(Operation *op, RankedTensorType floats,
                                     QuantTensorType quantized) {
  if (!shapesCompatible(floats.getShape(), quantized.getShape()))
    return op->emitOpError("shape mismatch: float tensor is ")
           << shapeString(floats.getShape()) << " but quantized tensor is "
           << shapeString(quantized.getShape());
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifySameShape(*this, getInput().getType(),
                         cast<QuantTensorType>(getType()));
}

/// Encodes constant floats into the storage bytes of `type` with the
/// reference codec; empty when `values` is not a float constant.
static DenseElementsAttr quantizeConstant(QuantTensorType type,
                                          Attribute values) {
  std::optional<uint64_t> bytes = type.getStorageBytes();
  if (!values || !bytes)
    return {};
  SmallVector<float> all;
  if (auto floats = dyn_cast<DenseFPElementsAttr>(values)) {
    for (APFloat v : floats.getValues<APFloat>()) {
      bool lost;
      v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      all.push_back(v.convertToFloat());
    }
  } else if (auto blob = dyn_cast<DenseF32ResourceElementsAttr>(values)) {
    std::optional<ArrayRef<float>> data = blob.tryGetAsArrayRef();
    if (!data)
      return {};
    all.assign(data->begin(), data->end());
  } else {
    return {};
  }
  ArrayRef<int64_t> shape = type.getShape();
  unsigned axis = type.getAxis();
  int64_t rowLength = shape[axis];
  int64_t innerStride = 1; // distance between consecutive elements of a row
  for (unsigned d = axis + 1; d < shape.size(); ++d)
    innerStride *= shape[d];
  fmt::FormatSpec spec = type.getFormat().getFormatSpec();
  size_t rowBytes = spec.rowBytes(size_t(rowLength));
  std::vector<int8_t> storage(*bytes);
  std::vector<float> row(rowLength);
  // Storage rows enumerate the other dimensions in order; with the blocked
  // axis removed, row r starts at element (r / innerStride) * rowLength *
  // innerStride + r % innerStride.
  int64_t rows = int64_t(all.size()) / std::max<int64_t>(rowLength, 1);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t base = (r / innerStride) * rowLength * innerStride + r % innerStride;
    for (int64_t i = 0; i < rowLength; ++i)
      row[i] = all[base + i * innerStride];
    fmt::quantizeRow(spec, row.data(), size_t(rowLength),
                     reinterpret_cast<uint8_t *>(storage.data()) + r * rowBytes);
  }
  auto bytesType = RankedTensorType::get({int64_t(*bytes)},
                                         IntegerType::get(type.getContext(), 8));
  return DenseElementsAttr::get(bytesType, ArrayRef<int8_t>(storage));
}

OpFoldResult QuantizeOp::fold(FoldAdaptor adaptor) {
  // Constants are quantized at compile time with the reference codec.
  if (Attribute bytes = quantizeConstant(cast<QuantTensorType>(getType()),
                                         adaptor.getInput()))
    return bytes;
  // quantize(dequantize(x)) with the same format is x: the dequantized values
  // are on the format's grid and decode to f32 exactly, so re-encoding them
  // describes the same tensor.
  auto dequantize = getInput().getDefiningOp<DequantizeOp>();
  if (!dequantize || dequantize.getInput().getType() != getType() ||
      !dequantize.getType().getElementType().isF32())
    return {};
  return dequantize.getInput();
}

LogicalResult DequantizeOp::verify() {
  return verifySameShape(*this, getType(),
                         cast<QuantTensorType>(getInput().getType()));
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

unsigned MatmulOp::getWeightReductionDim() {
  auto weight = cast<QuantTensorType>(getRhs().getType());
  unsigned rank = weight.getRank();
  return getTransposeB() ? rank - 1 : rank - 2;
}

LogicalResult MatmulOp::verify() {
  RankedTensorType lhs = getLhs().getType();
  auto rhs = cast<QuantTensorType>(getRhs().getType());
  RankedTensorType result = getType();
  int64_t lhsRank = lhs.getRank(), rhsRank = rhs.getRank();
  if (lhsRank != 2 && lhsRank != 3)
    return emitOpError("activations must be rank 2 [N, K] or rank 3 "
                       "[B, N, K], got rank ")
           << lhsRank;
  if (rhsRank != 2 && rhsRank != 3)
    return emitOpError("weights must be rank 2 or rank 3 (batched), got rank ")
           << rhsRank;
  if (rhsRank == 3 && lhsRank != 3)
    return emitOpError("batched weights need batched (rank 3) activations");
  if (result.getRank() != lhsRank)
    return emitOpError("result rank ")
           << result.getRank() << " differs from activation rank " << lhsRank;

  ArrayRef<int64_t> x = lhs.getShape(), w = rhs.getShape(),
                    y = result.getShape();
  unsigned kDim = getWeightReductionDim();
  unsigned mDim = getTransposeB() ? rhsRank - 2 : rhsRank - 1;
  if (rhs.getAxis() != kDim)
    return emitOpError("weights must be blocked along the reduction dimension ")
           << kDim << ", but their blocked axis is " << rhs.getAxis();
  if (!dimsCompatible(x.back(), w[kDim]))
    return emitOpError("reduction size mismatch: activations have K = ")
           << x.back() << " but weights have K = " << w[kDim];
  if (rhsRank == 3 && !dimsCompatible(x[0], w[0]))
    return emitOpError("batch size mismatch: ")
           << x[0] << " activations vs " << w[0] << " weights";
  SmallVector<int64_t> expected(x.begin(), x.end());
  expected.back() = w[mDim];
  if (!shapesCompatible(expected, y))
    return emitOpError("result shape ")
           << shapeString(y) << " does not match expected "
           << shapeString(expected);
  return success();
}

//===----------------------------------------------------------------------===//
// StorageCastOp
//===----------------------------------------------------------------------===//

LogicalResult StorageCastOp::verify() {
  auto input = cast<QuantTensorType>(getInput().getType());
  RankedTensorType expected = input.getStorageTensorType();
  if (!shapesCompatible(expected.getShape(), getType().getShape()))
    return emitOpError("storage of ")
           << input << " is " << expected << ", not " << getType();
  return success();
}

LogicalResult FromStorageOp::verify() {
  auto result = cast<QuantTensorType>(getType());
  RankedTensorType expected = result.getStorageTensorType();
  if (!shapesCompatible(expected.getShape(), getInput().getType().getShape()))
    return emitOpError("storage of ")
           << result << " is " << expected << ", not "
           << getInput().getType();
  return success();
}

namespace {
/// `qt.storage_cast(qt.from_storage(x))` is x (when the types agree).
struct FoldStorageRoundTrip : OpRewritePattern<StorageCastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(StorageCastOp op,
                                PatternRewriter &rewriter) const override {
    auto view = op.getInput().getDefiningOp<FromStorageOp>();
    if (!view || view.getInput().getType() != op.getType())
      return failure();
    rewriter.replaceOp(op, view.getInput());
    return success();
  }
};

/// `qt.storage_cast` of a `qt.constant` is an `arith.constant` of its bytes
/// (a resource blob stays the same blob, reshaped).
struct FoldConstantStorage : OpRewritePattern<StorageCastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(StorageCastOp op,
                                PatternRewriter &rewriter) const override {
    auto constant = op.getInput().getDefiningOp<ConstantOp>();
    if (!constant)
      return failure();
    RankedTensorType type = op.getType();
    TypedAttr bytes;
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
      bytes = DenseResourceElementsAttr::get(type, resource.getRawHandle());
    else if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue()))
      bytes = dense.reshape(type);
    else
      return failure();
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, type, bytes);
    return success();
  }
};
} // namespace

void StorageCastOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                MLIRContext *context) {
  patterns.add<FoldConstantStorage, FoldStorageRoundTrip>(context);
}

//===----------------------------------------------------------------------===//
// DispatchOp
//===----------------------------------------------------------------------===//

MutableOperandRange DispatchOp::getDpsInitsMutable() {
  return getOutputsMutable();
}

void DispatchOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  // On buffers the kernel reads its inputs and writes its outputs; on tensors
  // it is pure.
  for (OpOperand &input : getInputsMutable())
    if (isa<MemRefType>(input.get().getType()))
      effects.emplace_back(MemoryEffects::Read::get(), &input,
                           SideEffects::DefaultResource::get());
  for (OpOperand &output : getOutputsMutable()) {
    if (!isa<MemRefType>(output.get().getType()))
      continue;
    effects.emplace_back(MemoryEffects::Read::get(), &output,
                         SideEffects::DefaultResource::get());
    effects.emplace_back(MemoryEffects::Write::get(), &output,
                         SideEffects::DefaultResource::get());
  }
}

LogicalResult DispatchOp::verify() {
  auto shaped = llvm::concat<Value>(getInputs(), getOutputs());
  bool tensors = llvm::all_of(shaped, [](Value value) {
    return isa<RankedTensorType>(value.getType());
  });
  bool buffers = llvm::all_of(shaped, [](Value value) {
    return isa<MemRefType>(value.getType());
  });
  if (!tensors && !buffers)
    return emitOpError("operands must be all ranked tensors or all memrefs");
  if (tensors && getNumResults() != getOutputs().size())
    return emitOpError("needs one result per output on tensors");
  if (buffers && getNumResults() != 0)
    return emitOpError("has no results on memrefs");
  for (auto [result, output] : llvm::zip(getResults(), getOutputs()))
    if (result.getType() != output.getType())
      return emitOpError("result types must match the output types");
  return success();
}
