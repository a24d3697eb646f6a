//===- ParallelFor.cpp - calls of the runtime's parallel loop -------------===//

#include "codegen/cpu/ParallelFor.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;

FunctionType quant::cpu::parallelKernelType(MLIRContext *context) {
  Type ptr = LLVM::LLVMPointerType::get(context);
  Type i64 = IntegerType::get(context, 64);
  return FunctionType::get(context, {ptr, i64, i64}, {});
}

func::FuncOp quant::cpu::declareParallelFor(ModuleOp module) {
  constexpr llvm::StringLiteral name = "qrt_parallel_for";
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  MLIRContext *context = module.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Type ptr = LLVM::LLVMPointerType::get(context);
  Type i64 = b.getI64Type();
  auto type =
      b.getFunctionType({parallelKernelType(context), ptr, i64, i64}, {});
  auto decl = func::FuncOp::create(b, module.getLoc(), name, type);
  decl.setPrivate();
  return decl;
}
