//===- OutlineMatmulKernels.cpp - qt.matmul to kernels + qt.dispatch ------===//

#include "codegen/cpu/KernelSupport.h"
#include "codegen/cpu/MatmulKernel.h"
#include "codegen/cpu/Passes.h"
#include "dialects/qt/QtOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

namespace quant::cpu {
#define GEN_PASS_DEF_OUTLINEMATMULKERNELSPASS
#include "codegen/cpu/Passes.h.inc"
} // namespace quant::cpu

using namespace mlir;
using namespace quant;
using namespace quant::cpu;
using quant::qt::QuantizeOp;

namespace {

MemRefType toMemRef(ShapedType type) {
  return MemRefType::get(type.getShape(), type.getElementType());
}

struct OutlineMatmulKernelsPass
    : quant::cpu::impl::OutlineMatmulKernelsPassBase<OutlineMatmulKernelsPass> {
  using OutlineMatmulKernelsPassBase::OutlineMatmulKernelsPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (strategy != "auto" && strategy != "float" && strategy != "int8") {
      module.emitError("unknown matmul strategy '")
          << strategy << "' (expected auto, float or int8)";
      return signalPassFailure();
    }
    // Quantization at run time has no CPU lowering yet; constants are
    // quantized at compile time (QuantizeOp's folder) before this pass.
    WalkResult unsupported = module.walk([](QuantizeOp op) {
      op.emitOpError("of a tensor that is not a compile-time constant is not "
                     "supported by the CPU backend yet");
      return WalkResult::interrupt();
    });
    if (unsupported.wasInterrupted())
      return signalPassFailure();
    SymbolTable symbols(module);
    SmallVector<qt::MatmulOp> matmuls;
    module.walk([&](qt::MatmulOp op) { matmuls.push_back(op); });
    OpBuilder builder(module.getContext());
    unsigned counter = 0;
    // Matmuls with the same kernel spec (format, shapes, strategy) share one
    // kernel: a model's layers need a handful of kernels, not one per layer.
    llvm::DenseMap<Attribute, func::FuncOp> kernels;
    auto kernelFor = [&](const MatmulKernelSpec &spec, bool integer) {
      Attribute encoded = encodeKernelSpec(&getContext(), spec, integer);
      func::FuncOp &kernel = kernels[encoded];
      if (!kernel) {
        std::string name;
        do {
          name = "__qt_matmul_kernel_" + std::to_string(counter++);
        } while (symbols.lookup(name));
        // The body is generated after bufferization (GenerateKernelsPass), so
        // tensor-level passes never walk it.
        kernel = declareKernel(builder, module, name);
        kernel->setAttr(kMatmulKernelAttr, encoded);
        symbols.insert(kernel);
      }
      return kernel;
    };

    // Each matmul's spec, checked.
    SmallVector<MatmulKernelSpec> specs;
    SmallVector<bool> integers;
    for (qt::MatmulOp op : matmuls) {
      auto weightType = cast<qt::QuantTensorType>(op.getRhs().getType());
      MatmulKernelSpec spec;
      spec.format = weightType.getFormat();
      spec.reductionSize = op.getLhs().getType().getShape().back();
      spec.activations = toMemRef(op.getLhs().getType());
      spec.weights = toMemRef(weightType.getStorageTensorType());
      spec.result = toMemRef(op.getType());
      spec.rowTile = rowTile;
      spec.vnni = vnni;
      spec.packedWeights = op->hasAttr(qt::kPackedWeightsAttrName);
      // Packed panels are read by the integer kernel only.
      bool integer = strategy == "int8" || spec.packedWeights ||
                     (strategy == "auto" && vnni && canUseIntegerKernel(spec));
      if (spec.packedWeights &&
          (strategy == "float" || !canUsePackedWeights(spec))) {
        op.emitOpError("has packed-panel weights, which need the int8 "
                       "strategy, a format with a panel layout and whole "
                       "panels of 16 rows");
        return signalPassFailure();
      }
      if (integer && !canUseIntegerKernel(spec)) {
        op.emitOpError("cannot use the int8 strategy with ")
            << weightType.getFormat()
            << ": it needs integer codes of at most 8 bits and a reduction "
               "size that is a multiple of 64";
        return signalPassFailure();
      }
      specs.push_back(spec);
      integers.push_back(integer);
    }

    SmallVector<SmallVector<size_t>> groups;
    if (fuseSiblings)
      groups = siblingGroups(matmuls, specs);
    llvm::DenseSet<size_t> fused;
    for (ArrayRef<size_t> group : groups) {
      outlineFused(builder, matmuls, specs, group, kernelFor);
      fused.insert(group.begin(), group.end());
    }
    for (auto [i, op] : llvm::enumerate(matmuls))
      if (!fused.contains(i))
        outlineOne(builder, op, kernelFor(specs[i], integers[i]));
  }

