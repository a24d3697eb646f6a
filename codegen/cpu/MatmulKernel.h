//===- MatmulKernel.h - CPU kernels for qt.matmul -----------------*- C++ -*-===//

#ifndef QUANT_CODEGEN_CPU_MATMULKERNEL_H
#define QUANT_CODEGEN_CPU_MATMULKERNEL_H

#include "dialects/qt/QtAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace quant::cpu {

/// What a qt.matmul kernel computes: `y[b, n, m] = sum_k x[b, n, k] *
/// W[b?, m, k]` with W given as its storage `[B?, M, BLOCKS, BYTES]`.
struct MatmulKernelSpec {
  qt::QuantFormatAttrInterface format;
  /// Elements along K (the blocked axis).
  int64_t reductionSize = 0;
  mlir::MemRefType activations; ///< [B?, N, K] f32
  mlir::MemRefType weights;     ///< [B?, M, BLOCKS, BYTES] i8
  mlir::MemRefType result;      ///< [B?, N, M] f32
  /// Activation rows processed together, sharing each dequantized block.
  int64_t rowTile = 4;
  /// Use AVX-512 VNNI (vpdpbusd) for the integer kernel's dot products.
  bool vnni = false;
  /// The weights are stored as packed panels (quant/formats/PanelLayout.h),
  /// read directly by the integer kernel's panel micro-kernel.
  bool packedWeights = false;
  /// Sibling matmuls fused into one kernel (packed weights only): the rows
  /// of each weight operand, whose outputs follow one another along M.
  /// `weights` then describes their concatenation. Empty: one weight.
  llvm::SmallVector<int64_t> segmentRows;

  /// The storage type of weight segment `i` (of `weights` when unsegmented).
  mlir::MemRefType segmentWeights(size_t i) const;
};

/// True when the integer kernel (buildIntegerMatmulKernel) handles `spec`:
/// plain integer codes and a reduction size that 64-code chunks tile.
bool canUseIntegerKernel(const MatmulKernelSpec &spec);

/// True when the weights of `spec` can be read as packed panels: a format
/// with a panel layout (fmt::hasPanelLayout), plain 2-D operands, whole
/// panels of rows.
bool canUsePackedWeights(const MatmulKernelSpec &spec);

/// Generates the body of the kernel declaration `kernel` (`func.func private
/// @name(%operands: !llvm.ptr, %begin: i64, %end: i64)`), computing rows
/// [begin, end) of the flattened `B * M` output rows. `operands` points to the data pointers of x, W and y
/// followed by their dynamic sizes (see qt.dispatch). Blocks are dequantized
/// in registers by the format's hook and reduced with vector FMAs.
void buildMatmulKernel(mlir::OpBuilder &builder, mlir::func::FuncOp kernel,
                       const MatmulKernelSpec &spec);

/// Like buildMatmulKernel, with the integer strategy: activations are
/// quantized to int8 per block of 32 (scale amax/127) inside the kernel, and
/// weight codes are multiplied with them by integer dot products (vpdpbusd
/// with VNNI). Below 16 activation rows each weight row is decoded in
/// 64-code chunks whose per-lane partial sums are scaled in float; from 16
/// rows on, and always for packed weights, panels of 16 weight rows meet 8
/// activation rows at a time in a register-blocked micro-kernel
/// (PackedIntegerMatmul.cpp). Requires canUseIntegerKernel.
void buildIntegerMatmulKernel(mlir::OpBuilder &builder,
                              mlir::func::FuncOp kernel,
                              const MatmulKernelSpec &spec);

} // namespace quant::cpu

#endif // QUANT_CODEGEN_CPU_MATMULKERNEL_H
