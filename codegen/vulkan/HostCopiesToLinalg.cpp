//===- HostCopiesToLinalg.cpp - buffer copies become GPU work -------------===//

#include "codegen/vulkan/Passes.h"

namespace quant::vulkan {
#define GEN_PASS_DEF_HOSTCOPIESTOLINALGPASS
#include "codegen/vulkan/Passes.h.inc"
} // namespace quant::vulkan

using namespace mlir;

namespace {

struct HostCopiesToLinalgPass
    : quant::vulkan::impl::HostCopiesToLinalgPassBase<HostCopiesToLinalgPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp op) { copies.push_back(op); });
    for (memref::CopyOp op : copies) {
      OpBuilder builder(op);
      linalg::CopyOp::create(builder, op.getLoc(), op.getSource(),
                             op.getTarget());
      op.erase();
    }
  }
};

} // namespace
