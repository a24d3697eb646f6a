//===- PointerMemRef.cpp - memrefs over raw data pointers -----------------===//
//
// A memref is built as the LLVM descriptor struct that the memref-to-LLVM
// conversion uses ({allocated, aligned, offset, sizes[], strides[]}) and cast
// to the memref type; after conversion to LLVM the cast pair cancels out.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/PointerMemRef.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;

Value quant::cpu::memrefFromPointer(OpBuilder &b, Location loc, Value pointer,
                                    MemRefType type,
                                    ValueRange dynamicSizes) {
  MLIRContext *context = b.getContext();
  Type i64 = b.getI64Type();
  int64_t rank = type.getRank();
  auto ptrType = LLVM::LLVMPointerType::get(context);
  auto arrayType = LLVM::LLVMArrayType::get(i64, rank);
  auto descriptorType = LLVM::LLVMStructType::getLiteral(
      context, {ptrType, ptrType, i64, arrayType, arrayType});

  // Sizes as i64, static or taken from `dynamicSizes` in order.
  SmallVector<Value> sizes;
  unsigned nextDynamic = 0;
  for (int64_t dim : type.getShape()) {
    if (ShapedType::isDynamic(dim))
      sizes.push_back(arith::IndexCastOp::create(b, loc, i64,
                                                 dynamicSizes[nextDynamic++]));
    else
      sizes.push_back(
          arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(dim)));
  }
  // Row-major strides.
  SmallVector<Value> strides(rank);
  Value stride = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1));
  for (int64_t d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride = arith::MulIOp::create(b, loc, stride, sizes[d]);
  }

  Value descriptor = LLVM::PoisonOp::create(b, loc, descriptorType);
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, pointer,
                                           ArrayRef<int64_t>{0});
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, pointer,
                                           ArrayRef<int64_t>{1});
  Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, zero,
                                           ArrayRef<int64_t>{2});
  for (int64_t d = 0; d < rank; ++d) {
    descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, sizes[d],
                                             ArrayRef<int64_t>{3, d});
    descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, strides[d],
                                             ArrayRef<int64_t>{4, d});
  }
  return UnrealizedConversionCastOp::create(b, loc, type, descriptor)
      .getResult(0);
}

Value quant::cpu::pointerFromMemRef(OpBuilder &b, Location loc, Value memref) {
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref);
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), address);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), asInt);
}

/// The address of slot `index` of an array of 8-byte slots.
static Value slotAddress(OpBuilder &b, Location loc, Value array,
                         int64_t index) {
  return LLVM::GEPOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()),
                             b.getI64Type(), array,
                             ArrayRef<LLVM::GEPArg>{int32_t(index)});
}

Value quant::cpu::loadSlot(OpBuilder &b, Location loc, Value array,
                           int64_t index, Type type) {
  return LLVM::LoadOp::create(b, loc, type, slotAddress(b, loc, array, index));
}

void quant::cpu::storeSlot(OpBuilder &b, Location loc, Value array,
                           int64_t index, Value value) {
  LLVM::StoreOp::create(b, loc, value, slotAddress(b, loc, array, index));
}
