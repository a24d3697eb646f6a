//===- KeepOnHost.cpp - linalg ops the shaders cannot run stay on the host ===//
//
// Float64 arithmetic is optional in Vulkan (and slow where present), and
// GLSL.std.450's transcendental functions take 16- and 32-bit floats only.
// A linalg op computing in float64 (RoPE angle tables) becomes sequential
// loops before the parallel-loop mapping, so it runs in host code; the
// launch lowering syncs before such code touches memory.
//
//===----------------------------------------------------------------------===//

#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace quant::vulkan {
#define GEN_PASS_DEF_KEEPONHOSTPASS
#include "codegen/vulkan/Passes.h.inc"
} // namespace quant::vulkan

using namespace mlir;

namespace {

bool isFloat64(Type type) {
  return getElementTypeOrSelf(type).isF64();
}

/// Whether `op` reads, writes or computes a float64 value.
bool computesInFloat64(linalg::LinalgOp op) {
  if (llvm::any_of(op->getOperandTypes(), isFloat64))
    return true;
  WalkResult found = op->walk([](Operation *nested) {
    return llvm::any_of(nested->getResultTypes(), isFloat64) ||
                   llvm::any_of(nested->getOperandTypes(), isFloat64)
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  return found.wasInterrupted();
}

struct KeepOnHostPass
    : quant::vulkan::impl::KeepOnHostPassBase<KeepOnHostPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> hostOps;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (computesInFloat64(op))
        hostOps.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : hostOps) {
      // Loops need buffers (the pipeline runs this after bufferization).
      if (!op.hasPureBufferSemantics()) {
        op.emitOpError("computes in float64 on tensors; host loops need a "
                       "bufferized op");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      if (failed(linalg::linalgOpToLoops(rewriter, op))) {
        op.emitOpError("computes in float64 and cannot become host loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
