//===- MatmulKernel.cpp - CPU kernels for qt.matmul -----------------------===//
//
// The dequantize-in-registers strategy, valid for every format: for each
// weight row, each block is decoded once into a vector of floats by the
// format's emitDequantizeBlock hook and multiplied into a tile of activation
// rows with vector FMAs; one horizontal reduction per output element ends
// the row. Per-row formats (one scale per row) are decoded in chunks of 32
// elements: each chunk's codes are joined to the row's header and decoded as
// a block of the same format with 32 elements.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/MatmulKernel.h"
#include "codegen/cpu/KernelSupport.h"
#include "codegen/cpu/PointerMemRef.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace quant;
using namespace quant::cpu;

namespace {

/// Activation rows (f32, up to 56 KiB each at K = 14336) processed against
/// all of a thread's weight rows before moving on: 8 rows stay in L2.
constexpr int64_t kActivationBlockRows = 8;

/// Reads the bytes of one decoding step (a block, or a chunk of a per-row
/// format's row together with the row's header) and decodes them.
class BlockReader {
public:
  BlockReader(const MatmulKernelSpec &kernelSpec, Value weights)
      : spec(kernelSpec), plan(planRowDecode(kernelSpec)), weights(weights) {}

  int64_t getElementsPerStep() const { return plan.elementsPerStep; }
  int64_t getSteps() const { return plan.steps; }

  /// Decodes step `step` of weight row `row` (indices into the storage
  /// without the block and byte dimensions) into `vector<E x f32>`.
  Value decode(OpBuilder &b, Location loc, ValueRange row, Value step) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    if (!plan.chunked) {
      Value bytes = loadHeaderAndCodes(
          b, loc, weights, row, step, plan.headerSplit,
          arith::ConstantIndexOp::create(b, loc, plan.headerSplit),
          plan.blockBytes - plan.headerSplit);
      return spec.format.emitDequantizeBlock(b, loc, bytes,
                                             unsigned(spec.reductionSize));
    }
    // The row's header with this step's slice of codes, as a block of
    // plan.stepSpec.
    Value offset = arith::AddIOp::create(
        b, loc, arith::ConstantIndexOp::create(b, loc, plan.headerBytes),
        arith::MulIOp::create(
            b, loc, step,
            arith::ConstantIndexOp::create(b, loc, plan.chunkCodeBytes)));
    Value bytes = loadHeaderAndCodes(b, loc, weights, row, zero,
                                     plan.headerBytes, offset,
                                     plan.chunkCodeBytes);
    return qt::emitDequantizeBlock(b, loc, plan.stepSpec, bytes);
  }

private:
  MatmulKernelSpec spec;
  RowDecodePlan plan;
  Value weights;
};

} // namespace

