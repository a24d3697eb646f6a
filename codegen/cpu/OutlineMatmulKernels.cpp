//===- OutlineMatmulKernels.cpp - qt.matmul to kernels + qt.dispatch ------===//

#include "codegen/cpu/KernelSupport.h"
#include "codegen/cpu/MatmulKernel.h"
#include "codegen/cpu/Passes.h"
#include "dialects/qt/QtOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"

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
    for (qt::MatmulOp op : matmuls) {
      Location loc = op.getLoc();
      auto weightType = cast<qt::QuantTensorType>(op.getRhs().getType());
      RankedTensorType xType = op.getLhs().getType();
      RankedTensorType yType = op.getType();
      builder.setInsertionPoint(op);
      Value storage = qt::StorageCastOp::create(
          builder, loc, weightType.getStorageTensorType(), op.getRhs());

      MatmulKernelSpec spec;
      spec.format = weightType.getFormat();
      spec.reductionSize = xType.getShape().back();
      spec.activations = toMemRef(xType);
      spec.weights = toMemRef(cast<ShapedType>(storage.getType()));
      spec.result = toMemRef(yType);
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

      // The result buffer, sized like the activations' leading dimensions.
      builder.setInsertionPoint(op);
      SmallVector<Value> dynamicSizes;
      for (int64_t d = 0; d < yType.getRank(); ++d)
        if (yType.isDynamicDim(d))
          dynamicSizes.push_back(
              tensor::DimOp::create(builder, loc, op.getLhs(), d));
      Value init = tensor::EmptyOp::create(builder, loc, yType.getShape(),
                                           yType.getElementType(),
                                           dynamicSizes);
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
  }
};

} // namespace
