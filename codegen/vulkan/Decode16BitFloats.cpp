//===- Decode16BitFloats.cpp - f16/bf16 buffers read as 16-bit integers ---===//
//
// Vulkan devices need not support 16-bit float types (Float16 and 16-bit
// storage are optional, bfloat16 an extension few have), and MLIR's SPIR-V
// conversion would otherwise reinterpret them as integers. A kernel buffer
// of f16 or bf16 elements is read as i16 instead and each loaded value,
// which may only be widened to f32, is decoded from its bits in integer
// arithmetic (exact). Any other 16-bit float in a kernel is an error.
//
//===----------------------------------------------------------------------===//

#include "codegen/vulkan/Passes.h"
#include "dialects/qt/FloatBits.h"

namespace quant::vulkan {
#define GEN_PASS_DEF_DECODE16BITFLOATSPASS
#include "codegen/vulkan/Passes.h.inc"
} // namespace quant::vulkan

using namespace mlir;

namespace {

bool is16BitFloat(Type type) {
  Type element = getElementTypeOrSelf(type);
  return element.isF16() || element.isBF16();
}

/// Reads buffer argument `argument` (of 16-bit floats) as i16.
LogicalResult decodeArgument(BlockArgument argument) {
  auto type = cast<MemRefType>(argument.getType());
  Type floatType = type.getElementType();
  for (Operation *user : argument.getUsers()) {
    auto load = dyn_cast<memref::LoadOp>(user);
    if (!load)
      return user->emitOpError("uses a buffer of ")
             << floatType << ", which Vulkan kernels only load and widen to f32";
    for (Operation *loadUser : load->getUsers()) {
      auto widen = dyn_cast<arith::ExtFOp>(loadUser);
      if (!widen || !widen.getType().isF32())
        return loadUser->emitOpError("uses a loaded ")
               << floatType << " value, which Vulkan kernels only widen to f32";
    }
  }
  OpBuilder b(argument.getContext());
  argument.setType(MemRefType::get(type.getShape(), b.getI16Type(),
                                   type.getLayout(), type.getMemorySpace()));
  for (Operation *user : llvm::make_early_inc_range(argument.getUsers())) {
    auto load = cast<memref::LoadOp>(user);
    b.setInsertionPoint(load);
    Location loc = load.getLoc();
    Value raw = memref::LoadOp::create(b, loc, argument, load.getIndices());
    Value bits = arith::ExtUIOp::create(b, loc, b.getI32Type(), raw);
    Value decoded = quant::qt::emitFloatFromBits(b, loc, bits, floatType);
    for (Operation *widen : llvm::make_early_inc_range(load->getUsers())) {
      widen->getResult(0).replaceAllUsesWith(decoded);
      widen->erase();
    }
    load.erase();
  }
  return success();
}

struct Decode16BitFloatsPass
    : quant::vulkan::impl::Decode16BitFloatsPassBase<Decode16BitFloatsPass> {
  void runOnOperation() override {
    WalkResult result = getOperation()->walk([&](gpu::GPUFuncOp kernel) {
      for (BlockArgument argument : kernel.getArguments()) {
        auto type = dyn_cast<MemRefType>(argument.getType());
        if (type && is16BitFloat(type) && failed(decodeArgument(argument)))
          return WalkResult::interrupt();
      }
      kernel.setType(FunctionType::get(
          kernel.getContext(), kernel.getBody().getArgumentTypes(),
          kernel.getFunctionType().getResults()));
      WalkResult remaining = kernel.walk([](Operation *op) {
        if (llvm::any_of(op->getResultTypes(), is16BitFloat) ||
            llvm::any_of(op->getOperandTypes(), is16BitFloat)) {
          op->emitOpError("computes with 16-bit floats, which the Vulkan "
                          "target does not support");
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      return remaining;
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
