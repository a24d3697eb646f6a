//===- QtTypes.td - qt types -------------------------------*- tablegen -*-===//

#ifndef QT_TYPES_TD
#define QT_TYPES_TD

include "QtDialect.td"
include "QtInterfaces.td"
include "mlir/IR/AttrTypeBase.td"

def QT_TensorType : TypeDef<Qt_Dialect, "QuantTensor"> {
  let mnemonic = "tensor";
  let summary = "A tensor of low-bit codes laid out in blocks by a format";
  let description = [{
    `!qt.tensor<shape x format>`, optionally `, axis = N`: blocks run along
    dimension `axis` (the last one by default), which is the reduction axis of
    the matmuls consuming it. The block size must divide that dimension when it
    is static. Storage is row-major over the other dimensions with the blocked
    axis innermost, each row a sequence of blocks.

    ```mlir
    !qt.tensor<4096x14336x#qt.q4_0>
    !qt.tensor<14336x4096x#qt.q8_0, axis = 0>
    ```
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape,
                        "::quant::qt::QuantFormatAttrInterface":$format,
                        "unsigned":$axis);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape,
                     "::quant::qt::QuantFormatAttrInterface":$format), [{
      return $_get($_ctxt, shape, format,
                   shape.empty() ? 0u : unsigned(shape.size() - 1));
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    /// Elements per block along `axis`, resolving per-row formats.
    int64_t getEffectiveBlockSize() const;
    /// The shape with the blocked axis moved innermost.
    ::llvm::SmallVector<int64_t> getStorageRowShape() const;
    /// Bytes of storage; std::nullopt for dynamic shapes.
    std::optional<uint64_t> getStorageBytes() const;
    /// The `tensor<rows... x blocks x bytes x i8>` view of the storage.
    ::mlir::RankedTensorType getStorageTensorType() const;
  }];
}

#endif // QT_TYPES_TD
