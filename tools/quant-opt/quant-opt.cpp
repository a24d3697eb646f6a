//===- quant-opt.cpp - the quant optimizer driver -------------------------===//
//
// An mlir-opt style driver with the qt dialect, the project's passes and the
// upstream dialects and passes the project uses.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/vulkan/Passes.h"
#include "dialects/qt/QtDialect.h"
#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::registerSymbolDCEPass();
  mlir::registerInlinerPass();
  mlir::bufferization::registerOneShotBufferizePass();
  quant::registerQuantPasses();
  quant::registerQuantPipelines();
  quant::cpu::registerQuantCpuPasses();
  quant::cpu::registerCpuPipeline();
  quant::vulkan::registerQuantVulkanPasses();
  quant::vulkan::registerVulkanPipeline();

  mlir::DialectRegistry registry;
  quant::vulkan::registerVulkanDialects(registry);
  registry.insert<quant::qt::QtDialect, mlir::arith::ArithDialect,
                  mlir::func::FuncDialect, mlir::linalg::LinalgDialect,
                  mlir::math::MathDialect, mlir::memref::MemRefDialect,
                  mlir::quant::QuantDialect,
                  mlir::scf::SCFDialect, mlir::tensor::TensorDialect,
                  mlir::vector::VectorDialect>();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "quant optimizer driver\n", registry));
}
