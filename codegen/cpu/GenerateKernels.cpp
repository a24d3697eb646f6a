//===- GenerateKernels.cpp - bodies of declared matmul kernels ------------===//

#include "codegen/cpu/KernelSupport.h"
#include "codegen/cpu/MatmulKernel.h"
#include "codegen/cpu/Passes.h"

namespace quant::cpu {
#define GEN_PASS_DEF_GENERATEKERNELSPASS
#include "codegen/cpu/Passes.h.inc"
} // namespace quant::cpu

using namespace mlir;
using namespace quant::cpu;

namespace {

struct GenerateKernelsPass
    : quant::cpu::impl::GenerateKernelsPassBase<GenerateKernelsPass> {
  void runOnOperation() override {
    OpBuilder builder(&getContext());
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      auto attr = kernel->getAttrOfType<DictionaryAttr>(kMatmulKernelAttr);
      if (!attr || !kernel.isDeclaration())
        continue;
      MatmulKernelSpec spec;
      bool integer = false;
      if (failed(decodeKernelSpec(attr, spec, integer))) {
        kernel.emitError("malformed '") << kMatmulKernelAttr << "' attribute";
        return signalPassFailure();
      }
      if (integer)
        buildIntegerMatmulKernel(builder, kernel, spec);
      else
        buildMatmulKernel(builder, kernel, spec);
      kernel->removeAttr(kMatmulKernelAttr);
    }
  }
};

} // namespace
