//===- LlamaLayers.cpp - tensor-level building blocks of a llama model ----===//

#include "quant/formats/PanelLayout.h"
#include "frontends/gguf/LlamaLayers.h"

#include "dialects/qt/QtOps.h"
#include "dialects/qt/QtTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace quant;
using namespace quant::frontends;

namespace {

using utils::IteratorType;
constexpr IteratorType kPar = IteratorType::parallel;
constexpr IteratorType kRed = IteratorType::reduction;

/// Affine maps over `rank` loop dimensions selecting `dims`.
AffineMap select(MLIRContext *context, unsigned rank,
                 ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : dims)
    exprs.push_back(getAffineDimExpr(d, context));
  return AffineMap::get(rank, 0, exprs, context);
}

/// One linalg.generic producing one result.
Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value output,
              ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iterators,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{output.getType()}, inputs, ValueRange{output}, maps,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        linalg::YieldOp::create(nested, nestedLoc,
                                body(nested, nestedLoc, args));
      });
  return op.getResult(0);
}

Value index(OpBuilder &b, Location loc, int64_t dim) {
  return linalg::IndexOp::create(b, loc, dim);
}

/// Reductions may be reassociated (and contracted into FMAs) so LLVM can
/// vectorize them: any summation order stays within the K·u rounding bound
/// the tests' tolerances are derived from.
constexpr arith::FastMathFlags kReduction =
    arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;

/// `acc + a * b` as a reassociable reduction step.
Value multiplyAdd(OpBuilder &b, Location loc, Value acc, Value lhs,
                  Value rhs) {
  Value product = arith::MulFOp::create(b, loc, lhs, rhs, kReduction);
  return arith::AddFOp::create(b, loc, acc, product, kReduction);
}

} // namespace

LlamaLayers::LlamaLayers(OpBuilder &builder, Location loc,
                         const models::LlamaConfig &config, int64_t batch,
                         const LlamaLayerOptions &options)
    : b(builder), loc(loc), config(config), batch(batch), options(options) {}

Type LlamaLayers::ropeType() const {
  return options.float64Rope ? Type(b.getF64Type()) : Type(b.getF32Type());
}

Value LlamaLayers::f32(double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value LlamaLayers::empty(ArrayRef<int64_t> shape, ValueRange dynamicSizes) {
  return tensor::EmptyOp::create(b, loc, shape, b.getF32Type(), dynamicSizes);
}

Value LlamaLayers::filled(ArrayRef<int64_t> shape, double value,
                          ValueRange dynamicSizes) {
  return linalg::FillOp::create(b, loc, ValueRange{f32(value)},
                                ValueRange{empty(shape, dynamicSizes)})
      .getResult(0);
}

Value LlamaLayers::isVisible(OpBuilder &nb, Location nloc, Value row,
                             Value key, Value position) {
  Value last = arith::AddIOp::create(nb, nloc, position, row);
  return arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ule, key,
                               last);
}

Value LlamaLayers::rmsNorm(Value x, Value weight) {
  MLIRContext *context = b.getContext();
  int64_t width = cast<RankedTensorType>(x.getType()).getDimSize(1);
  // sum[b] = Σ_d x[b, d]²
  Value sum = generic(
      b, loc, x, filled({batch}, 0.0),
      {select(context, 2, {0, 1}), select(context, 2, {0})}, {kPar, kRed},
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return multiplyAdd(nb, nloc, args[1], args[0], args[0]);
      });
  float epsilon = config.rmsEpsilon;
  return generic(
      b, loc, ValueRange{x, sum, weight}, empty({batch, width}),
      {select(context, 2, {0, 1}), select(context, 2, {0}),
       select(context, 2, {1}), select(context, 2, {0, 1})},
      {kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        auto constant = [&](double v) {
          return arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(v));
        };
        Value mean = arith::DivFOp::create(nb, nloc, args[1],
                                           constant(double(width)));
        Value shifted =
            arith::AddFOp::create(nb, nloc, mean, constant(epsilon));
        Value root = math::SqrtOp::create(nb, nloc, shifted);
        Value scaled = arith::DivFOp::create(nb, nloc, args[0], root);
        return arith::MulFOp::create(nb, nloc, scaled, args[2]);
      });
}

