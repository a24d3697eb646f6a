//===- IntegerMatmulKernel.cpp - int8 x low-bit integer dot kernels -------===//
//
// The integer strategy for formats with integer codes, x = s * (c - z) + m:
//
//   sum_i x_i a_i ~= sum_chunks s * d_a * (sum c*q - z * sum q) + m * sum a
//
// where activations a are quantized per block of 32 to q = round(a / d_a),
// d_a = amax / 127. Codes (unsigned) meet activations (signed) 64 at a time
// in a dot product whose 16 lanes each sum 4 products (vpdpbusd with VNNI).
// The lanes keep their partial sums; per-lane vectors of weight scales, zero
// points and activation factors turn them into floats, so no horizontal
// reduction happens before the end of a row.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/IntegerKernelBuilder.h"
#include "codegen/cpu/KernelSupport.h"
#include "codegen/cpu/MatmulKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace quant;
using namespace quant::cpu;
using namespace quant::cpu::integer;

namespace {

/// Activation rows (int8, 14 KiB each at K = 14336) processed against all of
/// a thread's weight rows before moving on: 16 rows stay in L2.
constexpr int64_t kActivationBlockRows = 16;
/// Activation rows from which weight rows go through packed panels
/// (PackedIntegerMatmul.cpp): decoding a panel once costs about as much as
/// the per-row path spends on ~16 activation rows.
constexpr int64_t kPackedPanelMinRows = 16;

} // namespace

/// Bytes ahead of the current step at which each weight row is prefetched.
/// Several weight rows stream at once (4 per group, per thread), more than
/// the hardware prefetchers keep far enough ahead: 288 bytes (16 Q4_0
/// blocks) took the TinyLlama-shaped Q4_0 model's decode from 16.7 to 20.0
/// tok/s (medians of 4 interleaved runs; 8 and 32 blocks gave 17.7 and
/// 18.5, docs/benchmarks.md).
constexpr int64_t kPrefetchBytes = 288;

/// Prefetches weight row `row` (indices before the block index) at
/// kPrefetchBytes past the start of step `step` (clamped to the row's last
/// block). Rows of per-row formats (a single block) are left to the
/// hardware.
static void emitWeightPrefetch(OpBuilder &b, Location loc,
                               const MatmulKernelSpec &spec, Value w,
                               ValueRange row, Value step, int64_t stepCodes) {
  ArrayRef<int64_t> shape = spec.weights.getShape();
  int64_t rowBlocks = shape[shape.size() - 2], blockBytes = shape.back();
  if (rowBlocks == 1)
    return; // A per-row format: one block holds the whole row.
  int64_t stepBlocks =
      std::max<int64_t>(1, rowBlocks * stepCodes / spec.reductionSize);
  int64_t distance = (kPrefetchBytes + blockBytes - 1) / blockBytes;
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value ahead = arith::MinUIOp::create(
      b, loc,
      arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, step, index(stepBlocks)),
          index(distance)),
      index(rowBlocks - 1));
  SmallVector<Value> at(row.begin(), row.end());
  at.append({ahead, index(0)});
  memref::PrefetchOp::create(b, loc, w, at, /*isWrite=*/false,
                             /*localityHint=*/3, /*isDataCache=*/true);
}

bool quant::cpu::canUseIntegerKernel(const MatmulKernelSpec &spec) {
  qt::QuantFormatAttrInterface attr = spec.format;
  fmt::FormatSpec format =
      attr.getFormatSpec().resolvedFor(spec.reductionSize);
  if (!qt::hasIntegerCodes(format) || spec.reductionSize % kChunk != 0)
    return false;
  bool perRow = attr.getBlockSize() == 0;
  return perRow || format.blockSize == kActBlock ||
         format.blockSize % kChunk == 0;
}

