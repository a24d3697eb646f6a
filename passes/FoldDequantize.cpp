//===- FoldDequantize.cpp - fold dequantization into fused matmuls --------===//
//
// Rewrites contractions (linalg.matmul, matvec, vecmat, batch_matmul, their
// transposed forms and equivalent linalg.generic ops) whose weight operand is
// a qt.dequantize into qt.matmul, so no full-precision copy of a quantized
// weight is left. A dequantized weight is folded only when every one of its
// uses can be folded; otherwise the float copy would stay anyway and the
// program is left as written.
//
//===----------------------------------------------------------------------===//

#include "dialects/qt/QtOps.h"
#include "passes/ImportUpstreamQuant.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quant {
#define GEN_PASS_DEF_FOLDDEQUANTIZEPASS
#include "passes/Passes.h.inc"
} // namespace quant

using namespace mlir;
using namespace quant;
using namespace quant::qt;

namespace {

/// How a contraction maps onto `qt.matmul`:
/// `y[b?, n?, m] = sum_k x[b?, n?, k] * W[b?, m, k]` (or `W[b?, k, m]`).
struct MatmulForm {
  unsigned weightOperand = 1;
  bool transposeB = false;
  bool hasBatch = false;
  /// The activations have a row dimension (false for matvec/vecmat).
  bool hasRows = false;
};

/// Returns the loop dimension of each result of a projected permutation.
static SmallVector<unsigned> resultDims(AffineMap map) {
  SmallVector<unsigned> dims;
  for (AffineExpr expr : map.getResults())
    dims.push_back(cast<AffineDimExpr>(expr).getPosition());
  return dims;
}

/// Matches `op` as a contraction whose operand `weightOperand` is the
/// dequantized weight `weightType` and which qt.matmul can compute.
static FailureOr<MatmulForm> matchContraction(linalg::LinalgOp op,
                                              unsigned weightOperand,
                                              QuantTensorType weightType) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || !linalg::isaContractionOpInterface(op))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->k.size() != 1)
    return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return failure();
  for (Value operand : op->getOperands())
    if (!cast<RankedTensorType>(operand.getType()).getElementType().isF32())
      return failure();

  unsigned k = dims->k.front();
  SmallVector<unsigned> w = resultDims(maps[weightOperand]);
  SmallVector<unsigned> x = resultDims(maps[1 - weightOperand]);
  SmallVector<unsigned> y = resultDims(maps[2]);
  if (x.empty() || x.back() != k || x.size() > 3 || w.size() < 2 ||
      w.size() > 3)
    return failure();

  MatmulForm form;
  form.weightOperand = weightOperand;
  // Batched weights share their leading dimension with the activations;
  // otherwise rank-3 activations are a batch over shared weights.
  std::optional<unsigned> batch;
  SmallVector<unsigned> weightPrefix;
  if (w.size() == 3) {
    if (x.size() < 2 || x.front() != w.front())
      return failure();
    batch = w.front();
    weightPrefix.push_back(*batch);
    form.hasRows = x.size() == 3;
  } else {
    if (x.size() == 3)
      batch = x.front();
    form.hasRows = x.size() >= 2;
  }
  form.hasBatch = batch.has_value();

  // The weight's own (output) dimension: the one the activations lack.
  std::optional<unsigned> m;
  for (unsigned d : w) {
    if (d == k || d == batch)
      continue;
    if (m || llvm::is_contained(x, d))
      return failure();
    m = d;
  }
  if (!m)
    return failure();
  SmallVector<unsigned> expectedY(x.begin(), x.end() - 1);
  expectedY.push_back(*m);
  if (y != expectedY)
    return failure();

  SmallVector<unsigned> transposed = weightPrefix, plain = weightPrefix;
  transposed.append({*m, k});
  plain.append({k, *m});
  if (w == transposed)
    form.transposeB = true;
  else if (w != plain)
    return failure();
  // Blocks must run along the reduction dimension.
  unsigned kPosition = form.transposeB ? w.size() - 1 : w.size() - 2;
  if (weightType.getAxis() != kPosition)
    return failure();
  return form;
}

/// True when `value` is a tensor of +0.0: a zero fill or a zero constant.
static bool isZeroTensor(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.value(), m_PosZeroFloat());
  return matchPattern(value, m_PosZeroFloat());
}

/// Rewrites `op` (matched as `form`) into qt.matmul on `weight`.
static void rewriteContraction(RewriterBase &rewriter, linalg::LinalgOp op,
                               const MatmulForm &form, Value weight) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value x = op.getDpsInputOperand(1 - form.weightOperand)->get();
  Value init = op.getDpsInitOperand(0)->get();
  auto xType = cast<RankedTensorType>(x.getType());
  auto yType = cast<RankedTensorType>(init.getType());

  // qt.matmul wants activation rows: matvec/vecmat get a unit row.
  SmallVector<ReassociationIndices> reassociation;
  if (!form.hasRows) {
    SmallVector<int64_t> shape(xType.getShape());
    shape.insert(shape.end() - 1, 1);
    if (form.hasBatch)
      reassociation = {{0}, {1, 2}};
    else
      reassociation = {{0, 1}};
    x = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(shape, xType.getElementType()), x,
        reassociation);
  }
  SmallVector<int64_t> resultShape(yType.getShape());
  if (!form.hasRows)
    resultShape.insert(resultShape.end() - 1, 1);
  Value result = MatmulOp::create(
      rewriter, loc, RankedTensorType::get(resultShape, yType.getElementType()),
      x, weight, form.transposeB);
  if (!form.hasRows)
    result = tensor::CollapseShapeOp::create(rewriter, loc, yType, result,
                                             reassociation);
  if (!isZeroTensor(init))
    result = linalg::AddOp::create(rewriter, loc, ValueRange{result, init},
                                   ValueRange{init})
                 .getResult(0);
  rewriter.replaceOp(op, result);
}

/// Folds a dequantize into all of its uses, or into none.
struct FoldDequantizeIntoContractions : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getType().getElementType().isF32() || op->use_empty())
      return failure();
    auto weightType = cast<QuantTensorType>(op.getInput().getType());
    SmallVector<std::pair<linalg::LinalgOp, MatmulForm>> folds;
    for (OpOperand &use : op->getUses()) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(use.getOwner());
      if (!linalgOp || use.getOperandNumber() >= 2)
        return rewriter.notifyMatchFailure(op, "a use is not a contraction");
      FailureOr<MatmulForm> form =
          matchContraction(linalgOp, use.getOperandNumber(), weightType);
      if (failed(form))
        return rewriter.notifyMatchFailure(op, "a use cannot be fused");
      folds.push_back({linalgOp, *form});
    }
    for (auto &[linalgOp, form] : folds)
      rewriteContraction(rewriter, linalgOp, form, op.getInput());
    rewriter.eraseOp(op);
    return success();
  }
};

struct FoldDequantizePass
    : quant::impl::FoldDequantizePassBase<FoldDequantizePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    populateImportUpstreamQuantPatterns(patterns);
    patterns.add<FoldDequantizeIntoContractions>(context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