bool frontends::hasPackedPanels(const fmt::FormatSpec &format,
                                ArrayRef<int64_t> shape) {
  if (shape.size() != 2 || shape[0] <= 0 || shape[1] <= 0)
    return false;
  return fmt::canPackPanels(format.resolvedFor(size_t(shape[1])),
                            size_t(shape[0]), size_t(shape[1]));
}

Value LlamaLayers::linear(Value x, Value weight, bool packable) {
  MLIRContext *context = b.getContext();
  int64_t rows;
  if (auto quantized = dyn_cast<qt::QuantTensorType>(weight.getType())) {
    rows = quantized.getShape()[0];
    auto type = RankedTensorType::get({batch, rows}, b.getF32Type());
    auto matmul = qt::MatmulOp::create(b, loc, type, x, weight,
                                       /*transpose_b=*/b.getUnitAttr());
    if (options.packWeights && packable &&
        hasPackedPanels(quantized.getFormat().getFormatSpec(),
                        quantized.getShape()))
      matmul->setAttr(qt::kPackedWeightsAttrName, b.getUnitAttr());
    return matmul;
  }
  // Plain f32/f16/bf16 weights: y[b, m] = Σ_k x[b, k] · W[m, k].
  rows = cast<RankedTensorType>(weight.getType()).getDimSize(0);
  return generic(
      b, loc, ValueRange{x, weight}, filled({batch, rows}, 0.0),
      {select(context, 3, {0, 2}), select(context, 3, {1, 2}),
       select(context, 3, {0, 1})},
      {kPar, kPar, kRed},
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value w = args[1];
        if (w.getType() != nb.getF32Type())
          w = arith::ExtFOp::create(nb, nloc, nb.getF32Type(), w);
        return multiplyAdd(nb, nloc, args[2], args[0], w);
      });
}

std::pair<Value, Value> LlamaLayers::ropeTables(Value position) {
  MLIRContext *context = b.getContext();
  int64_t pairs = config.ropeDim / 2;
  // base^(−2i/ropeDim) are compile-time constants.
  SmallVector<double> frequencies;
  for (int64_t i = 0; i < pairs; ++i)
    frequencies.push_back(std::pow(double(config.ropeFreqBase),
                                   -2.0 * double(i) / config.ropeDim));
  auto frequencyType = RankedTensorType::get({pairs}, b.getF64Type());
  Value frequencyTable = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(frequencyType, ArrayRef(frequencies)));
  Value positionF64 = arith::UIToFPOp::create(
      b, loc, b.getF64Type(),
      arith::IndexCastUIOp::create(b, loc, b.getI64Type(), position));
  Type element = ropeType();
  auto tableType = RankedTensorType::get({batch, pairs}, element);
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{tableType, tableType}, ValueRange{frequencyTable},
      ValueRange{tensor::EmptyOp::create(b, loc, tableType.getShape(),
                                         element),
                 tensor::EmptyOp::create(b, loc, tableType.getShape(),
                                         element)},
      ArrayRef<AffineMap>{select(context, 2, {1}), select(context, 2, {0, 1}),
                          select(context, 2, {0, 1})},
      ArrayRef<IteratorType>{kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value row = arith::UIToFPOp::create(
            nb, nloc, nb.getF64Type(),
            arith::IndexCastUIOp::create(nb, nloc, nb.getI64Type(),
                                         index(nb, nloc, 0)));
        Value absolute = arith::AddFOp::create(nb, nloc, positionF64, row);
        Value angle = arith::MulFOp::create(nb, nloc, absolute, args[0]);
        Value cos = math::CosOp::create(nb, nloc, angle);
        Value sin = math::SinOp::create(nb, nloc, angle);
        if (element != nb.getF64Type()) {
          cos = arith::TruncFOp::create(nb, nloc, element, cos);
          sin = arith::TruncFOp::create(nb, nloc, element, sin);
        }
        linalg::YieldOp::create(nb, nloc, ValueRange{cos, sin});
      });
  return {op.getResult(0), op.getResult(1)};
}

