//===- QtAttrs.td - qt format attributes -------------------*- tablegen -*-===//

#ifndef QT_ATTRS_TD
#define QT_ATTRS_TD

include "QtDialect.td"
include "QtInterfaces.td"
include "mlir/IR/AttrTypeBase.td"

class QT_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Qt_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

class QT_FormatAttr<string name, string attrMnemonic>
    : QT_Attr<name, attrMnemonic,
              [DeclareAttrInterfaceMethods<QuantFormatAttrInterface>]> {
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def QT_IntFormatAttr : QT_FormatAttr<"IntFormat", "int"> {
  let summary = "Integer codes of 1 to 8 bits with a per-block scale";
  let description = [{
    `x = s * (q - bias)` (unsigned codes), `x = s * q` (`signed`),
    `x = s * (q - z)` (`zero_point`: a u8 zero point after the scale) or
    `x = s * q + m` (`min`: a minimum of the scale's type after the scale).
    `block = row` gives one block per row (per-channel scales).

    ```mlir
    #qt.int<bits = 4, block = 32, scale = f16, bias = 8, packing = ggml>
    #qt.int<bits = 4, block = 128, scale = f16, zero_point>
    #qt.int<bits = 8, signed, block = row, scale = f32>
    ```
  }];
  let parameters = (ins "unsigned":$bits, "bool":$isSigned,
                        "unsigned":$blockSize,
                        "::quant::fmt::ScaleType":$scaleType, "int":$bias,
                        "::quant::fmt::OffsetKind":$offset,
                        "::quant::fmt::Packing":$packing);
}

def QT_CodebookFormatAttr : QT_FormatAttr<"CodebookFormat", "codebook"> {
  let summary = "Codes indexing a table of values, with a per-block scale";
  let description = [{
    `x = s * values[q]`; the table has `2^bits` entries.

    ```mlir
    #qt.codebook<bits = 2, block = 64, scale = f16, values = [-1.5, -0.5, 0.5, 1.5]>
    ```
  }];
  let parameters = (ins "unsigned":$bits, "unsigned":$blockSize,
                        "::quant::fmt::ScaleType":$scaleType,
                        "::quant::fmt::Packing":$packing,
                        "::mlir::DenseF32ArrayAttr":$values);
}

def QT_MiniFloatFormatAttr : QT_FormatAttr<"MiniFloatFormat", "float"> {
  let summary = "Minifloat codes with a shared per-block scale";
  let description = [{
    `x = s * decode(q)` where `decode` is an ExMy minifloat (e2m1, e2m3, e3m2,
    e4m3fn, e5m2); with `scale = e8m0` this is the OCP MX family.

    ```mlir
    #qt.float<e2m1, block = 32, scale = e8m0, packing = ggml>
    ```
  }];
  let parameters = (ins "::quant::fmt::MiniFloat":$miniFloat,
                        "unsigned":$blockSize,
                        "::quant::fmt::ScaleType":$scaleType,
                        "::quant::fmt::Packing":$packing);
}

def QT_KQuantFormatAttr : QT_FormatAttr<"KQuantFormat", "kquant"> {
  let summary = "A GGUF super-block (K-quant) format with its bespoke layout";
  let description = [{
    Blocks of 256 elements in sub-blocks with packed sub-block scales, laid out
    exactly as GGUF files store them. Usually written by name (`#qt.q4_k`).

    ```mlir
    #qt.kquant<q4_k>
    ```
  }];
  let parameters = (ins "::quant::fmt::Layout":$layout);
}

def QT_ExternalAttr : QT_Attr<"External", "external"> {
  let summary = "Constant data kept outside the IR, in a file at an offset";
  let description = [{
    References `size` bytes at byte `offset` of `path`, so that large weights
    never pass through the IR as text.

    ```mlir
    #qt.external<"model.gguf", offset = 4096, size = 18432>
    ```
  }];
  let parameters = (ins StringRefParameter<"path">:$path, "uint64_t":$offset,
                        "uint64_t":$size);
  let assemblyFormat = [{
    `<` $path `,` `offset` `=` $offset `,` `size` `=` $size `>`
  }];
}

#endif // QT_ATTRS_TD
