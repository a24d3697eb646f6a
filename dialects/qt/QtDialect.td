//===- QtDialect.td - the qt dialect definition ------------*- tablegen -*-===//
//
// The qt dialect represents low-bit quantized tensors and their block formats.
//
//===----------------------------------------------------------------------===//

#ifndef QT_DIALECT_TD
#define QT_DIALECT_TD

include "mlir/IR/OpBase.td"

def Qt_Dialect : Dialect {
  let name = "qt";
  let cppNamespace = "::quant::qt";
  let summary = "Low-bit quantized tensors, their block formats and fused ops.";
  let description = [{
    A `!qt.tensor` holds low-bit codes and per-block parameters laid out by a
    format attribute implementing `QuantFormatAttrInterface`. The format is a
    single description from which the reference codec, the IR's verifier and
    the kernels' dequantization code are all derived.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let useDefaultAttributePrinterParser = 0;
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();

    /// Format attributes also accept the short names of named formats.
    ::mlir::Attribute parseAttribute(::mlir::DialectAsmParser &parser,
                                     ::mlir::Type type) const override;
    void printAttribute(::mlir::Attribute attr,
                        ::mlir::DialectAsmPrinter &printer) const override;
  }];
}

#endif // QT_DIALECT_TD