Value LlamaLayers::rope(Value x, int64_t heads, Value cosTable,
                        Value sinTable) {
  MLIRContext *context = b.getContext();
  int64_t headDim = config.headDim(), ropeDim = config.ropeDim;
  int64_t width = heads * headDim;
  return generic(
      b, loc, ValueRange{x}, empty({batch, width}),
      {select(context, 2, {0, 1}), select(context, 2, {0, 1})}, {kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        auto indexConstant = [&](int64_t v) {
          return arith::ConstantIndexOp::create(nb, nloc, v);
        };
        Value row = index(nb, nloc, 0), column = index(nb, nloc, 1);
        Value dim =
            arith::RemUIOp::create(nb, nloc, column, indexConstant(headDim));
        Value pair = arith::DivUIOp::create(nb, nloc, dim, indexConstant(2));
        Value rotated = arith::CmpIOp::create(
            nb, nloc, arith::CmpIPredicate::ult, dim, indexConstant(ropeDim));
        Value pairInTable = arith::MinUIOp::create(
            nb, nloc, pair, indexConstant(ropeDim / 2 - 1));
        Value isOdd = arith::CmpIOp::create(
            nb, nloc, arith::CmpIPredicate::ne,
            arith::RemUIOp::create(nb, nloc, dim, indexConstant(2)),
            indexConstant(0));
        // The partner of element 2i is 2i+1 and vice versa.
        Value partnerColumn = arith::SelectOp::create(
            nb, nloc, isOdd,
            arith::SubIOp::create(nb, nloc, column, indexConstant(1)),
            arith::AddIOp::create(nb, nloc, column, indexConstant(1)));
        Value partner =
            tensor::ExtractOp::create(nb, nloc, x, ValueRange{row, partnerColumn});
        Value cos = tensor::ExtractOp::create(nb, nloc, cosTable,
                                              ValueRange{row, pairInTable});
        Value sin = tensor::ExtractOp::create(nb, nloc, sinTable,
                                              ValueRange{row, pairInTable});
        Type element = ropeType();
        Value self = args[0], other = partner;
        if (element != nb.getF32Type()) {
          self = arith::ExtFOp::create(nb, nloc, element, self);
          other = arith::ExtFOp::create(nb, nloc, element, other);
        }
        // even: x·cos − partner·sin; odd: partner·sin + x·cos.
        Value selfCos = arith::MulFOp::create(nb, nloc, self, cos);
        Value otherSin = arith::MulFOp::create(nb, nloc, other, sin);
        Value even = arith::SubFOp::create(nb, nloc, selfCos, otherSin);
        Value odd = arith::AddFOp::create(nb, nloc, otherSin, selfCos);
        Value result = arith::SelectOp::create(nb, nloc, isOdd, odd, even);
        if (element != nb.getF32Type())
          result = arith::TruncFOp::create(nb, nloc, nb.getF32Type(), result);
        return arith::SelectOp::create(nb, nloc, rotated, result, args[0]);
      });
}