void quant::cpu::buildMatmulKernel(OpBuilder &builder, func::FuncOp kernel,
                              const MatmulKernelSpec &spec) {
  OpBuilder::InsertionGuard guard(builder);
  KernelOperands operands = beginKernelBody(builder, kernel, spec);
  OpBuilder &b = builder;
  Location loc = kernel.getLoc();
  Value x = operands.x, w = operands.w, y = operands.y;
  Value begin = operands.begin, end = operands.end;
  bool batched = spec.activations.getRank() == 3;
  bool batchedWeights = spec.weights.getRank() == 4;
  int64_t rowsM = spec.weights.getShape()[batchedWeights ? 1 : 0];
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value cM = arith::ConstantIndexOp::create(b, loc, rowsM);
  Value rowsN = memref::DimOp::create(b, loc, x, batched ? 1 : 0);

  BlockReader reader(spec, w);
  int64_t elements = reader.getElementsPerStep();
  auto floatVector = VectorType::get({elements}, b.getF32Type());
  // Accumulators are one register wide (16 lanes); a decoded block is folded
  // into them 16 elements at a time, so large blocks (K-quants, per-row
  // chunks) do not multiply the number of live registers.
  int64_t accLanes = std::min<int64_t>(elements, 16);
  if (elements % accLanes != 0)
    accLanes = elements;
  auto accType = VectorType::get({accLanes}, b.getF32Type());

  // Blocks of activation rows small enough to stay in L2 while every weight
  // row of [begin, end) streams past them.
  auto blocks = scf::ForOp::create(b, loc, c0, rowsN,
                                   arith::ConstantIndexOp::create(
                                       b, loc, kActivationBlockRows));
  OpBuilder bb = OpBuilder::atBlockBegin(blocks.getBody());
  Value nBegin = blocks.getInductionVar();
  Value nEnd = arith::MinUIOp::create(
      bb, loc,
      arith::AddIOp::create(
          bb, loc, nBegin,
          arith::ConstantIndexOp::create(bb, loc, kActivationBlockRows)),
      rowsN);

  // Output row i of the flattened B x M rows: batch i / M, weight row i % M.
  auto rowLoop = scf::ForOp::create(bb, loc, begin, end, c1);
  {
    OpBuilder rb = OpBuilder::atBlockBegin(rowLoop.getBody());
    Value i = rowLoop.getInductionVar();
    Value batch = arith::DivUIOp::create(rb, loc, i, cM);
    Value m = arith::RemUIOp::create(rb, loc, i, cM);
    SmallVector<Value> weightRow;
    if (batchedWeights)
      weightRow.push_back(batch);
    weightRow.push_back(m);

    // Computes `tile` activation rows starting at n0 against weight row m.
    auto emitTile = [&](OpBuilder &tb, Value n0, int64_t tile) {
      Value zeroVector = arith::ConstantOp::create(
          tb, loc, DenseElementsAttr::get(accType, 0.0f));
      SmallVector<Value> inits(tile, zeroVector);
      auto stepLoop = scf::ForOp::create(
          tb, loc, c0,
          arith::ConstantIndexOp::create(tb, loc, reader.getSteps()), c1,
          inits);
      {
        OpBuilder sb = OpBuilder::atBlockBegin(stepLoop.getBody());
        Value step = stepLoop.getInductionVar();
        Value values = reader.decode(sb, loc, weightRow, step);
        Value column = arith::MulIOp::create(
            sb, loc, step, arith::ConstantIndexOp::create(sb, loc, elements));
        SmallVector<Value> updated;
        for (int64_t j = 0; j < tile; ++j) {
          Value n = arith::AddIOp::create(
              sb, loc, n0, arith::ConstantIndexOp::create(sb, loc, j));
          SmallVector<Value> index;
          if (batched)
            index.push_back(batch);
          index.append({n, column});
          Value activations =
              vector::LoadOp::create(sb, loc, floatVector, x, index);
          Value acc = stepLoop.getRegionIterArg(j);
          for (int64_t c = 0; c < elements; c += accLanes) {
            auto slice = [&](Value v) -> Value {
              if (accLanes == elements)
                return v;
              return vector::ExtractStridedSliceOp::create(
                  sb, loc, v, ArrayRef<int64_t>{c},
                  ArrayRef<int64_t>{accLanes}, ArrayRef<int64_t>{1});
            };
            acc = vector::FMAOp::create(sb, loc, slice(values),
                                        slice(activations), acc);
          }
          updated.push_back(acc);
        }
        scf::YieldOp::create(sb, loc, updated);
      }
      for (int64_t j = 0; j < tile; ++j) {
        Value sum = vector::ReductionOp::create(
            tb, loc, vector::CombiningKind::ADD, stepLoop.getResult(j));
        Value n = arith::AddIOp::create(
            tb, loc, n0, arith::ConstantIndexOp::create(tb, loc, j));
        SmallVector<Value> index;
        if (batched)
          index.push_back(batch);
        index.append({n, m});
        memref::StoreOp::create(tb, loc, sum, y, index);
      }
    };

    // Full tiles of the block's activation rows, then the rest one by one.
    emitTiledLoop(rb, loc, nBegin, nEnd, spec.rowTile,
                  [&](OpBuilder &tb, Value n0, int64_t count) {
                    emitTile(tb, n0, count);
                  });
  }
  func::ReturnOp::create(b, loc);
}
