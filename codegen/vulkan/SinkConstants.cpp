//===- SinkConstants.cpp - constants into GPU launch bodies ---------------===//

#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/GPU/Utils/GPUUtils.h"
#include "mlir/IR/Matchers.h"

namespace quant::vulkan {
#define GEN_PASS_DEF_SINKCONSTANTSPASS
#include "codegen/vulkan/Passes.h.inc"
} // namespace quant::vulkan

using namespace mlir;

namespace {

struct SinkConstantsPass
    : quant::vulkan::impl::SinkConstantsPassBase<SinkConstantsPass> {
  void runOnOperation() override {
    auto isScalarConstant = [](Operation *op) {
      return op->getNumResults() == 1 && matchPattern(op, m_Constant()) &&
             !isa<ShapedType>(op->getResult(0).getType());
    };
    WalkResult result = getOperation().walk([&](gpu::LaunchOp launch) {
      if (failed(sinkOperationsIntoLaunchOp(launch, isScalarConstant)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
