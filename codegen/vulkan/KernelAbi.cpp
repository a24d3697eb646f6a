//===- KernelAbi.cpp - SPIR-V entry point ABI of outlined kernels ---------===//

#include "codegen/vulkan/Passes.h"

#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"

namespace quant::vulkan {
#define GEN_PASS_DEF_KERNELABIPASS
#include "codegen/vulkan/Passes.h.inc"
} // namespace quant::vulkan

using namespace mlir;

namespace {

/// Why a kernel argument of `type` cannot be bound, or "" when it can: dense
/// buffers become storage buffers, integer and float scalars 32-bit values.
std::string unsupportedArgument(Type type) {
  if (auto memref = dyn_cast<MemRefType>(type)) {
    if (!memref.getLayout().isIdentity())
      return "a strided buffer";
    return "";
  }
  if (type.isIndex() || type.isInteger(32) || type.isF32() ||
      type.isInteger(1) || type.isInteger(8) || type.isInteger(16))
    return "";
  return "a value of type that is not a 32-bit scalar";
}

struct KernelAbiPass
    : quant::vulkan::impl::KernelAbiPassBase<KernelAbiPass> {
  void runOnOperation() override {
    WalkResult result = getOperation().walk([&](gpu::GPUFuncOp func) {
      if (!func.isKernel())
        return WalkResult::advance();
      std::optional<ArrayRef<int32_t>> size = func.getKnownBlockSize();
      if (!size) {
        func.emitOpError("has no known workgroup size");
        return WalkResult::interrupt();
      }
      for (BlockArgument argument : func.getArguments()) {
        std::string problem = unsupportedArgument(argument.getType());
        if (problem.empty())
          continue;
        func.emitOpError("argument ")
            << argument.getArgNumber() << " is " << problem
            << ", which a Vulkan kernel cannot take";
        return WalkResult::interrupt();
      }
      func->setAttr(spirv::getEntryPointABIAttrName(),
                    spirv::getEntryPointABIAttr(func.getContext(), *size));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