/// Rows [begin, end) of sibling matmuls fused into one kernel: each weight
/// segment's share of the range runs through the panels into its columns of
/// y (segments start at multiples of 16 rows, so panels stay aligned).
static void emitSegmentedPanels(OpBuilder &b, Location loc,
                                const MatmulKernelSpec &spec,
                                const KernelOperands &operands,
                                const integer::QuantizedActivations &x) {
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value rowsN = memref::DimOp::create(b, loc, operands.y, 0);
  int64_t offset = 0;
  for (auto [i, rows] : llvm::enumerate(spec.segmentRows)) {
    // The range clamped to [offset, offset + rows), relative to the segment.
    auto clamp = [&](Value row) -> Value {
      Value inside = arith::MinUIOp::create(
          b, loc, arith::MaxUIOp::create(b, loc, row, index(offset)),
          index(offset + rows));
      return arith::SubIOp::create(b, loc, inside, index(offset));
    };
    Value begin = clamp(operands.begin), end = clamp(operands.end);
    Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                      begin, end);
    auto ifAny = scf::IfOp::create(b, loc, any);
    OpBuilder tb = ifAny.getThenBodyBuilder();
    Value columns = memref::SubViewOp::create(
        tb, loc, operands.y,
        ArrayRef<OpFoldResult>{tb.getIndexAttr(0), tb.getIndexAttr(offset)},
        ArrayRef<OpFoldResult>{rowsN, tb.getIndexAttr(rows)},
        ArrayRef<OpFoldResult>{tb.getIndexAttr(1), tb.getIndexAttr(1)});
    MatmulKernelSpec segment = spec;
    segment.weights = spec.segmentWeights(i);
    segment.segmentRows.clear();
    integer::emitPackedPanels(tb, loc, segment, operands.segments[i], columns,
                              x, begin, end);
    offset += rows;
  }
}

