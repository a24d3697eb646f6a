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

constexpr llvm::StringLiteral kDefaultSymbol = "quant_program_entry";

/// Wraps `program` in `void symbol(void **buffers)` and renames it `__symbol`.
LogicalResult addEntryPoint(ModuleOp module, func::FuncOp program,
                            StringRef symbol) {
  FunctionType type = program.getFunctionType();
  if (type.getNumResults() != 0)
    return program.emitError("the entry function must return its results "
                             "through output buffers (run "
                             "buffer-results-to-out-params)");
  for (Type input : type.getInputs()) {
    auto memref = dyn_cast<MemRefType>(input);
    if (!memref || !memref.hasStaticShape() ||
        !memref.getLayout().isIdentity())
      return program.emitError("entry function arguments must be statically "
                               "shaped dense buffers, got ")
             << input;
  }
  // Keep C's `main` (and any other C symbol) free for the runtime.
  MLIRContext *context = module.getContext();
  auto renamed = StringAttr::get(context, "__" + symbol);
  if (failed(SymbolTable::replaceAllSymbolUses(program, renamed, module)))
    return failure();
  SymbolTable::setSymbolName(program, renamed);
  program.setPrivate();

  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = program.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(context);
  auto wrapper =
      func::FuncOp::create(b, loc, symbol, b.getFunctionType({ptr}, {}));
  Block *body = wrapper.addEntryBlock();
  b.setInsertionPointToStart(body);
  SmallVector<Value> arguments;
  for (auto [index, input] : llvm::enumerate(type.getInputs())) {
    Value pointer = loadSlot(b, loc, body->getArgument(0), index, ptr);
    arguments.push_back(
        memrefFromPointer(b, loc, pointer, cast<MemRefType>(input), {}));
  }
  func::CallOp::create(b, loc, program, arguments);
  func::ReturnOp::create(b, loc);
  return success();
}

struct EntryPointPass : quant::cpu::impl::EntryPointPassBase<EntryPointPass> {
  using EntryPointPassBase::EntryPointPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<StringRef> entries;
    StringRef(entry).split(entries, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
    for (StringRef spec : entries) {
      auto [name, symbol] = spec.trim().split('=');
      if (symbol.empty())
        symbol = kDefaultSymbol;
      auto program = module.lookupSymbol<func::FuncOp>(name);
      if (!program) {
        module.emitError("no entry function '") << name << "'";
        return signalPassFailure();
      }
      if (failed(addEntryPoint(module, program, symbol)))
        return signalPassFailure();
    }
  }
};

} // namespace
