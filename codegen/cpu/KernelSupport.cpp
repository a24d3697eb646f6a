//===- KernelSupport.cpp - shared pieces of the generated kernels ---------===//

#include "codegen/cpu/KernelSupport.h"
#include "codegen/cpu/PointerMemRef.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <algorithm>

using namespace mlir;
using namespace quant::cpu;

/// Dynamic sizes of `type` from consecutive slots starting at `*slot`.
static SmallVector<Value> loadDynamicSizes(OpBuilder &b, Location loc,
                                           Value operands, MemRefType type,
                                           int64_t *slot) {
  SmallVector<Value> sizes;
  for (int64_t dim : type.getShape()) {
    if (!ShapedType::isDynamic(dim))
      continue;
    Value size = loadSlot(b, loc, operands, (*slot)++, b.getI64Type());
    sizes.push_back(
        arith::IndexCastOp::create(b, loc, b.getIndexType(), size));
  }
  return sizes;
}

func::FuncOp quant::cpu::declareKernel(OpBuilder &builder, ModuleOp module,
                                       StringRef name) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  auto ptrType = LLVM::LLVMPointerType::get(builder.getContext());
  Type i64 = builder.getI64Type();
  auto kernel = func::FuncOp::create(
      builder, module.getLoc(), name,
      builder.getFunctionType({ptrType, i64, i64}, {}));
  kernel.setPrivate();
  return kernel;
}

DictionaryAttr quant::cpu::encodeKernelSpec(MLIRContext *context,
                                            const MatmulKernelSpec &spec,
                                            bool integer) {
  Builder b(context);
  return b.getDictionaryAttr({
      b.getNamedAttr("format", spec.format),
      b.getNamedAttr("reduction_size", b.getI64IntegerAttr(spec.reductionSize)),
      b.getNamedAttr("activations", TypeAttr::get(spec.activations)),
      b.getNamedAttr("weights", TypeAttr::get(spec.weights)),
      b.getNamedAttr("result", TypeAttr::get(spec.result)),
      b.getNamedAttr("row_tile", b.getI64IntegerAttr(spec.rowTile)),
      b.getNamedAttr("vnni", b.getBoolAttr(spec.vnni)),
      b.getNamedAttr("packed_weights", b.getBoolAttr(spec.packedWeights)),
      b.getNamedAttr("segment_rows", b.getDenseI64ArrayAttr(spec.segmentRows)),
      b.getNamedAttr("strategy", b.getStringAttr(integer ? "int8" : "float")),
  });
}

LogicalResult quant::cpu::decodeKernelSpec(DictionaryAttr attr,
                                           MatmulKernelSpec &spec,
                                           bool &integer) {
  auto format = attr.getAs<qt::QuantFormatAttrInterface>("format");
  auto reduction = attr.getAs<IntegerAttr>("reduction_size");
  auto x = attr.getAs<TypeAttr>("activations");
  auto w = attr.getAs<TypeAttr>("weights");
  auto y = attr.getAs<TypeAttr>("result");
  auto tile = attr.getAs<IntegerAttr>("row_tile");
  auto vnni = attr.getAs<BoolAttr>("vnni");
  auto packed = attr.getAs<BoolAttr>("packed_weights");
  auto strategy = attr.getAs<StringAttr>("strategy");
  auto segments = attr.getAs<DenseI64ArrayAttr>("segment_rows");
  if (!format || !reduction || !x || !w || !y || !tile || !vnni || !packed ||
      !strategy || !segments ||
      !isa<MemRefType>(x.getValue()) || !isa<MemRefType>(w.getValue()) ||
      !isa<MemRefType>(y.getValue()))
    return failure();
  spec.format = format;
  spec.reductionSize = reduction.getInt();
  spec.activations = cast<MemRefType>(x.getValue());
  spec.weights = cast<MemRefType>(w.getValue());
  spec.result = cast<MemRefType>(y.getValue());
  spec.rowTile = tile.getInt();
  spec.vnni = vnni.getValue();
  spec.packedWeights = packed.getValue();
  spec.segmentRows.assign(segments.asArrayRef().begin(),
                          segments.asArrayRef().end());
  integer = strategy.getValue() == "int8";
  // Segments split a static, plain [M, BLOCKS, BYTES] packed weight, which
  // only the integer kernel reads.
  if (!spec.segmentRows.empty()) {
    int64_t rows = 0;
    for (int64_t r : spec.segmentRows)
      rows += r;
    if (!integer || !spec.packedWeights || spec.weights.getRank() != 3 ||
        !spec.weights.hasStaticShape() || rows != spec.weights.getShape()[0])
      return failure();
  }
  return success();
}

MemRefType quant::cpu::MatmulKernelSpec::segmentWeights(size_t i) const {
  if (segmentRows.empty())
    return weights;
  SmallVector<int64_t> shape(weights.getShape());
  shape[0] = segmentRows[i];
  return MemRefType::get(shape, weights.getElementType());
}