void quant::cpu::buildIntegerMatmulKernel(OpBuilder &builder, func::FuncOp kernel,
                              const MatmulKernelSpec &spec) {
  OpBuilder::InsertionGuard guard(builder);
  KernelOperands operands = beginKernelBody(builder, kernel, spec);
  Location loc = kernel.getLoc();
  IntegerKernelBuilder k(builder, loc, spec);
  OpBuilder &b = builder;
  Type f32 = b.getF32Type(), i8 = b.getI8Type(), i32 = b.getI32Type();
  Value x = operands.x, w = operands.w, y = operands.y;

  bool batched = spec.activations.getRank() == 3;
  bool batchedWeights = spec.weights.getRank() == 4;
  bool hasMin = k.format.offset == fmt::OffsetKind::Min;
  int64_t K = spec.reductionSize;
  int64_t rowsM = spec.weights.getShape()[batchedWeights ? 1 : 0];
  Value c0 = k.index(0), c1 = k.index(1), cM = k.index(rowsM);
  Value rowsN = memref::DimOp::create(b, loc, x, batched ? 1 : 0);
  Value batches = batched ? memref::DimOp::create(b, loc, x, 0).getResult()
                          : c1;
  Value activationRows = arith::MulIOp::create(b, loc, batches, rowsN);

  // Quantized activations (4 int8 codes per i32) and, for the per-row path,
  // per-lane factors laid out so that lane l of a 64-chunk starting at
  // column c finds its values at column (c / 4 + l): laneScale = d of the
  // lane's 32-block, laneCorrection = d * (the sum of the lane's 4 codes q),
  // laneSum = the sum of the lane's 4 activations (for formats with a
  // minimum). The packed-panel path wants blockScale = d per 32-block and,
  // per weight parameter group (the 32-block, or each 16-column half of it:
  // paramGroupsPerBlock), blockCorrection = d * sum(q) and blockSum; each
  // array is allocated with rows only for the path that runs, which keeps
  // the scratch memory of a large matmul small.
  //
  // Three cases: weights packed at compile time only have the panel path;
  // row-major weights take it from kPackedPanelMinRows activation rows on
  // when the operands allow it, the per-row path otherwise.
  bool packedPanels = canUsePackedPanels(spec);
  int64_t groups = packedPanels ? paramGroupsPerBlock(spec) : 1;
  bool rowPath = !spec.packedWeights;
  Value usePanels;
  if (packedPanels && rowPath)
    usePanels = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge,
                                      activationRows,
                                      k.index(kPackedPanelMinRows));
  // Rows of the arrays of a path that may run (0 for the other one).
  auto rowsIf = [&](bool panels) -> Value {
    if (!usePanels)
      return activationRows;
    return panels ? arith::SelectOp::create(b, loc, usePanels, activationRows,
                                            c0)
                  : arith::SelectOp::create(b, loc, usePanels, c0,
                                            activationRows);
  };
  auto alloc = [&](int64_t columns, Type type, Value rows) -> Value {
    return memref::AllocOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic, columns}, type),
        ValueRange{rows}, b.getI64IntegerAttr(64));
  };
  Value xq = alloc(K / 4, i32, activationRows);
  Value laneScale, laneCorrection, laneSum;
  if (rowPath) {
    Value laneRows = rowsIf(/*panels=*/false);
    laneScale = alloc(K / kPerLane, f32, laneRows);
    laneCorrection = alloc(K / kPerLane, f32, laneRows);
    if (hasMin)
      laneSum = alloc(K / kPerLane, f32, laneRows);
  }
  QuantizedActivations quantized{activationRows, xq};
  if (packedPanels) {
    Value panelRows = rowsIf(/*panels=*/true);
    quantized.blockScale = alloc(K / kActBlock, f32, panelRows);
    quantized.blockCorrection = alloc(K / kActBlock * groups, f32, panelRows);
    if (hasMin)
      quantized.blockSum = alloc(K / kActBlock * groups, f32, panelRows);
  }

  auto rowOf = [&](OpBuilder &ob, Value batch, Value n) -> Value {
    if (!batched)
      return n;
    return arith::AddIOp::create(ob, loc,
                                 arith::MulIOp::create(ob, loc, batch, rowsN),
                                 n);
  };

  // Prepass: quantize every activation row.
  {
    auto rows = scf::ForOp::create(b, loc, c0, activationRows, c1);
    OpBuilder rb = OpBuilder::atBlockBegin(rows.getBody());
    Value r = rows.getInductionVar();
    auto blocks = scf::ForOp::create(
        rb, loc, c0, arith::ConstantIndexOp::create(rb, loc, K / kActBlock), c1);
    OpBuilder ob = OpBuilder::atBlockBegin(blocks.getBody());
    Value t = blocks.getInductionVar();
    Value col = arith::MulIOp::create(
        ob, loc, t, arith::ConstantIndexOp::create(ob, loc, kActBlock));
    SmallVector<Value> at;
    if (batched)
      at.append({arith::DivUIOp::create(ob, loc, r, rowsN),
                 arith::RemUIOp::create(ob, loc, r, rowsN)});
    else
      at.push_back(r);
    at.push_back(col);
    auto f32x32 = VectorType::get({kActBlock}, f32);
    Value a = vector::LoadOp::create(ob, loc, f32x32, x, at);
    Value amax = vector::ReductionOp::create(
        ob, loc, vector::CombiningKind::MAXNUMF, math::AbsFOp::create(ob, loc, a));
    Value d = arith::DivFOp::create(
        ob, loc, amax, arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(127.0f)));
    Value zeroF = arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(0.0f));
    Value positive =
        arith::CmpFOp::create(ob, loc, arith::CmpFPredicate::OGT, d, zeroF);
    Value inverse = arith::SelectOp::create(
        ob, loc, positive,
        arith::DivFOp::create(
            ob, loc, arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(1.0f)),
            d),
        zeroF);
    Value scaled = arith::MulFOp::create(
        ob, loc, a, vector::BroadcastOp::create(ob, loc, f32x32, inverse));
    Value rounded = math::RoundEvenOp::create(ob, loc, scaled);
    auto i32x32 = VectorType::get({kActBlock}, i32);
    Value q32 = arith::FPToSIOp::create(ob, loc, i32x32, rounded);
    Value q8 = arith::TruncIOp::create(ob, loc, VectorType::get({kActBlock}, i8),
                                       q32);
    Value quads = vector::BitCastOp::create(
        ob, loc, VectorType::get({kActBlock / 4}, i32), q8);
    Value quadCol = arith::DivUIOp::create(
        ob, loc, col, arith::ConstantIndexOp::create(ob, loc, 4));
    vector::StoreOp::create(ob, loc, quads, xq, ValueRange{r, quadCol});
    auto storeBlockFactors = [&](OpBuilder &pb) {
      memref::StoreOp::create(pb, loc, d, quantized.blockScale,
                              ValueRange{r, t});
      // The sums over each of the block's `groups` parameter groups.
      auto groupSums = [&](Value values, Type element) -> Value {
        auto sums = VectorType::get({groups}, element);
        Value zero = arith::ConstantOp::create(
            pb, loc, DenseElementsAttr::get(sums, pb.getZeroAttr(element)));
        return vector::MultiDimReductionOp::create(
            pb, loc,
            vector::ShapeCastOp::create(
                pb, loc,
                VectorType::get({groups, kActBlock / groups}, element),
                values),
            zero, ArrayRef<bool>{false, true}, vector::CombiningKind::ADD);
      };
      auto groupsF32 = VectorType::get({groups}, f32);
      Value at = arith::MulIOp::create(
          pb, loc, t, arith::ConstantIndexOp::create(pb, loc, groups));
      Value corrections = arith::MulFOp::create(
          pb, loc, vector::BroadcastOp::create(pb, loc, groupsF32, d),
          arith::SIToFPOp::create(pb, loc, groupsF32, groupSums(q32, i32)));
      vector::StoreOp::create(pb, loc, corrections, quantized.blockCorrection,
                              ValueRange{r, at});
      if (hasMin)
        vector::StoreOp::create(pb, loc, groupSums(a, f32), quantized.blockSum,
                                ValueRange{r, at});
    };
    auto storeLaneFactors = [&](OpBuilder &lb) {
      auto f32x8 = VectorType::get({kActBlock / kPerLane}, f32);
      auto i32x8 = VectorType::get({kActBlock / kPerLane}, i32);
      // Each lane's own sum of 4 codes: lanes of one block may belong to
      // weight sub-blocks of 16 with different scales.
      Value laneCodeSums = vector::MultiDimReductionOp::create(
          lb, loc,
          vector::ShapeCastOp::create(
              lb, loc, VectorType::get({kActBlock / kPerLane, kPerLane}, i32),
              q32),
          arith::ConstantOp::create(
              lb, loc, DenseElementsAttr::get(i32x8, lb.getI32IntegerAttr(0))),
          ArrayRef<bool>{false, true}, vector::CombiningKind::ADD);
      Value correction = arith::MulFOp::create(
          lb, loc, vector::BroadcastOp::create(lb, loc, f32x8, d),
          arith::SIToFPOp::create(lb, loc, f32x8, laneCodeSums));
      Value laneCol = arith::MulIOp::create(
          lb, loc, t,
          arith::ConstantIndexOp::create(lb, loc, kActBlock / kPerLane));
      vector::StoreOp::create(lb, loc,
                              vector::BroadcastOp::create(lb, loc, f32x8, d),
                              laneScale, ValueRange{r, laneCol});
      vector::StoreOp::create(lb, loc, correction, laneCorrection,
                              ValueRange{r, laneCol});
      if (hasMin) {
        Value grouped = vector::ShapeCastOp::create(
            lb, loc, VectorType::get({kActBlock / kPerLane, kPerLane}, f32),
            a);
        Value init = arith::ConstantOp::create(
            lb, loc, DenseElementsAttr::get(f32x8, lb.getF32FloatAttr(0.0f)));
        Value sums = vector::MultiDimReductionOp::create(
            lb, loc, grouped, init, ArrayRef<bool>{false, true},
            vector::CombiningKind::ADD);
        vector::StoreOp::create(lb, loc, sums, laneSum,
                                ValueRange{r, laneCol});
      }
    };
    if (!usePanels) {
      if (rowPath)
        storeLaneFactors(ob);
      else
        storeBlockFactors(ob);
    } else {
      auto which = scf::IfOp::create(ob, loc, usePanels,
                                     /*withElseRegion=*/true);
      OpBuilder pb = which.getThenBodyBuilder();
      storeBlockFactors(pb);
      OpBuilder lb = which.getElseBodyBuilder();
      storeLaneFactors(lb);
    }
  }

  // Output rows [begin, end) of the flattened B x M rows: batch i / M,
  // weight row i % M. Groups of `rowGroup` weight rows share every activation
  // load (the runtime's chunks start at multiples of the grain, 4, so a group
  // never straddles two batches when M is a multiple of the group).
  auto accType = VectorType::get({kLanes}, f32);
  int64_t rowGroup = rowsM % 4 == 0 ? 4 : 1;

  // Computes activation rows [n0, n0 + tile) against the weight rows
  // `ms` (all of batch `batch`).
  auto emitTile = [&](OpBuilder &tb, Value batch, ArrayRef<Value> ms, Value n0,
                      int64_t tile) {
    int64_t group = ms.size();
    Value zeroVector = arith::ConstantOp::create(
        tb, loc, DenseElementsAttr::get(accType, tb.getF32FloatAttr(0.0f)));
    SmallVector<Value> inits(group * tile, zeroVector);
    SmallVector<Value> rows;
    for (int64_t j = 0; j < tile; ++j)
      rows.push_back(rowOf(
          tb, batch,
          arith::AddIOp::create(tb, loc, n0,
                                arith::ConstantIndexOp::create(tb, loc, j))));
    auto steps = scf::ForOp::create(
        tb, loc, arith::ConstantIndexOp::create(tb, loc, 0),
        arith::ConstantIndexOp::create(tb, loc, K / k.stepCodes),
        arith::ConstantIndexOp::create(tb, loc, 1), inits);
    {
      OpBuilder sb = OpBuilder::atBlockBegin(steps.getBody());
      IntegerKernelBuilder sk(sb, loc, spec);
      Value step = steps.getInductionVar();
      SmallVector<SmallVector<Chunk>> chunksPerRow;
      for (Value m : ms) {
        SmallVector<Value> weightRow;
        if (batchedWeights)
          weightRow.push_back(batch);
        weightRow.push_back(m);
        chunksPerRow.push_back(sk.decodeStep(weightRow, step, w));
        emitWeightPrefetch(sb, loc, spec, w, weightRow, step, k.stepCodes);
      }
      Value stepStart = arith::MulIOp::create(
          sb, loc, step, arith::ConstantIndexOp::create(sb, loc, k.stepCodes));
      SmallVector<Value> accs(steps.getRegionIterArgs().begin(),
                              steps.getRegionIterArgs().end());
      for (size_t c = 0; c < chunksPerRow.front().size(); ++c) {
        Value col = arith::AddIOp::create(
            sb, loc, stepStart,
            arith::ConstantIndexOp::create(sb, loc, int64_t(c) * kChunk));
        Value laneCol = arith::DivUIOp::create(
            sb, loc, col, arith::ConstantIndexOp::create(sb, loc, kPerLane));
        for (int64_t j = 0; j < tile; ++j) {
          Value activations = vector::BitCastOp::create(
              sb, loc, VectorType::get({kChunk}, i8),
              vector::LoadOp::create(sb, loc, VectorType::get({kLanes}, i32),
                                     xq, ValueRange{rows[j], laneCol}));
          Value scaleA = vector::LoadOp::create(sb, loc, accType, laneScale,
                                                ValueRange{rows[j], laneCol});
          Value corr = vector::LoadOp::create(sb, loc, accType, laneCorrection,
                                              ValueRange{rows[j], laneCol});
          Value sums;
          if (hasMin)
            sums = vector::LoadOp::create(sb, loc, accType, laneSum,
                                          ValueRange{rows[j], laneCol});
          for (int64_t r = 0; r < group; ++r) {
            const Chunk &chunk = chunksPerRow[r][c];
            Value &acc = accs[r * tile + j];
            Value dots = sk.dot(chunk.codes, activations);
            Value asFloat = arith::SIToFPOp::create(sb, loc, accType, dots);
            // −zero·correction is the same for every row of a format with a
            // constant zero point (Q4_0's 8): CSE leaves one per activation
            // row and chunk.
            Value negZero = arith::NegFOp::create(sb, loc, chunk.zero);
            Value zeroCorrection =
                arith::MulFOp::create(sb, loc, negZero, corr);
            Value term = vector::FMAOp::create(sb, loc, asFloat, scaleA,
                                               zeroCorrection);
            acc = vector::FMAOp::create(sb, loc, chunk.scale, term, acc);
            if (chunk.min)
              acc = vector::FMAOp::create(sb, loc, chunk.min, sums, acc);
          }
        }
      }
      scf::YieldOp::create(sb, loc, accs);
    }
    for (int64_t r = 0; r < group; ++r) {
      for (int64_t j = 0; j < tile; ++j) {
        Value sum = vector::ReductionOp::create(
            tb, loc, vector::CombiningKind::ADD, steps.getResult(r * tile + j));
        Value n = arith::AddIOp::create(
            tb, loc, n0, arith::ConstantIndexOp::create(tb, loc, j));
        SmallVector<Value> at;
        if (batched)
          at.push_back(batch);
        at.append({n, ms[r]});
        memref::StoreOp::create(tb, loc, sum, y, at);
      }
    }
  };

  // Activation rows [nBegin, nEnd) (tiles of rowTile, then one at a time)
  // against the weight rows of the group starting at flattened row i.
  Value nBegin, nEnd;
  auto emitRows = [&](OpBuilder &rb, Value i, int64_t group) {
    Value batch = arith::DivUIOp::create(rb, loc, i, cM);
    Value m0 = arith::RemUIOp::create(rb, loc, i, cM);
    SmallVector<Value> ms;
    for (int64_t r = 0; r < group; ++r)
      ms.push_back(arith::AddIOp::create(
          rb, loc, m0, arith::ConstantIndexOp::create(rb, loc, r)));
    // group x rowTile accumulators: each decoded chunk meets rowTile
    // activation rows.
    emitTiledLoop(rb, loc, nBegin, nEnd, spec.rowTile,
                  [&](OpBuilder &tb, Value n0, int64_t count) {
                    emitTile(tb, batch, ms, n0, count);
                  });
  };

  // Packed weights: every weight row through the panels. Row-major weights
  // with enough activation rows: also all of them (the same path whatever
  // the thread count, so results do not depend on it); otherwise the
  // per-row path, whose activation rows stay in L2 in blocks while the
  // weight rows stream.
  if (!rowPath && !operands.segments.empty()) {
    emitSegmentedPanels(b, loc, spec, operands, quantized);
  } else if (!rowPath) {
    emitPackedPanels(b, loc, spec, w, y, quantized, operands.begin,
                     operands.end);
  } else {
    Value rowsBegin = operands.begin;
    if (usePanels) {
      auto ifPacked = scf::IfOp::create(b, loc, usePanels);
      OpBuilder tb = ifPacked.getThenBodyBuilder();
      emitPackedPanels(tb, loc, spec, w, y, quantized, operands.begin,
                       operands.end);
      rowsBegin = arith::SelectOp::create(b, loc, usePanels, operands.end,
                                          operands.begin);
    }
    Value blockRows = k.index(kActivationBlockRows);
    auto blocks = scf::ForOp::create(b, loc, c0, rowsN, blockRows);
    OpBuilder bb = OpBuilder::atBlockBegin(blocks.getBody());
    nBegin = blocks.getInductionVar();
    nEnd = arith::MinUIOp::create(
        bb, loc, arith::AddIOp::create(bb, loc, nBegin, blockRows), rowsN);
    emitTiledLoop(bb, loc, rowsBegin, operands.end, rowGroup,
                  [&](OpBuilder &rb, Value i, int64_t count) {
                    emitRows(rb, i, count);
                  });
  }
  for (Value buffer : {xq, laneScale, laneCorrection, laneSum,
                       quantized.blockScale, quantized.blockCorrection,
                       quantized.blockSum})
    if (buffer)
      memref::DeallocOp::create(b, loc, buffer);
  func::ReturnOp::create(b, loc);
}
