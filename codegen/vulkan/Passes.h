//===- Passes.h - Vulkan code generation passes -------------------*- C++ -*-===//

#ifndef QUANT_CODEGEN_VULKAN_PASSES_H
#define QUANT_CODEGEN_VULKAN_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <string>
#include <vector>

namespace quant::vulkan {

#define GEN_PASS_DECL
#include "codegen/vulkan/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/vulkan/Passes.h.inc"

/// How shaders access 8-bit data.
enum class ByteStorage {
  /// Int8 + StorageBuffer8BitAccess (SPV_KHR_8bit_storage): i8 loads.
  Native,
  /// No 8-bit types: bytes are extracted from 32-bit words.
  Emulated,
};

/// Options of the whole Vulkan lowering.
struct VulkanPipelineOptions {
  std::string entry = "main";
  /// Directory against which relative #qt.external paths resolve.
  std::string weightsDir;
  ByteStorage byteStorage = ByteStorage::Native;
  int64_t workgroupSize = 64;
  /// When set, each kernel module's SPIR-V is also written to <dir>/<module>.spv.
  std::string spirvDirectory;
};

/// Adds the passes taking a program of func/linalg/tensor/qt ops to host code
/// in the LLVM dialect that runs SPIR-V kernels through the Vulkan runtime.
void buildVulkanPipeline(mlir::OpPassManager &pm,
                         const VulkanPipelineOptions &options);

/// Registers `qt-vulkan-pipeline` for quant-opt.
void registerVulkanPipeline();

/// Registers the dialects and interface models the Vulkan pipeline needs.
void registerVulkanDialects(mlir::DialectRegistry &registry);

} // namespace quant::vulkan

#endif // QUANT_CODEGEN_VULKAN_PASSES_H
