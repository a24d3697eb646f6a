//===- ReduceTrigRange.cpp - sin/cos arguments reduced to [-π, π] ---------===//
//
// Vulkan bounds the error of GLSL.std.450 Sin and Cos (2^-11 absolute) only
// for arguments in [-π, π]; outside it a device may return anything. Kernels
// therefore reduce every f32 sin/cos argument first (Cody–Waite with a
// two-part 2π, whose first part has 8 significant bits so that k · C1 is
// exact for |k| < 2^16):
//   k = roundeven(x / 2π),  r = (x − k·C1) − k·C2,  r clamped to ±π (in f32)
// which moves the argument by at most 3u(π + |x|/256) + (|x|/2π + 1)·2^-32
// + 2^-22 (u = 2^-24): SurroundingOpsTest's Vulkan bound.
//
//===----------------------------------------------------------------------===//

#include "codegen/vulkan/Passes.h"

#include <cmath>

namespace quant::vulkan {
#define GEN_PASS_DEF_REDUCETRIGRANGEPASS
#include "codegen/vulkan/Passes.h.inc"
} // namespace quant::vulkan

using namespace mlir;

namespace {

/// 2π = kTwoPiHigh + kTwoPiLow + O(2^-33); kTwoPiHigh has 8 significant bits.
constexpr float kTwoPiHigh = 6.28125f;
constexpr double kTwoPi = 6.283185307179586476925286766559;
/// The largest float not above π.
constexpr float kPiBelow = 3.14159250259399414f;

/// x reduced into [-π, π] (as float32 values).
Value reduceArgument(OpBuilder &b, Location loc, Value x) {
  auto constant = [&](double value) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(value)));
  };
  float twoPiLow = float(kTwoPi - double(kTwoPiHigh));
  Value k = math::RoundEvenOp::create(
      b, loc, arith::MulFOp::create(b, loc, x, constant(1.0 / kTwoPi)));
  Value high = arith::MulFOp::create(b, loc, k, constant(kTwoPiHigh));
  Value reduced = arith::SubFOp::create(b, loc, x, high);
  Value low = arith::MulFOp::create(b, loc, k, constant(twoPiLow));
  reduced = arith::SubFOp::create(b, loc, reduced, low);
  reduced = arith::MaximumFOp::create(b, loc, reduced, constant(-kPiBelow));
  return arith::MinimumFOp::create(b, loc, reduced, constant(kPiBelow));
}

struct ReduceTrigRangePass
    : quant::vulkan::impl::ReduceTrigRangePassBase<ReduceTrigRangePass> {
  void runOnOperation() override {
    SmallVector<Operation *> trig;
    getOperation()->walk([&](Operation *op) {
      if (isa<math::SinOp, math::CosOp>(op) &&
          op->getResult(0).getType().isF32())
        trig.push_back(op);
    });
    // sin and cos of one angle (RoPE) share its reduction.
    DenseMap<std::pair<Value, Block *>, Value> reduced;
    for (Operation *op : trig) {
      Value &argument = reduced[{op->getOperand(0), op->getBlock()}];
      if (!argument) {
        OpBuilder b(op);
        argument = reduceArgument(b, op->getLoc(), op->getOperand(0));
      }
      op->setOperand(0, argument);
    }
  }
};

} // namespace
