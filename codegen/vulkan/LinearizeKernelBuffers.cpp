//===- LinearizeKernelBuffers.cpp - strided kernel buffers as flat ones ---===//
//
// SPIR-V addresses a buffer through a runtime array with compile-time
// strides, so a kernel argument can only be a dense buffer whose strides are
// static (static sizes after the first). Views with a dynamic offset (a
// layer's slice of the KV cache) or dynamic strides (attention scores of
// dynamic length) are passed instead as their underlying allocation, a flat
// `memref<?xT>` starting at the allocation's first element, plus index
// arguments for the offset, strides and sizes that are not static; the
// kernel's loads and stores index the flat buffer with
// offset + Σ index_d · stride_d.
//
//===----------------------------------------------------------------------===//

#include "codegen/vulkan/Passes.h"

#include "llvm/ADT/BitVector.h"

namespace quant::vulkan {
#define GEN_PASS_DEF_LINEARIZEKERNELBUFFERSPASS
#include "codegen/vulkan/Passes.h.inc"
} // namespace quant::vulkan

using namespace mlir;

namespace {

/// Whether SPIR-V can index a buffer of `type` directly: the identity layout
/// with every size after the first static.
bool isDirectlyAddressable(MemRefType type) {
  if (!type.getLayout().isIdentity())
    return false;
  return type.getRank() <= 1 ||
         !llvm::any_of(type.getShape().drop_front(), ShapedType::isDynamic);
}

/// The layout of a linearized argument: its offset, strides and sizes, each
/// static or taken from an added kernel argument.
struct FlatLayout {
  int64_t staticOffset;
  SmallVector<int64_t> staticStrides;
  ArrayRef<int64_t> staticSizes;
  /// The sizes the kernel queries (memref.dim); only those are passed.
  SmallVector<bool> sizeUsed;
  /// Kernel-side values (set once the arguments exist; null for unused
  /// sizes).
  Value offset;
  SmallVector<Value> strides, sizes;
};

/// Checks that the kernel only loads, stores and queries static dimensions
/// of `argument`; sets `sizeUsed[d]` for each dimension d it queries.
LogicalResult checkUses(BlockArgument argument,
                        SmallVectorImpl<bool> &sizeUsed) {
  sizeUsed.assign(cast<MemRefType>(argument.getType()).getRank(), false);
  for (Operation *user : argument.getUsers()) {
    if (isa<memref::LoadOp, memref::StoreOp>(user))
      continue;
    auto dim = dyn_cast<memref::DimOp>(user);
    if (!dim)
      return user->emitOpError("uses strided kernel argument ")
             << argument.getArgNumber()
             << ", which the Vulkan kernel ABI cannot linearize";
    std::optional<int64_t> axis = dim.getConstantIndex();
    if (!axis)
      return dim.emitOpError(
          "queries a dynamic dimension of a strided kernel argument");
    sizeUsed[*axis] = true;
  }
  return success();
}

struct LinearizeKernelBuffersPass
    : quant::vulkan::impl::LinearizeKernelBuffersPassBase<
          LinearizeKernelBuffersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    DenseMap<Operation *, SmallVector<gpu::LaunchFuncOp>> launches;
    module.walk([&](gpu::LaunchFuncOp launch) {
      if (auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
              launch, launch.getKernel()))
        launches[kernel].push_back(launch);
    });
    WalkResult result = module.walk([&](gpu::GPUFuncOp kernel) {
      if (!kernel.isKernel())
        return WalkResult::advance();
      return failed(linearize(kernel, launches.lookup(kernel)))
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }

  /// Replaces every strided buffer argument of `kernel`, in the kernel and
  /// at each of its launches (taken by value: a copy the caller's map
  /// lookup returns anyway).
  LogicalResult linearize(gpu::GPUFuncOp kernel,
                          SmallVector<gpu::LaunchFuncOp> kernelLaunches) {
    unsigned originalCount = kernel.getNumArguments();
    llvm::BitVector erased(originalCount);
    // Per launch, the operands that replace the erased ones (appended).
    SmallVector<SmallVector<Value>> appended(kernelLaunches.size());
    for (unsigned i = 0; i < originalCount; ++i) {
      BlockArgument argument = kernel.getArgument(i);
      auto type = dyn_cast<MemRefType>(argument.getType());
      if (!type || isDirectlyAddressable(type))
        continue;
      FlatLayout layout;
      if (failed(type.getStridesAndOffset(layout.staticStrides,
                                          layout.staticOffset)))
        return kernel.emitOpError("argument ")
               << i << " has a layout that is not strided";
      layout.staticSizes = type.getShape();
      if (failed(checkUses(argument, layout.sizeUsed)))
        return failure();
      erased.set(i);
      Value flat = addKernelArguments(kernel, type, layout);
      rewriteUses(argument, flat, layout);
      for (auto [launch, operands] : llvm::zip(kernelLaunches, appended))
        appendHostOperands(launch, launch.getKernelOperands()[i], layout,
                           operands);
    }
    if (erased.none())
      return success();
    if (failed(kernel.eraseArguments(erased)))
      return kernel.emitOpError("cannot drop its strided arguments");
    for (auto [launch, operands] : llvm::zip(kernelLaunches, appended)) {
      SmallVector<Value> kept;
      for (auto [i, operand] : llvm::enumerate(launch.getKernelOperands()))
        if (!erased.test(i))
          kept.push_back(operand);
      kept.append(operands);
      launch.getKernelOperandsMutable().assign(kept);
    }
    return success();
  }

  /// Appends the flat buffer and the dynamic layout values as arguments of
  /// `kernel`; returns the flat buffer and fills `layout`'s values.
  Value addKernelArguments(gpu::GPUFuncOp kernel, MemRefType type,
                           FlatLayout &layout) {
    Location loc = kernel.getLoc();
    MLIRContext *context = kernel.getContext();
    Type index = IndexType::get(context);
    Block &entry = kernel.getBody().front();
    auto append = [&](Type argumentType) -> Value {
      unsigned position = kernel.getNumArguments();
      // gpu.func accepts any argument type: inserting cannot fail.
      (void)kernel.insertArgument(position, argumentType, {}, loc);
      return kernel.getArgument(position);
    };
    Value flat = append(MemRefType::get({ShapedType::kDynamic},
                                        type.getElementType()));
    OpBuilder b = OpBuilder::atBlockBegin(&entry);
    auto staticOrArgument = [&](int64_t value) -> Value {
      if (ShapedType::isDynamic(value))
        return append(index);
      return arith::ConstantIndexOp::create(b, loc, value);
    };
    layout.offset = staticOrArgument(layout.staticOffset);
    for (int64_t stride : layout.staticStrides)
      layout.strides.push_back(staticOrArgument(stride));
    for (auto [size, used] : llvm::zip(layout.staticSizes, layout.sizeUsed))
      layout.sizes.push_back(used ? staticOrArgument(size) : Value());
    return flat;
  }

  /// Loads, stores and size queries of `argument` through `flat`.
  void rewriteUses(BlockArgument argument, Value flat,
                   const FlatLayout &layout) {
    auto linearIndex = [&](OpBuilder &b, Location loc, ValueRange indices) {
      Value linear = layout.offset;
      for (auto [index, stride] : llvm::zip(indices, layout.strides))
        linear = arith::AddIOp::create(
            b, loc, linear, arith::MulIOp::create(b, loc, index, stride));
      return linear;
    };
    for (Operation *user : llvm::make_early_inc_range(argument.getUsers())) {
      OpBuilder b(user);
      Location loc = user->getLoc();
      if (auto load = dyn_cast<memref::LoadOp>(user)) {
        Value linear = linearIndex(b, loc, load.getIndices());
        load.replaceAllUsesWith(
            memref::LoadOp::create(b, loc, flat, ValueRange{linear})
                .getResult());
      } else if (auto store = dyn_cast<memref::StoreOp>(user)) {
        Value linear = linearIndex(b, loc, store.getIndices());
        memref::StoreOp::create(b, loc, store.getValueToStore(), flat,
                                ValueRange{linear});
      } else {
        auto dim = cast<memref::DimOp>(user);
        dim.replaceAllUsesWith(layout.sizes[*dim.getConstantIndex()]);
      }
      user->erase();
    }
  }

  /// Before `launch`: the allocation behind `view` as a flat buffer reaching
  /// its last element, and the view's dynamic offset, strides and sizes (in
  /// the order addKernelArguments added them).
  void appendHostOperands(gpu::LaunchFuncOp launch, Value view,
                          const FlatLayout &layout,
                          SmallVectorImpl<Value> &operands) {
    OpBuilder b(launch);
    Location loc = launch.getLoc();
    auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, view);
    // extent = 0 when the view is empty, else offset + Σ (size−1)·stride + 1.
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value extent = arith::AddIOp::create(b, loc, metadata.getOffset(), one);
    Value empty = arith::ConstantIntOp::create(b, loc, 0, 1);
    for (auto [size, stride] :
         llvm::zip(metadata.getSizes(), metadata.getStrides())) {
      Value last = arith::SubIOp::create(b, loc, size, one);
      extent = arith::AddIOp::create(
          b, loc, extent, arith::MulIOp::create(b, loc, last, stride));
      empty = arith::OrIOp::create(
          b, loc, empty,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size, zero));
    }
    extent = arith::SelectOp::create(b, loc, empty, zero, extent);
    auto viewType = cast<MemRefType>(view.getType());
    Value flat = memref::ReinterpretCastOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic}, viewType.getElementType()),
        metadata.getBaseBuffer(), OpFoldResult(b.getIndexAttr(0)),
        ArrayRef<OpFoldResult>{extent},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    operands.push_back(flat);
    if (ShapedType::isDynamic(layout.staticOffset))
      operands.push_back(metadata.getOffset());
    for (auto [value, stride] :
         llvm::zip(metadata.getStrides(), layout.staticStrides))
      if (ShapedType::isDynamic(stride))
        operands.push_back(value);
    for (auto [value, size, used] : llvm::zip(
             metadata.getSizes(), layout.staticSizes, layout.sizeUsed))
      if (used && ShapedType::isDynamic(size))
        operands.push_back(value);
  }
};

} // namespace
