//===- Pipeline.cpp - the Vulkan lowering pipeline ------------------------===//
//
// func/linalg/tensor/qt -> fused matmul kernels and linalg ops as GPU
// launches -> SPIR-V kernels embedded in host code -> the LLVM dialect.
// The fusion and bufferization stages are the CPU pipeline's.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/vulkan/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace quant::vulkan {

void buildVulkanPipeline(OpPassManager &pm,
                         const VulkanPipelineOptions &options) {
  cpu::CpuPipelineOptions fusion;
  fusion.weightsDir = options.weightsDir;
  fusion.matmulStrategy = "float";
  cpu::addFusionPasses(pm, fusion);
  cpu::addBufferizationPasses(pm, options.entry);

  // Fused matmuls become launches of their own kernels; every other linalg
  // op (but those computing in float64, which stay on the host) becomes
  // parallel loops tiled by the workgroup size and mapped to workgroups
  // (outer) and invocations (inner).
  // (Matmul kernels are generated last: their bodies are large.)
  pm.addPass(createHostCopiesToLinalgPass());
  pm.addPass(createKeepOnHostPass());
  pm.addPass(createConvertLinalgToParallelLoopsPass());
  // No canonicalization before the loops are mapped: it folds a parallel
  // loop of one iteration (a decode step's single row) into its body, which
  // would leave that row's norm and attention reductions as host loops: a
  // sync before each and host reads of device memory (two submissions per
  // layer instead of one per step).
  pm.addNestedPass<func::FuncOp>(createParallelLoopTilingPass(
      {options.workgroupSize}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<func::FuncOp>(createGpuMapParallelLoopsPass());
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  MatmulLaunchPassOptions matmul;
  matmul.workgroupSize = options.workgroupSize;
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createMatmulLaunchPass(matmul));
  // No canonicalization until the kernels are outlined: it would fold the
  // matmul kernels' shape-agnostic buffer casts and sizes into constants.
  pm.addPass(createCSEPass());
  pm.addPass(createSinkConstantsPass());
  pm.addPass(createGpuKernelOutliningPass());
  // Parallel loops nested below a sequential one (a contraction whose
  // reduction loop is not innermost) run sequentially in each invocation.
  pm.addNestedPass<gpu::GPUModuleOp>(createParallelForToNestedForsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createLinearizeKernelBuffersPass());
  pm.addPass(createKernelAbiPass());
  LowerLaunchPassOptions launch;
  launch.byteStorage =
      options.byteStorage == ByteStorage::Native ? "native" : "emulated";
  launch.spirvDirectory = options.spirvDirectory;
  pm.addPass(createLowerLaunchPass(launch));

  cpu::addLlvmLoweringPasses(pm, /*genericAllocation=*/true);
}

void registerVulkanPipeline() {
  PassPipelineRegistration<>(
      "qt-vulkan-pipeline",
      "Lowers a program with qt ops to host code running SPIR-V kernels",
      [](OpPassManager &pm) {
        buildVulkanPipeline(pm, VulkanPipelineOptions());
      });
}

void registerVulkanDialects(DialectRegistry &registry) {
  cpu::registerCpuDialects(registry);
  registry.insert<gpu::GPUDialect, spirv::SPIRVDialect>();
}

} // namespace quant::vulkan
