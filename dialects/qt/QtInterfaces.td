//===- QtInterfaces.td - the quantized format interface ----*- tablegen -*-===//

#ifndef QT_INTERFACES_TD
#define QT_INTERFACES_TD

include "mlir/IR/OpBase.td"

def QuantFormatAttrInterface : AttrInterface<"QuantFormatAttrInterface"> {
  let cppNamespace = "::quant::qt";
  let description = [{
    A low-bit block format. It exposes the block geometry and emits the
    dequantization of one block as `arith`/`vector` ops, so that kernels for
    every target are generated from the format rather than written per format.
  }];
  let methods = [
    InterfaceMethod<
      "Returns the format's full description, shared with the reference codec.",
      "::quant::fmt::FormatSpec", "getFormatSpec">,
    InterfaceMethod<[{
        Emits the dequantization of one block. `blockBytes` is a
        `vector<BYTES x i8>` holding the block's storage; the result is a
        `vector<ELEMENTS x f32>`. Per-row formats take the resolved spec's
        sizes (see `getFormatSpec().resolvedFor`).
      }],
      "::mlir::Value", "emitDequantizeBlock",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::mlir::Value":$blockBytes, "unsigned":$rowLength),
      /*methodBody=*/"",
      /*defaultImplementation=*/[{
        return ::quant::qt::emitDequantizeBlock(
            builder, loc, $_attr.getFormatSpec().resolvedFor(rowLength),
            blockBytes);
      }]>,
    InterfaceMethod<[{
        Emits the dequantization of element `lane` of one block as an f32
        scalar, reading the block's bytes through `loadByte` (each byte
        zero-extended to i32). Scalar ops only: for GPU kernels.
      }],
      "::mlir::Value", "emitDequantizeElement",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::quant::qt::BlockByteLoader":$loadByte, "int64_t":$lane,
           "unsigned":$rowLength),
      /*methodBody=*/"",
      /*defaultImplementation=*/[{
        return ::quant::qt::emitDequantizeElement(
            builder, loc, $_attr.getFormatSpec().resolvedFor(rowLength),
            loadByte, lane);
      }]>,
  ];
  let extraClassDeclaration = [{
    /// Elements per block; 0 for per-row formats.
    unsigned getBlockSize() { return getFormatSpec().blockSize; }
    /// Storage bits per code.
    unsigned getBits() { return getFormatSpec().bits; }
  }];
}

#endif // QT_INTERFACES_TD
