//===- Pipeline.cpp - the CPU lowering pipeline ---------------------------===//
//
// func/linalg/tensor/qt -> fused kernels + dispatches -> buffers -> loops and
// vectors -> the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "dialects/qt/BufferizableOpInterfaceImpl.h"
#include "dialects/qt/QtDialect.h"
#include "passes/Passes.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace quant::cpu {

void addFusionPasses(OpPassManager &pm, const CpuPipelineOptions &options) {
  // Embed external weights, fuse, then outline kernels for fused matmuls.
  ::quant::LoadExternalWeightsPassOptions weights;
  weights.baseDir = options.weightsDir;
  pm.addPass(::quant::createLoadExternalWeightsPass(weights));
  pm.addPass(createCanonicalizerPass());
  // Elementwise arith/math ops on tensors become linalg ops, so everything
  // around the matmuls bufferizes and lowers the same way.
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(::quant::createFoldDequantizePass());
  pm.addPass(::quant::createExpandDequantizePass());
  // The int8 kernels read constant weights that have a panel layout in
  // place, packed once here.
  if (options.matmulStrategy == "int8" ||
      (options.matmulStrategy == "auto" && options.vnni))
    pm.addPass(createPackConstantWeightsPass());
  OutlineMatmulKernelsPassOptions outline;
  outline.rowTile = options.rowTile;
  outline.strategy = options.matmulStrategy;
  outline.vnni = options.vnni;
  pm.addPass(createOutlineMatmulKernelsPass(outline));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void addBufferizationPasses(OpPassManager &pm, const std::string &entry) {
  // Tensors to buffers; results become output parameters of the entry.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Results that are their arguments updated in place (a model's KV cache
  // returned by its layer function) are dropped rather than copied out.
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createCanonicalizerPass());
  EntryPointPassOptions entryOptions;
  entryOptions.entry = entry;
  pm.addPass(createEntryPointPass(entryOptions));
}

void addLlvmLoweringPasses(OpPassManager &pm, bool genericAllocation) {
  // Loops and vectors down to LLVM.
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(createLowerAffinePass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // n-D reductions (the portable int8 dot product, per-lane sums) become 1-D
  // ones that the LLVM lowering handles.
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMultiReductionPass(
      vector::VectorMultiReductionLowering::InnerReduction));
  pm.addPass(createConvertVectorToLLVMPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = genericAllocation;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options) {
  addFusionPasses(pm, options);
  addBufferizationPasses(pm, options.entry);
  pm.addPass(createGenerateKernelsPass());
  pm.addPass(createLowerDispatchPass());
  ParallelizeLoopsPassOptions parallel;
  parallel.minWork = options.parallelLoopsMinWork;
  pm.addPass(createParallelizeLoopsPass(parallel));
  pm.addPass(createPolynomialExpPass());
  addLlvmLoweringPasses(pm, /*genericAllocation=*/false);
}

void registerCpuPipeline() {
  PassPipelineRegistration<>(
      "qt-cpu-pipeline",
      "Lowers a program with qt ops to the LLVM dialect for the CPU",
      [](OpPassManager &pm) { buildCpuPipeline(pm, CpuPipelineOptions()); });
}

void registerCpuDialects(DialectRegistry &registry) {
  registry.insert<::quant::qt::QtDialect, affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
                  math::MathDialect, memref::MemRefDialect,
                  mlir::quant::QuantDialect, scf::SCFDialect,
                  tensor::TensorDialect, ub::UBDialect,
                  vector::VectorDialect>();
  ::quant::qt::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  vector::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  // Conversion interfaces used by the *-to-llvm passes.
  registerConvertFuncToLLVMInterface(registry);
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  vector::registerConvertVectorToLLVMInterface(registry);
}

} // namespace quant::cpu
