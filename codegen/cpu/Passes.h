//===- Passes.h - CPU code generation passes ----------------------*- C++ -*-===//

#ifndef QUANT_CODEGEN_CPU_PASSES_H
#define QUANT_CODEGEN_CPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace quant::cpu {

#define GEN_PASS_DECL
#include "codegen/cpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/cpu/Passes.h.inc"

/// Options of the whole CPU lowering.
struct CpuPipelineOptions {
  std::string entry = "main";
  /// Directory against which relative #qt.external paths resolve.
  std::string weightsDir;
  int64_t rowTile = 4;
  /// auto, float or int8 (see OutlineMatmulKernelsPass).
  std::string matmulStrategy = "auto";
  /// The target has AVX-512 VNNI.
  bool vnni = false;
  /// Estimated iterations from which a host linalg.generic runs on the
  /// thread pool (ParallelizeLoopsPass).
  int64_t parallelLoopsMinWork = 32768;
};

/// The pipeline's stages, shared with other targets' pipelines:
/// weights embedded, dequantization folded into qt.matmul, each qt.matmul
/// outlined into a kernel declaration and a qt.dispatch (on tensors).
void addFusionPasses(mlir::OpPassManager &pm,
                     const CpuPipelineOptions &options);
/// Tensors to buffers, results to output parameters, C entry points.
void addBufferizationPasses(mlir::OpPassManager &pm, const std::string &entry);
/// Remaining loops, vectors, memrefs and functions to the LLVM dialect;
/// with `genericAllocation`, buffers are allocated through the runtime's
/// `_mlir_memref_to_llvm_alloc` / `_free` instead of malloc / free.
void addLlvmLoweringPasses(mlir::OpPassManager &pm, bool genericAllocation);

/// Adds the passes taking a program of func/linalg/tensor/qt ops down to the
/// LLVM dialect, with kernels dispatched through the runtime.
void buildCpuPipeline(mlir::OpPassManager &pm,
                      const CpuPipelineOptions &options);

/// Registers `qt-cpu-pipeline` for quant-opt.
void registerCpuPipeline();

/// Registers the dialects and interface models the CPU pipeline needs.
void registerCpuDialects(mlir::DialectRegistry &registry);

} // namespace quant::cpu

#endif // QUANT_CODEGEN_CPU_PASSES_H
