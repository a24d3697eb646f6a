//===- ImportUpstreamQuant.cpp - upstream !quant weights to qt ------------===//
//
// Upstream MLIR describes quantized weights with `!quant.uniform` element
// types. Constant weights of that kind are re-laid out at compile time into a
// qt integer format that keeps their exact codes and f32 scales: one block per
// row for per-tensor and per-axis scales, blocks of the sub-channel block size
// otherwise; a nonzero zero point becomes unsigned codes with a u8 zero point.
//
//===----------------------------------------------------------------------===//

#include "passes/ImportUpstreamQuant.h"

#include "dialects/qt/QtOps.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

using namespace mlir;
using namespace ::quant::qt;
namespace fmt = ::quant::fmt;

namespace {

/// The scale and zero point of every (row, block) of the storage, where rows
/// run over the non-blocked dimension and blocks along `axis`.
struct BlockParams {
  unsigned axis = 1;
  int64_t blockSize = 0; // 0: one block per row
  std::function<std::pair<double, int64_t>(int64_t row, int64_t block)> at;
};

/// Derives the block structure of a rank-2 `!quant.uniform` tensor.
FailureOr<BlockParams> blockParams(RankedTensorType type) {
  BlockParams p;
  Type element = type.getElementType();
  if (auto uniform = dyn_cast<mlir::quant::UniformQuantizedType>(element)) {
    double scale = uniform.getScale();
    int64_t zero = uniform.getZeroPoint();
    p.at = [=](int64_t, int64_t) { return std::make_pair(scale, zero); };
    return p;
  }
  if (auto perAxis =
          dyn_cast<mlir::quant::UniformQuantizedPerAxisType>(element)) {
    int32_t dim = perAxis.getQuantizedDimension();
    if (dim != 0 && dim != 1)
      return failure();
    p.axis = 1 - dim;
    SmallVector<double> scales(perAxis.getScales());
    SmallVector<int64_t> zeros(perAxis.getZeroPoints());
    p.at = [=](int64_t row, int64_t) {
      return std::make_pair(scales[row], zeros[row]);
    };
    return p;
  }
  if (auto sub = dyn_cast<mlir::quant::UniformQuantizedSubChannelType>(element)) {
    ArrayRef<int32_t> dims = sub.getQuantizedDimensions();
    ArrayRef<int64_t> sizes = sub.getBlockSizes();
    std::optional<unsigned> axis;
    int64_t blockSize = 1;
    for (auto [dim, size] : llvm::zip(dims, sizes)) {
      if (size == 1)
        continue;
      if (axis)
        return failure(); // blocks along both dimensions
      axis = unsigned(dim);
      blockSize = size;
    }
    if (!axis)
      return failure();
    p.axis = *axis;
    p.blockSize = blockSize;
    DenseElementsAttr scales = sub.getScales();
    DenseElementsAttr zeros = sub.getZeroPoints();
    SmallVector<APFloat> scaleValues(scales.getValues<APFloat>());
    SmallVector<APInt> zeroValues(zeros.getValues<APInt>());
    int64_t columns = cast<ShapedType>(scales.getType()).getDimSize(1);
    unsigned blockAxis = *axis;
    p.at = [=](int64_t row, int64_t block) {
      int64_t r = blockAxis == 1 ? row : block;
      int64_t c = blockAxis == 1 ? block : row;
      return std::make_pair(scaleValues[r * columns + c].convertToDouble(),
                            zeroValues[r * columns + c].getSExtValue());
    };
    return p;
  }
  return failure();
}

struct ImportDequantizeCast
    : OpRewritePattern<mlir::quant::DequantizeCastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(mlir::quant::DequantizeCastOp op,
                                PatternRewriter &rewriter) const override {
    auto storageCast =
        op.getInput().getDefiningOp<mlir::quant::StorageCastOp>();
    if (!storageCast)
      return rewriter.notifyMatchFailure(op, "input is not a storage cast");
    DenseIntElementsAttr codes;
    if (!matchPattern(storageCast.getInput(), m_Constant(&codes)))
      return rewriter.notifyMatchFailure(op, "codes are not constant");
    auto quantType = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto floatType = dyn_cast<RankedTensorType>(op.getType());
    if (!quantType || !floatType || quantType.getRank() != 2 ||
        !quantType.hasStaticShape() || !floatType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not a static rank-2 f32 weight");
    auto element =
        cast<mlir::quant::QuantizedType>(quantType.getElementType());
    unsigned bits = element.getStorageTypeIntegralWidth();
    if (bits > 8)
      return rewriter.notifyMatchFailure(op, "storage wider than 8 bits");
    FailureOr<BlockParams> params = blockParams(quantType);
    if (failed(params))
      return rewriter.notifyMatchFailure(op, "unsupported quantization");

    ArrayRef<int64_t> shape = quantType.getShape();
    unsigned axis = params->axis;
    int64_t rows = shape[1 - axis], rowLength = shape[axis];
    int64_t blockSize = params->blockSize ? params->blockSize : rowLength;
    int64_t blocks = rowLength / blockSize;
    bool anyZero = false;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t b = 0; b < blocks; ++b)
        anyZero |= params->at(r, b).second != 0;

    // Codes of a signed storage type shift into unsigned range when a zero
    // point is stored: x = s*(q - z) = s*((q + o) - (z + o)).
    int64_t offset = anyZero && element.isSigned() ? (int64_t(1) << (bits - 1)) : 0;
    fmt::FormatSpec spec;
    spec.bits = bits;
    spec.codeKind = anyZero || !element.isSigned() ? fmt::CodeKind::UInt
                                                   : fmt::CodeKind::SInt;
    spec.offset = anyZero ? fmt::OffsetKind::ZeroPoint : fmt::OffsetKind::None;
    spec.blockSize = params->blockSize ? unsigned(blockSize) : 0;
    spec.scaleType = fmt::ScaleType::F32;
    fmt::FormatSpec resolved = spec.resolvedFor(rowLength);
    if (!resolved.validate().empty() || rowLength % blockSize != 0)
      return rewriter.notifyMatchFailure(op, "no qt format holds this layout");

    // Lay the blocks out: [f32 scale][u8 zero point]?[codes, linear].
    size_t blockBytes = resolved.blockBytes();
    std::vector<int8_t> bytes(size_t(rows * blocks) * blockBytes, 0);
    SmallVector<APInt> values(codes.getValues<APInt>());
    uint32_t mask = (1u << bits) - 1;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t b = 0; b < blocks; ++b) {
        auto [scale, zero] = params->at(r, b);
        if (zero + offset < 0 || zero + offset > 255)
          return rewriter.notifyMatchFailure(op, "zero point out of range");
        uint8_t *block = reinterpret_cast<uint8_t *>(bytes.data()) +
                         size_t(r * blocks + b) * blockBytes;
        float scale32 = float(scale);
        std::memcpy(block, &scale32, 4);
        uint8_t *code = block + 4;
        if (anyZero)
          *code++ = uint8_t(zero + offset);
        for (int64_t i = 0; i < blockSize; ++i) {
          int64_t j = b * blockSize + i;
          int64_t flat = axis == 1 ? r * rowLength + j : j * rows + r;
          uint32_t q = uint32_t(values[flat].getSExtValue() + offset) & mask;
          uint64_t bit = uint64_t(i) * bits;
          code[bit / 8] |= uint8_t(q << (bit % 8));
          if (bit % 8 + bits > 8)
            code[bit / 8 + 1] |= uint8_t(q >> (8 - bit % 8));
        }
      }
    }

    MLIRContext *context = rewriter.getContext();
    auto qtype = QuantTensorType::get(context, shape,
                                      getFormatAttr(context, spec), axis);
    auto bytesType = RankedTensorType::get({int64_t(bytes.size())},
                                           rewriter.getI8Type());
    auto storage =
        DenseElementsAttr::get(bytesType, ArrayRef<int8_t>(bytes));
    Value constant = ConstantOp::create(rewriter, op.getLoc(), qtype, storage);
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, floatType, constant);
    return success();
  }
};

} // namespace

void ::quant::populateImportUpstreamQuantPatterns(RewritePatternSet &patterns) {
  patterns.add<ImportDequantizeCast>(patterns.getContext());
}
