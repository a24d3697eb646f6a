//===- EntryPoint.cpp - the program's C entry point -----------------------===//

#include "codegen/cpu/PointerMemRef.h"
#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace quant::cpu {
#define GEN_PASS_DEF_ENTRYPOINTPASS
#include "codegen/cpu/Passes.h.inc"
} // namespace quant::cpu

using namespace mlir;
using namespace quant::cpu;

namespace {

constexpr llvm::StringLiteral kEntryName = "quant_program_entry";
constexpr llvm::StringLiteral kRenamedProgram = "__quant_program";

struct EntryPointPass : quant::cpu::impl::EntryPointPassBase<EntryPointPass> {
  using EntryPointPassBase::EntryPointPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto program = module.lookupSymbol<func::FuncOp>(entry);
    if (!program) {
      module.emitError("no entry function '") << entry << "'";
      return signalPassFailure();
    }
    FunctionType type = program.getFunctionType();
    if (type.getNumResults() != 0) {
      program.emitError("the entry function must return its results through "
                        "output buffers (run buffer-results-to-out-params)");
      return signalPassFailure();
    }
    for (Type input : type.getInputs()) {
      auto memref = dyn_cast<MemRefType>(input);
      if (!memref || !memref.hasStaticShape() ||
          !memref.getLayout().isIdentity()) {
        program.emitError("entry function arguments must be statically "
                          "shaped dense buffers, got ")
            << input;
        return signalPassFailure();
      }
    }
    // Keep C's `main` (and any other C symbol) free for the runtime.
    if (failed(SymbolTable::replaceAllSymbolUses(
            program, StringAttr::get(&getContext(), kRenamedProgram), module)))
      return signalPassFailure();
    SymbolTable::setSymbolName(program, kRenamedProgram);
    program.setPrivate();

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = program.getLoc();
    Type ptr = LLVM::LLVMPointerType::get(&getContext());
    auto wrapper = func::FuncOp::create(b, loc, kEntryName,
                                        b.getFunctionType({ptr}, {}));
    Block *body = wrapper.addEntryBlock();
    b.setInsertionPointToStart(body);
    SmallVector<Value> arguments;
    for (auto [index, input] : llvm::enumerate(type.getInputs())) {
      Value pointer = loadSlot(b, loc, body->getArgument(0), index, ptr);
      arguments.push_back(memrefFromPointer(b, loc, pointer,
                                            cast<MemRefType>(input), {}));
    }
    func::CallOp::create(b, loc, program, arguments);
    func::ReturnOp::create(b, loc);
  }
};

} // namespace
