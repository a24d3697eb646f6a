//===- LowerDispatch.cpp - qt.dispatch to the runtime's parallel loop -----===//

#include "codegen/cpu/ParallelFor.h"
#include "codegen/cpu/PointerMemRef.h"
#include "codegen/cpu/Passes.h"
#include "dialects/qt/QtOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

namespace quant::cpu {
#define GEN_PASS_DEF_LOWERDISPATCHPASS
#include "codegen/cpu/Passes.h.inc"
} // namespace quant::cpu

using namespace mlir;
using namespace quant;
using namespace quant::cpu;

namespace {

/// True when `type` is dense row-major with no offset.
bool isDense(MemRefType type) { return type.getLayout().isIdentity(); }

/// A dense copy of `buffer` (or `buffer` itself when already dense).
Value denseCopy(OpBuilder &b, Location loc, Value buffer, bool copyIn) {
  auto type = cast<MemRefType>(buffer.getType());
  if (isDense(type))
    return buffer;
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(memref::DimOp::create(b, loc, buffer, d));
  auto denseType = MemRefType::get(type.getShape(), type.getElementType());
  Value copy = memref::AllocOp::create(b, loc, denseType, dynamicSizes,
                                       b.getI64IntegerAttr(64));
  if (copyIn)
    memref::CopyOp::create(b, loc, buffer, copy);
  return copy;
}

struct LowerDispatchPass
    : quant::cpu::impl::LowerDispatchPassBase<LowerDispatchPass> {
  using LowerDispatchPassBase::LowerDispatchPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<qt::DispatchOp> dispatches;
    WalkResult walk = module.walk([&](qt::DispatchOp op) {
      if (op.getNumResults() != 0) {
        op.emitOpError("must be bufferized before lowering");
        return WalkResult::interrupt();
      }
      dispatches.push_back(op);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (dispatches.empty())
      return;
    func::FuncOp parallelFor = declareParallelFor(module);
    MLIRContext *context = module.getContext();
    Type ptr = LLVM::LLVMPointerType::get(context);

    for (qt::DispatchOp op : dispatches) {
      Location loc = op.getLoc();
      OpBuilder b(op);
      SmallVector<Value> operands, outputsToCopyBack;
      for (Value input : op.getInputs())
        operands.push_back(denseCopy(b, loc, input, /*copyIn=*/true));
      for (Value output : op.getOutputs()) {
        Value dense = denseCopy(b, loc, output, /*copyIn=*/false);
        operands.push_back(dense);
        outputsToCopyBack.push_back(dense);
      }

      // The operand array: data pointers, then dynamic sizes.
      int64_t slots = operands.size();
      for (Value operand : operands)
        slots += cast<MemRefType>(operand.getType()).getNumDynamicDims();
      auto function = op->getParentOfType<FunctionOpInterface>();
      OpBuilder entryBuilder =
          OpBuilder::atBlockBegin(&function.getFunctionBody().front());
      Value slotCount = arith::ConstantOp::create(
          entryBuilder, loc, entryBuilder.getI64IntegerAttr(slots));
      Value array = LLVM::AllocaOp::create(entryBuilder, loc, ptr,
                                           entryBuilder.getI64Type(),
                                           slotCount, /*alignment=*/8);
      int64_t slot = 0;
      for (Value operand : operands)
        storeSlot(b, loc, array, slot++, pointerFromMemRef(b, loc, operand));
      for (Value operand : operands) {
        auto type = cast<MemRefType>(operand.getType());
        for (int64_t d = 0; d < type.getRank(); ++d) {
          if (!type.isDynamicDim(d))
            continue;
          Value size = memref::DimOp::create(b, loc, operand, d);
          storeSlot(b, loc, array, slot++,
                    arith::IndexCastOp::create(b, loc, b.getI64Type(), size));
        }
      }

      Value kernel = func::ConstantOp::create(b, loc, parallelKernelType(context),
                                              op.getKernelAttr());
      Value count = arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                               op.getCount());
      Value grainValue =
          arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(grain));
      func::CallOp::create(b, loc, parallelFor,
                           ValueRange{kernel, array, count, grainValue});
      // Outputs computed in a dense temporary go back to their buffers.
      for (auto [output, dense] :
           llvm::zip(op.getOutputs(), outputsToCopyBack))
        if (output != dense) {
          memref::CopyOp::create(b, loc, dense, output);
          memref::DeallocOp::create(b, loc, dense);
        }
      op.erase();
    }
  }
};

} // namespace
