//===- PackConstantWeights.cpp - constant weights as packed panels --------===//

#include "codegen/cpu/Passes.h"
#include "dialects/qt/QtOps.h"
#include "quant/formats/PanelLayout.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace quant::cpu {
#define GEN_PASS_DEF_PACKCONSTANTWEIGHTSPASS
#include "codegen/cpu/Passes.h.inc"
} // namespace quant::cpu

using namespace mlir;
using namespace quant;

namespace {

/// True when `user` reads its weights as W[M, K] of y[N, M] = x[N, K] · Wᵀ,
/// the only shape packed panels serve.
bool readsPackableWeights(Operation *user, Value weights) {
  auto matmul = dyn_cast<qt::MatmulOp>(user);
  return matmul && matmul.getRhs() == weights && matmul.getTransposeB() &&
         matmul.getLhs().getType().getRank() == 2;
}

/// The constant's bytes, or an empty range when they are not at hand.
ArrayRef<char> constantBytes(qt::ConstantOp constant) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
  if (auto dense = dyn_cast<DenseElementsAttr>(constant.getValue()))
    if (!dense.isSplat())
      return dense.getRawData();
  return {};
}

struct PackConstantWeightsPass
    : quant::cpu::impl::PackConstantWeightsPassBase<PackConstantWeightsPass> {
  void runOnOperation() override {
    unsigned counter = 0;
    getOperation().walk([&](qt::ConstantOp constant) {
      auto type = cast<qt::QuantTensorType>(constant.getType());
      if (type.getShape().size() != 2 || constant->use_empty())
        return;
      int64_t rows = type.getShape()[0], cols = type.getShape()[1];
      fmt::FormatSpec spec =
          type.getFormat().getFormatSpec().resolvedFor(size_t(cols));
      if (!fmt::canPackPanels(spec, size_t(rows), size_t(cols)))
        return;
      for (Operation *user : constant->getUsers())
        if (!readsPackableWeights(user, constant))
          return;
      ArrayRef<char> bytes = constantBytes(constant);
      size_t size = spec.rowBytes(size_t(cols)) * size_t(rows);
      if (bytes.size() != size)
        return;
      AsmResourceBlob blob = HeapAsmResourceBlob::allocate(size, alignof(uint64_t));
      fmt::packPanels(spec, reinterpret_cast<const uint8_t *>(bytes.data()),
                      size_t(rows), size_t(cols),
                      reinterpret_cast<uint8_t *>(blob.getMutableData().data()));
      auto storage = RankedTensorType::get(
          {int64_t(size)}, IntegerType::get(&getContext(), 8));
      constant.setValueAttr(DenseResourceElementsAttr::get(
          storage, "packed_panels_" + std::to_string(counter++),
          std::move(blob)));
      for (Operation *user : constant->getUsers())
        user->setAttr(qt::kPackedWeightsAttrName, UnitAttr::get(&getContext()));
    });
  }
};

} // namespace