  /// Groups of two or more packed 2-D matmuls of one format that read the
  /// same activations in one block (the projections of a layer that share
  /// their input: queries, keys and values; gate and up), in program order,
  /// each weight available at the group's first matmul.
  SmallVector<SmallVector<size_t>>
  siblingGroups(MutableArrayRef<qt::MatmulOp> matmuls,
                ArrayRef<MatmulKernelSpec> specs) {
    DominanceInfo dominance(getOperation());
    llvm::MapVector<std::pair<Value, Attribute>, SmallVector<size_t>> byInput;
    for (auto [i, op] : llvm::enumerate(matmuls)) {
      const MatmulKernelSpec &spec = specs[i];
      if (!spec.packedWeights || spec.activations.getRank() != 2 ||
          spec.weights.getRank() != 3 || !spec.weights.hasStaticShape())
        continue;
      byInput[{op.getLhs(), spec.format}].push_back(i);
    }
    SmallVector<SmallVector<size_t>> groups;
    for (auto &[key, members] : byInput) {
      SmallVector<size_t> group;
      for (size_t i : members) {
        if (!group.empty()) {
          Operation *first = matmuls[group.front()];
          if (matmuls[i]->getBlock() != first->getBlock() ||
              !availableAt(dominance, matmuls[i].getRhs(), first))
            continue;
        }
        group.push_back(i);
      }
      if (group.size() >= 2)
        groups.push_back(std::move(group));
    }
    return groups;
  }

  /// True when `value` is defined before `op`, or by a side-effect-free op
  /// without regions (a qt.from_storage view of a weight argument) whose
  /// operands are: that op can move before `op` (hoistBefore).
  static bool availableAt(DominanceInfo &dominance, Value value,
                          Operation *op) {
    if (dominance.properlyDominates(value, op))
      return true;
    Operation *def = value.getDefiningOp();
    return def && def->getNumRegions() == 0 && isMemoryEffectFree(def) &&
           llvm::all_of(def->getOperands(), [&](Value operand) {
             return dominance.properlyDominates(operand, op);
           });
  }

  /// Moves the definition of `value` before `op` unless it already is
  /// (see availableAt).
  static void hoistBefore(Value value, Operation *op) {
    Operation *def = value.getDefiningOp();
    if (def && def->getBlock() == op->getBlock() && op->isBeforeInBlock(def))
      def->moveBefore(op);
  }

