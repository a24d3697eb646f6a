//===- QtOps.td - qt operations ----------------------------*- tablegen -*-===//

#ifndef QT_OPS_TD
#define QT_OPS_TD

include "QtDialect.td"
include "QtAttrs.td"
include "QtTypes.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def QT_Tensor : Type<CPred<"::llvm::isa<::quant::qt::QuantTensorType>($_self)">,
                     "quantized tensor", "::quant::qt::QuantTensorType">;

def QT_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;

class QT_Op<string mnemonic, list<Trait> traits = []>
    : Op<Qt_Dialect, mnemonic, traits>;

def QT_ConstantOp : QT_Op<"constant", [ConstantLike, Pure]> {
  let summary = "A constant quantized tensor whose bytes live outside the IR text";
  let description = [{
    The storage bytes of a `!qt.tensor`, given as an elements attribute of
    `i8` (typically a `dense_resource` blob, which stays binary in bytecode and
    in memory) or as `#qt.external<"file", offset = N, size = N>`. The byte
    count must equal the type's storage size.

    ```mlir
    %w = qt.constant dense_resource<w0> : tensor<18432xi8> -> !qt.tensor<32x1024x#qt.q4_0>
    %v = qt.constant #qt.external<"model.gguf", offset = 4096, size = 18432> -> !qt.tensor<32x1024x#qt.q4_0>
    ```
  }];
  let arguments = (ins AnyAttrOf<[ElementsAttr, QT_ExternalAttr]>:$value);
  let results = (outs QT_Tensor:$result);
  let assemblyFormat = "$value attr-dict `->` qualified(type($result))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QT_QuantizeOp : QT_Op<"quantize", [Pure]> {
  let summary = "Quantizes a float tensor into a low-bit format";
  let description = [{
    Encodes with the format's reference round-to-nearest rule.

    ```mlir
    %q = qt.quantize %x : tensor<64x256xf32> -> !qt.tensor<64x256x#qt.q4_0>
    ```
  }];
  let arguments = (ins QT_FloatTensor:$input);
  let results = (outs QT_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` qualified(type($result))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def QT_DequantizeOp : QT_Op<"dequantize", [Pure]> {
  let summary = "Decodes a quantized tensor to floats";
  let description = [{
    ```mlir
    %x = qt.dequantize %q : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x256xf32>
    ```
  }];
  let arguments = (ins QT_Tensor:$input);
  let results = (outs QT_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` type($result)";
  let hasVerifier = 1;
}

def QT_MatmulOp : QT_Op<"matmul", [Pure]> {
  let summary = "Float activations times quantized weights, fused";
  let description = [{
    `y = x · W` or, with `transpose_b`, `y = x · Wᵀ` (the form of LLM linear
    layers, with W stored `[M, K]`). Shapes, with an optional leading batch
    dimension B on `x` and `y` (W is then rank 2 and shared, or rank 3):

    - `x: [B?, N, K]`, `W: [B?, K, M]` (blocked along axis of K), `y: [B?, N, M]`
    - with `transpose_b`: `W: [B?, M, K]`.

    W must be blocked along K, the reduction dimension, so each block is
    dequantized once and reduced in place. Accumulation is in f32.

    ```mlir
    %y = qt.matmul %x, %w transpose_b
        : tensor<?x4096xf32>, !qt.tensor<14336x4096x#qt.q4_0> -> tensor<?x14336xf32>
    ```
  }];
  let arguments = (ins QT_FloatTensor:$lhs, QT_Tensor:$rhs,
                       UnitAttr:$transpose_b);
  let results = (outs QT_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_b` $transpose_b^)? attr-dict `:` type($lhs) `,`
    qualified(type($rhs)) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The dimension of the weight that is reduced over.
    unsigned getWeightReductionDim();
  }];
}

def QT_StorageCastOp : QT_Op<"storage_cast", [Pure]> {
  let summary = "Views a quantized tensor as its raw storage bytes";
  let description = [{
    The result is `tensor<R... x NB x BYTES x i8>`: the non-blocked dimensions
    (in order), then blocks per row and bytes per block. Used by lowerings.

    ```mlir
    %b = qt.storage_cast %q : !qt.tensor<64x256x#qt.q4_0> -> tensor<64x8x18xi8>
    ```
  }];
  let arguments = (ins QT_Tensor:$input);
  let results = (outs RankedTensorOf<[I8]>:$result);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input)) `->` type($result)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def QT_FromStorageOp : QT_Op<"from_storage", [Pure]> {
  let summary = "Views raw storage bytes as a quantized tensor";
  let description = [{
    The inverse of `qt.storage_cast`: the operand holds the blocks of the
    result type in its storage layout, e.g. weights supplied at run time.

    ```mlir
    %q = qt.from_storage %b : tensor<64x8x18xi8> -> !qt.tensor<64x256x#qt.q4_0>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$input);
  let results = (outs QT_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def QT_DispatchOp : QT_Op<"dispatch", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<DestinationStyleOpInterface>,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Runs a generated kernel over a range of work items";
  let description = [{
    Calls `kernel` for the work items `[0, count)`, split across the runtime's
    threads. The kernel reads `inputs` and writes `outputs` (destination
    style: on tensors the results are the updated outputs). After
    bufferization the operands are memrefs and the op has no results; it is
    then lowered to a call of the runtime's `qrt_parallel_for`. The kernel is
    a `func.func` taking `(!llvm.ptr, i64, i64)`: a pointer to an array of the
    operands' data pointers followed by their dynamic sizes, and the range.

    ```mlir
    %y = qt.dispatch @matmul_kernel(%rows) ins(%x, %w : tensor<4x256xf32>, tensor<64x8x18xi8>)
                                          outs(%init : tensor<4x64xf32>) -> tensor<4x64xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$kernel, Index:$count,
                       Variadic<AnyShaped>:$inputs,
                       Variadic<AnyShaped>:$outputs);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $kernel `(` $count `)` `ins` `(` $inputs `:` type($inputs) `)`
    `outs` `(` $outputs `:` type($outputs) `)` attr-dict
    (`->` type($results)^)?
  }];
  let hasVerifier = 1;
}

#endif // QT_OPS_TD
