//===- ParallelizeLoops.cpp - host linalg ops on the runtime's thread pool -===//
//
// After bufferization, the host functions still compute the layers' other
// ops (attention, normalizations, activations) as `linalg.generic`s, which
// become loops on one thread. This pass splits each large enough generic
// along one of its parallel loops: the generic moves into a kernel
// `(operands, begin, end)` that runs it on the slice [begin, end) of that
// loop, and the host calls `qrt_parallel_for` over the loop's range.
//
// Operands travel as their strided metadata (aligned pointer, offset, sizes,
// strides), so views such as a KV cache's prefix are passed without copies;
// scalars the body captures travel as 64-bit slots. Slicing a parallel loop
// changes no reduction order, so results do not depend on the thread count.
//
// A generic whose dynamic loop ranges decide whether it is worth splitting
// (attention over a sequence of any length) is outlined all the same; the
// host multiplies the ranges at run time and runs the kernel on the pool or,
// below the threshold, the original op inline.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/ParallelFor.h"
#include "codegen/cpu/Passes.h"
#include "codegen/cpu/PointerMemRef.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace quant::cpu {
#define GEN_PASS_DEF_PARALLELIZELOOPSPASS
#include "codegen/cpu/Passes.h.inc"
} // namespace quant::cpu

using namespace mlir;
using namespace quant;
using namespace quant::cpu;

namespace {

constexpr llvm::StringLiteral kKernelPrefix = "__qt_loop_kernel_";

/// How a generic is split: loop `loop`, found at dimension `operandDims[i]`
/// of operand i (-1: the operand is not sliced).
struct Split {
  unsigned loop = 0;
  SmallVector<int64_t> operandDims;
  /// Values the body uses from above (constants excluded).
  SmallVector<Value> captured;
  /// The product of the static loop ranges (saturated at min-work). When it
  /// is below min-work and some ranges are dynamic, the host decides at run
  /// time: the whole product reaching min-work runs on the pool, else the
  /// op runs inline as it was.
  int64_t staticWork = 1;
  bool decidedAtRunTime = false;
};

/// The split of `op`, or nothing when it should stay on one thread.
std::optional<Split> planSplit(linalg::GenericOp op, int64_t minWork) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() == 0)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  // Saturates at minWork: only the comparison matters.
  int64_t staticWork = 1;
  bool dynamic = false;
  for (int64_t range : ranges) {
    if (ShapedType::isDynamic(range)) {
      dynamic = true;
      continue;
    }
    staticWork = range != 0 && staticWork > minWork / range
                     ? minWork
                     : staticWork * range;
  }
  if (staticWork < minWork && !dynamic)
    return std::nullopt;
  // Scalars the body captures travel as 64-bit slots; anything else (a
  // memref read inside the body) keeps the op on one thread.
  SmallVector<Value> captured;
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(op->getRegion(0), above);
  for (Value value : above) {
    if (value.getDefiningOp<arith::ConstantOp>())
      continue;
    Type type = value.getType();
    bool fits = type.isIndex() ||
                (type.isIntOrFloat() && type.getIntOrFloatBitWidth() <= 64);
    if (!fits)
      return std::nullopt;
    captured.push_back(value);
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (unsigned loop = 0; loop < ranges.size(); ++loop) {
    if (iterators[loop] != utils::IteratorType::parallel || ranges[loop] == 1)
      continue;
    Split split;
    split.loop = loop;
    split.captured = captured;
    split.staticWork = staticWork;
    split.decidedAtRunTime = staticWork < minWork;
    bool outputsSliced = true, plainUses = true;
    for (OpOperand &operand : op->getOpOperands()) {
      AffineMap map = maps[operand.getOperandNumber()];
      int64_t dim = -1;
      for (unsigned r = 0; r < map.getNumResults(); ++r) {
        AffineExpr result = map.getResult(r);
        auto expr = dyn_cast<AffineDimExpr>(result);
        if (expr && expr.getPosition() == loop && dim < 0)
          dim = r;
        // The loop inside a compound index (i + j) would see slice-relative
        // values: such operands cannot be sliced nor passed whole.
        else if (result.isFunctionOfDim(loop))
          plainUses = false;
      }
      // Every output must be sliced along the loop: two threads may not
      // write the same element.
      if (dim < 0 && op.isDpsInit(&operand))
        outputsSliced = false;
      split.operandDims.push_back(dim);
    }
    if (!outputsSliced || !plainUses)
      continue;
    return split;
  }
  return std::nullopt;
}