KernelOperands quant::cpu::beginKernelBody(OpBuilder &builder,
                                           func::FuncOp kernel,
                                           const MatmulKernelSpec &spec) {
  Location loc = kernel.getLoc();
  KernelOperands k;
  k.kernel = kernel;
  Block *entry = kernel.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  Value operands = entry->getArgument(0);
  auto ptrType = LLVM::LLVMPointerType::get(builder.getContext());

  // The data pointers of x, each weight and y, then the dynamic sizes of
  // x, W and y (segmented weights are static).
  int64_t weightCount = std::max<int64_t>(1, spec.segmentRows.size());
  int64_t slot = 2 + weightCount;
  SmallVector<Value> xSizes =
      loadDynamicSizes(builder, loc, operands, spec.activations, &slot);
  SmallVector<Value> wSizes =
      loadDynamicSizes(builder, loc, operands, spec.weights, &slot);
  SmallVector<Value> ySizes =
      loadDynamicSizes(builder, loc, operands, spec.result, &slot);
  k.x = memrefFromPointer(builder, loc,
                          loadSlot(builder, loc, operands, 0, ptrType),
                          spec.activations, xSizes);
  for (int64_t i = 0; i < weightCount; ++i) {
    Value weight = memrefFromPointer(
        builder, loc, loadSlot(builder, loc, operands, 1 + i, ptrType),
        spec.segmentWeights(size_t(i)), wSizes);
    if (spec.segmentRows.empty())
      k.w = weight;
    else
      k.segments.push_back(weight);
  }
  k.y = memrefFromPointer(builder, loc,
                          loadSlot(builder, loc, operands, 1 + weightCount,
                                   ptrType),
                          spec.result, ySizes);
  k.begin = arith::IndexCastOp::create(builder, loc, builder.getIndexType(),
                                       entry->getArgument(1));
  k.end = arith::IndexCastOp::create(builder, loc, builder.getIndexType(),
                                     entry->getArgument(2));
  return k;
}

void quant::cpu::emitTiledLoop(
    OpBuilder &b, Location loc, Value begin, Value end, int64_t tile,
    function_ref<void(OpBuilder &, Value, int64_t)> body) {
  Value step = arith::ConstantIndexOp::create(b, loc, tile);
  Value fullEnd = arith::AddIOp::create(
      b, loc, begin,
      arith::MulIOp::create(
          b, loc,
          arith::DivUIOp::create(b, loc,
                                 arith::SubIOp::create(b, loc, end, begin),
                                 step),
          step));
  auto tiles = scf::ForOp::create(b, loc, begin, fullEnd, step);
  {
    OpBuilder tb = OpBuilder::atBlockBegin(tiles.getBody());
    body(tb, tiles.getInductionVar(), tile);
  }
  auto rest = scf::ForOp::create(b, loc, fullEnd, end,
                                 arith::ConstantIndexOp::create(b, loc, 1));
  {
    OpBuilder tb = OpBuilder::atBlockBegin(rest.getBody());
    body(tb, rest.getInductionVar(), 1);
  }
}

Value quant::cpu::concatVectors(OpBuilder &b, Location loc, Value first,
                                Value second) {
  int64_t size = cast<VectorType>(first.getType()).getNumElements() +
                 cast<VectorType>(second.getType()).getNumElements();
  SmallVector<int64_t> mask(size);
  for (int64_t i = 0; i < size; ++i)
    mask[i] = i;
  return vector::ShuffleOp::create(b, loc, first, second, mask);
}

Value quant::cpu::loadHeaderAndCodes(OpBuilder &b, Location loc, Value weights,
                                     ValueRange row, Value block,
                                     int64_t headerBytes, Value codeOffset,
                                     int64_t codeBytes) {
  auto load = [&](Value offset, int64_t bytes) -> Value {
    SmallVector<Value> at(row.begin(), row.end());
    at.append({block, offset});
    return vector::LoadOp::create(
        b, loc, VectorType::get({bytes}, b.getI8Type()), weights, at);
  };
  if (headerBytes == 0)
    return load(codeOffset, codeBytes);
  Value header = load(arith::ConstantIndexOp::create(b, loc, 0), headerBytes);
  return concatVectors(b, loc, header, load(codeOffset, codeBytes));
}

RowDecodePlan quant::cpu::planRowDecode(const MatmulKernelSpec &spec) {
  constexpr int64_t kChunk = 32;
  RowDecodePlan plan;
  fmt::FormatSpec format =
      spec.format.getFormatSpec().resolvedFor(spec.reductionSize);
  plan.stepSpec = format;
  plan.blockBytes = spec.weights.getShape().back();
  if (spec.format.getFormatSpec().blockSize == 0 &&
      spec.reductionSize % kChunk == 0 &&
      (kChunk * format.bits) % 8 == 0 && spec.reductionSize > kChunk) {
    plan.chunked = true;
    plan.headerBytes = int64_t(format.scaleBytes() + format.offsetBytes());
    plan.stepSpec.blockSize = kChunk;
    plan.chunkCodeBytes = int64_t(kChunk * format.bits / 8);
    plan.elementsPerStep = kChunk;
    plan.steps = spec.reductionSize / kChunk;
    return plan;
  }
  plan.elementsPerStep = format.blockSize;
  plan.steps = spec.reductionSize / plan.elementsPerStep;
  if (format.layout == fmt::Layout::Generic)
    plan.headerSplit = int64_t(format.scaleBytes() + format.offsetBytes());
  return plan;
}
