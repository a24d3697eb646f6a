//===- Pipelines.cpp - named pass pipelines -------------------------------===//

#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void quant::registerQuantPipelines() {
  PassPipelineRegistration<>(
      "qt-dequant-pipeline",
      "Expands dequantization into per-block vector code and cleans up",
      [](OpPassManager &pm) {
        pm.addPass(createExpandDequantizePass());
        pm.addPass(createCanonicalizerPass());
        pm.addPass(createCSEPass());
      });
}
