//===- PointerMemRef.h - memrefs over raw data pointers -----------*- C++ -*-===//
//
// Generated kernels receive their operands as raw data pointers (the C ABI
// with the runtime). These helpers turn a pointer into a memref descriptor and
// back.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_CODEGEN_CPU_POINTERMEMREF_H
#define QUANT_CODEGEN_CPU_POINTERMEMREF_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace quant::cpu {

/// A dense row-major memref of `type` over the data at `pointer`
/// (`!llvm.ptr`); `dynamicSizes` (index values) give its dynamic dimensions.
mlir::Value memrefFromPointer(mlir::OpBuilder &builder, mlir::Location loc,
                              mlir::Value pointer, mlir::MemRefType type,
                              mlir::ValueRange dynamicSizes);

/// The `!llvm.ptr` to the first element of an identity-layout `memref`.
mlir::Value pointerFromMemRef(mlir::OpBuilder &builder, mlir::Location loc,
                              mlir::Value memref);

/// Loads slot `index` (8 bytes each) of the array at `array` as `type`
/// (`!llvm.ptr` or `i64`).
mlir::Value loadSlot(mlir::OpBuilder &builder, mlir::Location loc,
                     mlir::Value array, int64_t index, mlir::Type type);

/// Stores `value` (`!llvm.ptr` or `i64`) into slot `index` of `array`.
void storeSlot(mlir::OpBuilder &builder, mlir::Location loc, mlir::Value array,
               int64_t index, mlir::Value value);

} // namespace quant::cpu

#endif // QUANT_CODEGEN_CPU_POINTERMEMREF_H