Value LlamaLayers::attention(Value q, Value keys, Value values,
                             Value position) {
  MLIRContext *context = b.getContext();
  int64_t kvHeads = config.kvHeads, group = config.groupSize(),
          headDim = config.headDim();
  Value length = tensor::DimOp::create(b, loc, keys, 1);
  Type f32Type = b.getF32Type();

  // q [B, kvHeads, group, headDim]; keys/values [kvHeads, L, headDim].
  Value q4 = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({batch, kvHeads, group, headDim}, f32Type),
      q, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});

  // scores[h, g, b, l] = Σ_d q[b, h, g, d] · k[h, l, d]   (loops h g b l d)
  int64_t dyn = ShapedType::kDynamic;
  SmallVector<int64_t> scoreShape{kvHeads, group, batch, dyn};
  Value scores = generic(
      b, loc, ValueRange{q4, keys}, filled(scoreShape, 0.0, length),
      {select(context, 5, {2, 0, 1, 4}), select(context, 5, {0, 3, 4}),
       select(context, 5, {0, 1, 2, 3})},
      {kPar, kPar, kPar, kPar, kRed},
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return multiplyAdd(nb, nloc, args[2], args[0], args[1]);
      });

  // Masked, scaled scores; their row maxima; exponentials; row sums.
  double scale = 1.0 / std::sqrt(double(headDim));
  double negInf = -std::numeric_limits<double>::infinity();
  auto maskedScore = [&](OpBuilder &nb, Location nloc, Value score,
                         double masked) {
    Value visible = isVisible(nb, nloc, index(nb, nloc, 2),
                              index(nb, nloc, 3), position);
    Value scaled = arith::MulFOp::create(
        nb, nloc, score,
        arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(scale)));
    Value fill =
        arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(masked));
    return arith::SelectOp::create(nb, nloc, visible, scaled, fill);
  };
  AffineMap all4 = select(context, 4, {0, 1, 2, 3});
  AffineMap rows4 = select(context, 4, {0, 1, 2});
  SmallVector<int64_t> rowShape{kvHeads, group, batch};
  Value maxima = generic(
      b, loc, ValueRange{scores}, filled(rowShape, negInf), {all4, rows4},
      {kPar, kPar, kPar, kRed},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        // Masked scores count as the lowest finite float here: they never
        // exceed a row's visible scores (each row sees its own position),
        // and unlike -inf, which max(m, -inf) = m folds into a conditional
        // update, the maximum stays an unconditional reduction that LLVM
        // vectorizes.
        return arith::MaximumFOp::create(
            nb, nloc, args[1],
            maskedScore(nb, nloc, args[0],
                        -double(std::numeric_limits<float>::max())));
      });
  Value weights = generic(
      b, loc, ValueRange{scores, maxima}, empty(scoreShape, length),
      {all4, rows4, all4}, {kPar, kPar, kPar, kPar},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        // A masked score is −inf and its weight exp(−inf) = 0.
        Value shifted = arith::SubFOp::create(
            nb, nloc, maskedScore(nb, nloc, args[0], negInf), args[1]);
        return math::ExpOp::create(nb, nloc, shifted);
      });
  Value sums = generic(
      b, loc, ValueRange{weights}, filled(rowShape, 0.0), {all4, rows4},
      {kPar, kPar, kPar, kRed},
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::AddFOp::create(nb, nloc, args[1], args[0], kReduction);
      });

  // out[b, h, g, d] = Σ_l weights[h, g, b, l] · v[h, l, d] / sums[h, g, b]
  // (CPU: loops b h g l d, the innermost loop along contiguous rows of v and
  // of the output; GPU: loops b h g d l, the sum innermost).
  SmallVector<int64_t> outShape{batch, kvHeads, group, headDim};
  bool sumInnermost = options.reductionInnermost;
  unsigned l = sumInnermost ? 4 : 3, d = sumInnermost ? 3 : 4;
  SmallVector<IteratorType> weightedLoops{kPar, kPar, kPar, kPar, kPar};
  weightedLoops[l] = kRed;
  Value weighted = generic(
      b, loc, ValueRange{weights, values}, filled(outShape, 0.0),
      {select(context, 5, {1, 2, 0, l}), select(context, 5, {1, l, d}),
       select(context, 5, {0, 1, 2, d})},
      weightedLoops,
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return multiplyAdd(nb, nloc, args[2], args[0], args[1]);
      });
  Value normalized = generic(
      b, loc, ValueRange{weighted, sums}, empty(outShape),
      {all4, select(context, 4, {1, 2, 0}), all4}, {kPar, kPar, kPar, kPar},
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::DivFOp::create(nb, nloc, args[0], args[1]);
      });
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({batch, config.dim}, f32Type), normalized,
      SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
}

Value LlamaLayers::swiglu(Value gate, Value up) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(gate.getType());
  AffineMap identity = select(context, 2, {0, 1});
  return generic(
      b, loc, ValueRange{gate, up}, empty(type.getShape()),
      {identity, identity, identity}, {kPar, kPar},
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        // silu(g) = g / (1 + e^−g)
        Value one =
            arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(1.0));
        Value negated = arith::NegFOp::create(nb, nloc, args[0]);
        Value denominator = arith::AddFOp::create(
            nb, nloc, one, math::ExpOp::create(nb, nloc, negated));
        Value silu = arith::DivFOp::create(nb, nloc, args[0], denominator);
        return arith::MulFOp::create(nb, nloc, silu, args[1]);
      });
}

Value LlamaLayers::add(Value lhs, Value rhs) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(lhs.getType());
  AffineMap identity = select(context, 2, {0, 1});
  return generic(b, loc, ValueRange{lhs, rhs}, empty(type.getShape()),
                 {identity, identity, identity}, {kPar, kPar},
                 [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                   return arith::AddFOp::create(nb, nloc, args[0], args[1]);
                 });
}