/// Bits of `value` (an integer, index or float of at most 64 bits) as i64.
Value toSlot(OpBuilder &b, Location loc, Value value) {
  Type i64 = b.getI64Type();
  Type type = value.getType();
  if (type.isIndex())
    return arith::IndexCastOp::create(b, loc, i64, value);
  unsigned width = type.getIntOrFloatBitWidth();
  if (isa<FloatType>(type))
    value = arith::BitcastOp::create(b, loc, b.getIntegerType(width), value);
  if (width < 64)
    value = arith::ExtUIOp::create(b, loc, i64, value);
  return value;
}

/// The inverse of toSlot.
Value fromSlot(OpBuilder &b, Location loc, Value slot, Type type) {
  if (type.isIndex())
    return arith::IndexCastOp::create(b, loc, type, slot);
  unsigned width = type.getIntOrFloatBitWidth();
  if (width < 64)
    slot = arith::TruncIOp::create(b, loc, b.getIntegerType(width), slot);
  if (isa<FloatType>(type))
    slot = arith::BitcastOp::create(b, loc, type, slot);
  return slot;
}

/// The buffer `value` is a view of: views (subview, reshapes, casts) are
/// followed to their source.
Value viewRoot(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// Whether two operands' memory may overlap: views of the same buffer, or
/// of two buffers neither of which is a fresh allocation (function
/// arguments may be the same buffer).
bool mayOverlap(Value a, Value b) {
  Value rootA = viewRoot(a), rootB = viewRoot(b);
  if (rootA == rootB)
    return true;
  auto fresh = [](Value root) {
    return root.getDefiningOp<memref::AllocOp>() ||
           root.getDefiningOp<memref::AllocaOp>();
  };
  return !fresh(rootA) && !fresh(rootB);
}

/// For each operand of `op`, whether its memory overlaps no other operand
/// where either of the two is written (read-only operands may share
/// memory: LLVM's noalias only concerns memory that is modified).
SmallVector<bool> disjointOperands(linalg::GenericOp op) {
  SmallVector<bool> disjoint;
  for (OpOperand &a : op->getOpOperands()) {
    bool alone = true;
    for (OpOperand &b : op->getOpOperands()) {
      if (&a == &b || (!op.isDpsInit(&a) && !op.isDpsInit(&b)))
        continue;
      if (mayOverlap(a.get(), b.get()))
        alone = false;
    }
    disjoint.push_back(alone);
  }
  return disjoint;
}

/// Slots one memref operand takes: pointer, offset, sizes, strides.
int64_t memrefSlots(MemRefType type) { return 2 + 2 * type.getRank(); }

struct ParallelizeLoopsPass
    : quant::cpu::impl::ParallelizeLoopsPassBase<ParallelizeLoopsPass> {
  using ParallelizeLoopsPassBase::ParallelizeLoopsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<linalg::GenericOp, Split>> work;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() ||
          function.getSymName().starts_with("__qt_"))
        continue; // kernels already run on the pool's threads
      function.walk([&](linalg::GenericOp op) {
        if (std::optional<Split> split = planSplit(op, minWork))
          work.push_back({op, std::move(*split)});
      });
    }
    if (work.empty())
      return;
    func::FuncOp parallelFor = declareParallelFor(module);
    int64_t next = 0;
    for (auto &[op, split] : work)
      outline(module, parallelFor, op, split, next++);
  }

  void outline(ModuleOp module, func::FuncOp parallelFor, linalg::GenericOp op,
               const Split &split, int64_t number) {
    MLIRContext *context = module.getContext();
    Location loc = op.getLoc();
    Type ptr = LLVM::LLVMPointerType::get(context);
    Type i64 = IntegerType::get(context, 64);
    SmallVector<Value> operands(op->getOperands());

    // The body `(pointers..., array, begin, end)`: rebuild the operands
    // from their pointers and the array's metadata, slice them, run the
    // generic. A pointer is `llvm.noalias` when the host proves its operand
    // overlaps no operand that is written: LLVM then keeps a reduction's
    // output in registers across the loop and vectorizes it.
    std::string name = (kKernelPrefix + llvm::Twine(number)).str();
    while (module.lookupSymbol(name) || module.lookupSymbol(name + "_body"))
      name += "_";
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    SmallVector<Type> bodyTypes(operands.size(), ptr);
    bodyTypes.append({ptr, i64, i64});
    auto body = func::FuncOp::create(mb, loc, name + "_body",
                                     FunctionType::get(context, bodyTypes, {}));
    body.setPrivate();
    for (auto [i, disjoint] : llvm::enumerate(disjointOperands(op)))
      if (disjoint)
        body.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                        UnitAttr::get(context));
    Block *entry = body.addEntryBlock();
    OpBuilder kb = OpBuilder::atBlockBegin(entry);
    Value array = entry->getArgument(operands.size());
    Value begin = arith::IndexCastOp::create(
        kb, loc, kb.getIndexType(), entry->getArgument(operands.size() + 1));
    Value end = arith::IndexCastOp::create(
        kb, loc, kb.getIndexType(), entry->getArgument(operands.size() + 2));
    Value length = arith::SubIOp::create(kb, loc, end, begin);
    IRMapping mapping;
    int64_t slot = 0;
    for (auto [i, operand] : llvm::enumerate(operands)) {
      auto type = cast<MemRefType>(operand.getType());
      Value pointer = entry->getArgument(i);
      ++slot;
      auto index = [&](int64_t at) -> Value {
        return arith::IndexCastOp::create(kb, loc, kb.getIndexType(),
                                          loadSlot(kb, loc, array, at, i64));
      };
      // The type's static sizes, strides and offset stay attributes.
      auto [staticStrides, staticOffset] = type.getStridesAndOffset();
      auto value = [&](int64_t known, int64_t at) -> OpFoldResult {
        if (!ShapedType::isDynamic(known))
          return kb.getIndexAttr(known);
        return index(at);
      };
      OpFoldResult offset = value(staticOffset, slot++);
      SmallVector<OpFoldResult> sizes, strides;
      for (int64_t d = 0; d < type.getRank(); ++d)
        sizes.push_back(value(type.getDimSize(d), slot++));
      for (int64_t d = 0; d < type.getRank(); ++d)
        strides.push_back(value(staticStrides[d], slot++));
      Value base = memrefFromPointer(
          kb, loc, pointer, MemRefType::get({1}, type.getElementType()), {});
      Value view = memref::ReinterpretCastOp::create(
          kb, loc, type, base, offset, sizes, strides);
      int64_t dim = split.operandDims[i];
      if (dim >= 0) {
        SmallVector<OpFoldResult> offsets(type.getRank(), kb.getIndexAttr(0));
        SmallVector<OpFoldResult> sliceSizes = sizes;
        SmallVector<OpFoldResult> unit(type.getRank(), kb.getIndexAttr(1));
        offsets[dim] = begin;
        sliceSizes[dim] = length;
        view = memref::SubViewOp::create(kb, loc, view, offsets, sliceSizes,
                                         unit);
      }
      mapping.map(operand, view);
    }
    for (Value value : split.captured)
      mapping.map(value, fromSlot(kb, loc, loadSlot(kb, loc, array, slot++, i64),
                                  value.getType()));
    // Constants the body uses from above are cloned into the kernel.
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(op->getRegion(0), above);
    for (Value value : above)
      if (auto constant = value.getDefiningOp<arith::ConstantOp>())
        mapping.map(value, kb.clone(*constant)->getResult(0));
    auto sliced = cast<linalg::GenericOp>(kb.clone(*op, mapping));
    // linalg.index of the split loop counts from the slice's start.
    sliced.walk([&](linalg::IndexOp index) {
      if (index.getDim() != split.loop)
        return;
      OpBuilder ib(index->getContext());
      ib.setInsertionPointAfter(index);
      Value shifted = arith::AddIOp::create(ib, loc, index, begin);
      index.getResult().replaceAllUsesExcept(shifted,
                                             shifted.getDefiningOp());
    });
    func::ReturnOp::create(kb, loc);

    // The kernel the pool runs: the operands' pointers from the array, then
    // the body (LLVM inlines it where it is small; noalias arguments become
    // alias scopes there).
    auto kernel =
        func::FuncOp::create(mb, loc, name, parallelKernelType(context));
    kernel.setPrivate();
    Block *kernelEntry = kernel.addEntryBlock();
    OpBuilder kernelBuilder = OpBuilder::atBlockBegin(kernelEntry);
    SmallVector<Value> bodyArguments;
    int64_t pointerSlot = 0;
    for (Value operand : operands) {
      bodyArguments.push_back(loadSlot(kernelBuilder, loc,
                                       kernelEntry->getArgument(0),
                                       pointerSlot, ptr));
      pointerSlot += memrefSlots(cast<MemRefType>(operand.getType()));
    }
    bodyArguments.append(kernelEntry->getArguments().begin(),
                         kernelEntry->getArguments().end());
    func::CallOp::create(kernelBuilder, loc, body, bodyArguments);
    func::ReturnOp::create(kernelBuilder, loc);

    // The host: store the operands' metadata and captured scalars, call the
    // pool over the split loop's range. When the dynamic ranges decide, all
    // of that happens only once their product reaches min-work; below it
    // the op stays as it was, inline host code (the loops LLVM vectorizes
    // best where it sees the buffers' allocations).
    OpBuilder b(op);
    if (split.decidedAtRunTime) {
      Value work = arith::ConstantIndexOp::create(b, loc, split.staticWork);
      SmallVector<int64_t> staticRanges = op.getStaticLoopRanges();
      SmallVector<Range, 4> ranges =
          cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc);
      for (auto [known, range] : llvm::zip(staticRanges, ranges))
        if (ShapedType::isDynamic(known))
          work = arith::MulIOp::create(
              b, loc, work,
              getValueOrCreateConstantIndexOp(b, loc, range.size));
      Value large = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::uge, work,
          arith::ConstantIndexOp::create(b, loc, minWork));
      auto choice = scf::IfOp::create(b, loc, large, /*withElseRegion=*/true);
      op->moveBefore(choice.elseBlock()->getTerminator());
      b.setInsertionPoint(choice.thenBlock()->getTerminator());
    }
    int64_t slots = int64_t(split.captured.size());
    for (Value operand : operands)
      slots += memrefSlots(cast<MemRefType>(operand.getType()));
    auto function = op->getParentOfType<func::FuncOp>();
    OpBuilder entryBuilder =
        OpBuilder::atBlockBegin(&function.getBody().front());
    Value arrayHost = LLVM::AllocaOp::create(
        entryBuilder, loc, ptr, i64,
        arith::ConstantOp::create(entryBuilder, loc,
                                  entryBuilder.getI64IntegerAttr(slots)),
        /*alignment=*/8);
    slot = 0;
    for (Value operand : operands) {
      auto metadata =
          memref::ExtractStridedMetadataOp::create(b, loc, operand);
      storeSlot(b, loc, arrayHost, slot++, pointerFromMemRef(b, loc, operand));
      storeSlot(b, loc, arrayHost, slot++,
                toSlot(b, loc, metadata.getOffset()));
      for (Value size : metadata.getSizes())
        storeSlot(b, loc, arrayHost, slot++, toSlot(b, loc, size));
      for (Value stride : metadata.getStrides())
        storeSlot(b, loc, arrayHost, slot++, toSlot(b, loc, stride));
    }
    for (Value value : split.captured)
      storeSlot(b, loc, arrayHost, slot++, toSlot(b, loc, value));
    // The loop's range: the extent of an output along it.
    Value count;
    for (auto [i, operand] : llvm::enumerate(operands))
      if (split.operandDims[i] >= 0) {
        count = memref::DimOp::create(b, loc, operand, split.operandDims[i]);
        break;
      }
    Value kernelRef =
        func::ConstantOp::create(b, loc, parallelKernelType(context), name);
    func::CallOp::create(
        b, loc, parallelFor,
        ValueRange{kernelRef, arrayHost,
                   arith::IndexCastOp::create(b, loc, i64, count),
                   arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1))});
    if (!split.decidedAtRunTime)
      op.erase();
  }
};

} // namespace