  /// Replaces the matmuls of `group` by one dispatch of a segmented kernel
  /// at the first of them, each result a slice of its columns.
  void outlineFused(OpBuilder &builder, MutableArrayRef<qt::MatmulOp> matmuls,
                    ArrayRef<MatmulKernelSpec> specs, ArrayRef<size_t> group,
                    function_ref<func::FuncOp(const MatmulKernelSpec &, bool)>
                        kernelFor) {
    qt::MatmulOp first = matmuls[group.front()];
    Location loc = first.getLoc();
    builder.setInsertionPoint(first);
    MatmulKernelSpec spec = specs[group.front()];
    SmallVector<Value> inputs{first.getLhs()};
    int64_t rows = 0;
    for (size_t i : group) {
      hoistBefore(matmuls[i].getRhs(), first);
      auto weightType =
          cast<qt::QuantTensorType>(matmuls[i].getRhs().getType());
      inputs.push_back(qt::StorageCastOp::create(
          builder, loc, weightType.getStorageTensorType(),
          matmuls[i].getRhs()));
      spec.segmentRows.push_back(weightType.getShape()[0]);
      rows += weightType.getShape()[0];
    }
    SmallVector<int64_t> weightShape(spec.weights.getShape());
    weightShape[0] = rows;
    spec.weights = MemRefType::get(weightShape, spec.weights.getElementType());
    int64_t batch = spec.activations.getShape()[0];
    auto resultType = RankedTensorType::get({batch, rows}, builder.getF32Type());
    spec.result = toMemRef(resultType);
    SmallVector<Value> dynamicSizes;
    if (resultType.isDynamicDim(0))
      dynamicSizes.push_back(
          tensor::DimOp::create(builder, loc, first.getLhs(), 0));
    Value init = tensor::EmptyOp::create(builder, loc, resultType.getShape(),
                                         builder.getF32Type(), dynamicSizes);
    auto dispatch = qt::DispatchOp::create(
        builder, loc, TypeRange{resultType},
        FlatSymbolRefAttr::get(kernelFor(spec, /*integer=*/true)),
        arith::ConstantIndexOp::create(builder, loc, rows), inputs,
        ValueRange{init});
    // Each result is its slice of the joint columns. (The matmuls are
    // erased only once every slice exists: the first one marks where the
    // builder inserts.)
    SmallVector<Value> slices;
    int64_t offset = 0;
    for (size_t i : group) {
      RankedTensorType type = matmuls[i].getType();
      int64_t segment = type.getShape().back();
      OpFoldResult batchSize =
          dynamicSizes.empty() ? OpFoldResult(builder.getIndexAttr(batch))
                               : OpFoldResult(dynamicSizes.front());
      slices.push_back(tensor::ExtractSliceOp::create(
          builder, loc, type, dispatch.getResult(0),
          ArrayRef<OpFoldResult>{builder.getIndexAttr(0),
                                 builder.getIndexAttr(offset)},
          ArrayRef<OpFoldResult>{batchSize, builder.getIndexAttr(segment)},
          ArrayRef<OpFoldResult>{builder.getIndexAttr(1),
                                 builder.getIndexAttr(1)}));
      offset += segment;
    }
    for (auto [i, slice] : llvm::zip(group, slices)) {
      matmuls[i].replaceAllUsesWith(slice);
      matmuls[i].erase();
    }
  }

  /// Replaces `op` by a dispatch of `kernel` over its output rows.
  void outlineOne(OpBuilder &builder, qt::MatmulOp op, func::FuncOp kernel) {
    Location loc = op.getLoc();
    auto weightType = cast<qt::QuantTensorType>(op.getRhs().getType());
    RankedTensorType xType = op.getLhs().getType();
    RankedTensorType yType = op.getType();
    builder.setInsertionPoint(op);
    Value storage = qt::StorageCastOp::create(
        builder, loc, weightType.getStorageTensorType(), op.getRhs());
    // The result buffer, sized like the activations' leading dimensions.
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < yType.getRank(); ++d)
      if (yType.isDynamicDim(d))
        dynamicSizes.push_back(
            tensor::DimOp::create(builder, loc, op.getLhs(), d));
    Value init = tensor::EmptyOp::create(builder, loc, yType.getShape(),
                                         yType.getElementType(), dynamicSizes);
    // Work items: output rows of every batch.
    int64_t rowsM = yType.getShape().back();
    Value count = arith::ConstantIndexOp::create(builder, loc, rowsM);
    if (xType.getRank() == 3) {
      Value batch = tensor::DimOp::create(builder, loc, op.getLhs(), 0);
      count = arith::MulIOp::create(builder, loc, batch, count);
    }
    auto dispatch = qt::DispatchOp::create(
        builder, loc, TypeRange{yType}, FlatSymbolRefAttr::get(kernel),
        count, ValueRange{op.getLhs(), storage}, ValueRange{init});
    op.replaceAllUsesWith(dispatch.getResult(0));
    op.erase();
  }
};

} // namespace
