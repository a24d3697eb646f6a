//===- LoadExternalWeights.cpp - #qt.external data into the module --------===//

#include "dialects/qt/QtOps.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinDialect.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace quant {
#define GEN_PASS_DEF_LOADEXTERNALWEIGHTSPASS
#include "passes/Passes.h.inc"
} // namespace quant

using namespace mlir;
using namespace quant::qt;

namespace {

struct LoadExternalWeightsPass
    : quant::impl::LoadExternalWeightsPassBase<LoadExternalWeightsPass> {
  using LoadExternalWeightsPassBase::LoadExternalWeightsPassBase;

  void runOnOperation() override {
    // Each file is read once, however many constants point into it.
    llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> files;
    WalkResult result = getOperation().walk([&](ConstantOp op) {
      auto external = dyn_cast<ExternalAttr>(op.getValue());
      if (!external)
        return WalkResult::advance();
      llvm::SmallString<256> path(external.getPath());
      if (llvm::sys::path::is_relative(path) && !baseDir.empty()) {
        path = baseDir;
        llvm::sys::path::append(path, external.getPath());
      }
      auto &buffer = files[path];
      if (!buffer) {
        auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                                /*RequiresNullTerminator=*/false);
        if (!file) {
          op.emitOpError("cannot read external data '")
              << path << "': " << file.getError().message();
          return WalkResult::interrupt();
        }
        buffer = std::move(*file);
      }
      uint64_t offset = external.getOffset(), size = external.getSize();
      if (offset > buffer->getBufferSize() ||
          size > buffer->getBufferSize() - offset) {
        op.emitOpError("external data '")
            << path << "' has " << buffer->getBufferSize()
            << " bytes; the range [" << offset << ", " << offset + size
            << ") is outside it";
        return WalkResult::interrupt();
      }
      ArrayRef<char> bytes(buffer->getBufferStart() + offset, size);
      auto type = RankedTensorType::get({int64_t(size)},
                                        IntegerType::get(&getContext(), 8));
      // A resource name that prints without quotes: file stem and offset.
      std::string name =
          (llvm::sys::path::stem(path) + "_" + Twine(offset)).str();
      for (char &c : name)
        if (!llvm::isAlnum(c) && c != '_')
          c = '_';
      auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
          bytes, alignof(uint64_t));
      op.setValueAttr(DenseResourceElementsAttr::get(type, name, std::move(blob)));
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
