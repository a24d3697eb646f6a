//===- ExpandDequantize.cpp - qt.dequantize to per-block vector code ------===//
//
// The reference lowering of dequantization: a loop nest over storage rows and
// blocks that decodes each block with the format's emitDequantizeBlock hook.
//
//===----------------------------------------------------------------------===//

#include "dialects/qt/QtOps.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quant {
#define GEN_PASS_DEF_EXPANDDEQUANTIZEPASS
#include "passes/Passes.h.inc"
} // namespace quant

using namespace mlir;
using namespace quant;
using namespace quant::qt;

namespace {

/// Rewrites `qt.dequantize` into loops over the storage's rows and blocks.
struct ExpandDequantizePattern : OpRewritePattern<DequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto qtype = cast<QuantTensorType>(op.getInput().getType());
    RankedTensorType resultType = op.getType();
    RankedTensorType storageType = qtype.getStorageTensorType();
    unsigned rank = qtype.getRank();
    unsigned axis = qtype.getAxis();
    int64_t blockSize = qtype.getEffectiveBlockSize();
    int64_t blockBytes = storageType.getShape().back();
    QuantFormatAttrInterface format = qtype.getFormat();

    Value storage =
        StorageCastOp::create(rewriter, loc, storageType, op.getInput());
    // The result, with dynamic sizes taken from the storage.
    SmallVector<Value> dynamicSizes;
    SmallVector<Value> storageDims;
    for (unsigned d = 0; d + 1 < storageType.getRank(); ++d)
      storageDims.push_back(tensor::DimOp::create(rewriter, loc, storage, d));
    // Storage dim d (d < rank-1) is the tensor's d-th non-blocked dimension;
    // storage dim rank-1 counts blocks along `axis`.
    auto tensorDimSize = [&](unsigned dim) -> Value {
      if (dim == axis) {
        Value blocks = storageDims[rank - 1];
        Value size =
            arith::ConstantIndexOp::create(rewriter, loc, blockSize);
        return arith::MulIOp::create(rewriter, loc, blocks, size);
      }
      return storageDims[dim < axis ? dim : dim - 1];
    };
    for (unsigned d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(tensorDimSize(d));
    Value init = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                         resultType.getElementType(),
                                         dynamicSizes);

    // One loop per storage dimension except the bytes, innermost = blocks.
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<Value> ivs;
    Value result = buildLoops(
        rewriter, loc, storageDims, zero, one, init, ivs,
        [&](OpBuilder &b, Value acc) -> Value {
          // Read the block's bytes.
          SmallVector<Value> readIndices(ivs.begin(), ivs.end());
          readIndices.push_back(zero);
          auto bytesType = VectorType::get({blockBytes}, b.getI8Type());
          Value padding = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
          Value bytes = vector::TransferReadOp::create(
              b, loc, bytesType, storage, readIndices, padding,
              ArrayRef<bool>{true});
          Value values = format.emitDequantizeBlock(
              b, loc, bytes, unsigned(qtype.getShape()[axis] < 0
                                          ? 0
                                          : qtype.getShape()[axis]));
          Type elementType = resultType.getElementType();
          if (!elementType.isF32())
            values = arith::TruncFOp::create(
                b, loc, VectorType::get({blockSize}, elementType), values);
          // Write it along `axis` at the block's position.
          SmallVector<Value> writeIndices;
          for (unsigned d = 0; d < rank; ++d) {
            if (d == axis) {
              Value size = arith::ConstantIndexOp::create(b, loc, blockSize);
              writeIndices.push_back(
                  arith::MulIOp::create(b, loc, ivs[rank - 1], size));
            } else {
              writeIndices.push_back(ivs[d < axis ? d : d - 1]);
            }
          }
          AffineMap map = AffineMap::get(rank, 0, b.getAffineDimExpr(axis));
          return vector::TransferWriteOp::create(b, loc, values, acc,
                                                 writeIndices, map,
                                                 ArrayRef<bool>{true})
              .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Builds nested scf.for loops from 0 to each of `upperBounds` carrying
  /// `init`; `body` computes the innermost update. `ivs` collects the
  /// induction variables, outermost first.
  static Value buildLoops(OpBuilder &b, Location loc, ArrayRef<Value> upperBounds,
                          Value zero, Value one, Value init,
                          SmallVectorImpl<Value> &ivs,
                          function_ref<Value(OpBuilder &, Value)> body) {
    if (upperBounds.empty())
      return body(b, init);
    auto loop = scf::ForOp::create(
        b, loc, zero, upperBounds.front(), one, ValueRange{init},
        [&](OpBuilder &nested, Location nestedLoc, Value iv,
            ValueRange iterArgs) {
          ivs.push_back(iv);
          Value inner = buildLoops(nested, nestedLoc, upperBounds.drop_front(),
                                   zero, one, iterArgs.front(), ivs, body);
          scf::YieldOp::create(nested, nestedLoc, inner);
        });
    return loop.getResult(0);
  }
};

struct ExpandDequantizePass
    : quant::impl::ExpandDequantizePassBase<ExpandDequantizePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandDequantizePattern>(&getContext());
    StorageCastOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
