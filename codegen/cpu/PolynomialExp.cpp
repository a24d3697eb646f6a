//===- PolynomialExp.cpp - f32 exp as vectorizable arithmetic -------------===//
//
// The layers' softmax and SiLU call math.exp once per element. Lowered to
// LLVM as a call of libm's expf, each such loop stays scalar; the polynomial
// approximation below is plain arithmetic, so the loop vectorizer turns it
// into full-width vector code.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quant::cpu {
#define GEN_PASS_DEF_POLYNOMIALEXPPASS
#include "codegen/cpu/Passes.h.inc"
} // namespace quant::cpu

using namespace mlir;

namespace {

struct PolynomialExpPass
    : quant::cpu::impl::PolynomialExpPassBase<PolynomialExpPass> {
  void runOnOperation() override {
    // Only f32 exps (and the ops their rewrite creates) are touched; other
    // math ops keep their libm calls.
    SmallVector<Operation *> exps;
    getOperation().walk([&](math::ExpOp op) {
      if (getElementTypeOrSelf(op.getType()).isF32())
        exps.push_back(op);
    });
    if (exps.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) { return name == "math.exp"; });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    config.enableFolding(false);
    if (failed(applyOpPatternsGreedily(exps, std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
