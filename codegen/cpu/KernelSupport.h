//===- KernelSupport.h - shared pieces of the generated kernels ---*- C++ -*-===//

#ifndef QUANT_CODEGEN_CPU_KERNELSUPPORT_H
#define QUANT_CODEGEN_CPU_KERNELSUPPORT_H

#include "codegen/cpu/MatmulKernel.h"

#include "mlir/IR/Builders.h"

namespace quant::cpu {

/// The operands of a matmul kernel, rebuilt as memrefs from its operand array.
struct KernelOperands {
  mlir::func::FuncOp kernel;
  /// `w` is the only weight, or null when the spec has segments, whose
  /// weights are `segments`.
  mlir::Value x, w, y;
  llvm::SmallVector<mlir::Value> segments;
  mlir::Value begin, end; // index
};

/// Declares `func.func private @name(!llvm.ptr, i64, i64)` at the end of
/// `module`, its body to be generated later (see GenerateKernelsPass).
mlir::func::FuncOp declareKernel(mlir::OpBuilder &builder,
                                 mlir::ModuleOp module, llvm::StringRef name);

/// Adds the body of a declared kernel and rebuilds x, W and y from its
/// operand array (see qt.dispatch). `builder` is left in the body.
KernelOperands beginKernelBody(mlir::OpBuilder &builder,
                               mlir::func::FuncOp kernel,
                               const MatmulKernelSpec &spec);

/// Emits loops over [begin, end) in tiles of `tile` iterations, then the
/// remainder one at a time; `body(builder, first, count)` emits one tile.
void emitTiledLoop(
    mlir::OpBuilder &builder, mlir::Location loc, mlir::Value begin,
    mlir::Value end, int64_t tile,
    llvm::function_ref<void(mlir::OpBuilder &, mlir::Value, int64_t)> body);

/// `first` followed by `second` (1-D vectors of one element type).
mlir::Value concatVectors(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value first, mlir::Value second);

/// Loads `headerBytes` bytes at [row..., block, 0] of the storage `weights`
/// and `codeBytes` bytes at [row..., block, codeOffset] as one
/// `vector<headerBytes + codeBytes x i8>`: a whole block when codeOffset is
/// headerBytes, or a per-row format's header with a slice of its codes. Two
/// loads keep odd-sized blocks (18 bytes for Q4_0) from becoming odd-sized
/// vector loads.
mlir::Value loadHeaderAndCodes(mlir::OpBuilder &builder, mlir::Location loc,
                               mlir::Value weights, mlir::ValueRange row,
                               mlir::Value block, int64_t headerBytes,
                               mlir::Value codeOffset, int64_t codeBytes);

/// How a kernel walks one weight row: `steps` decoding steps of
/// `elementsPerStep` elements, each a block of `stepSpec`. Per-row formats
/// whose row splits into 32-element chunks are decoded a chunk at a time: the
/// row's header joined to the chunk's codes is a block of `stepSpec`.
struct RowDecodePlan {
  fmt::FormatSpec stepSpec;
  bool chunked = false;
  /// Bytes of a stored block (the last storage dimension).
  int64_t blockBytes = 0;
  /// Chunked: the row header's bytes and each chunk's code bytes.
  int64_t headerBytes = 0, chunkCodeBytes = 0;
  /// Not chunked: bytes before the codes of a generic block (0: none).
  int64_t headerSplit = 0;
  int64_t elementsPerStep = 0, steps = 0;
};

/// The decoding plan of `spec`'s weight rows.
RowDecodePlan planRowDecode(const MatmulKernelSpec &spec);

/// The attribute a kernel declaration carries to describe its body.
constexpr llvm::StringLiteral kMatmulKernelAttr = "qt.matmul_kernel";

/// Encodes `spec` (and the strategy) as the declaration's attribute.
mlir::DictionaryAttr encodeKernelSpec(mlir::MLIRContext *context,
                                      const MatmulKernelSpec &spec,
                                      bool integer);

/// Decodes a kernel declaration's attribute; fails on a malformed one.
mlir::LogicalResult decodeKernelSpec(mlir::DictionaryAttr attr,
                                     MatmulKernelSpec &spec, bool &integer);

} // namespace quant::cpu

#endif // QUANT_CODEGEN_CPU_KERNELSUPPORT_H
