//===- QtAttrs.cpp - qt format attributes ---------------------------------===//
//
// Syntax, verification and FormatSpec conversion of the format attributes.
// Every attribute is verified by FormatSpec::validate, the same check the
// reference codec relies on, so the IR accepts exactly the formats the rest of
// the project can encode, decode and compile.
//
//===----------------------------------------------------------------------===//

#include "dialects/qt/QtAttrs.h"
#include "dialects/qt/QtDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace quant;
using namespace quant::qt;

#include "dialects/qt/QtInterfaces.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/qt/QtAttrs.cpp.inc"

void QtDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/qt/QtAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Dialect attribute syntax: the generated parsers plus named formats
//===----------------------------------------------------------------------===//

Attribute QtDialect::parseAttribute(DialectAsmParser &parser,
                                    Type type) const {
  SMLoc loc = parser.getCurrentLocation();
  StringRef mnemonic;
  Attribute attr;
  OptionalParseResult parsed =
      generatedAttributeParser(parser, &mnemonic, type, attr);
  if (parsed.has_value())
    return succeeded(*parsed) ? attr : Attribute();
  if (const fmt::FormatSpec *spec = fmt::lookupNamedFormat(mnemonic.str()))
    return getFormatAttr(getContext(), *spec);
  parser.emitError(loc) << "unknown qt attribute or format name '" << mnemonic
                        << "'";
  return {};
}

void QtDialect::printAttribute(Attribute attr,
                               DialectAsmPrinter &printer) const {
  // A format equal to a named one prints as its name.
  if (auto format = dyn_cast<QuantFormatAttrInterface>(attr)) {
    fmt::FormatSpec spec = format.getFormatSpec();
    for (const fmt::FormatSpec &named : fmt::namedFormats()) {
      if (named.sameLayoutAs(spec)) {
        printer << named.name;
        return;
      }
    }
  }
  (void)generatedAttributePrinter(attr, printer);
}

//===----------------------------------------------------------------------===//
// Spec construction shared by getFormatSpec and the verifiers
//===----------------------------------------------------------------------===//

static fmt::FormatSpec makeIntSpec(unsigned bits, bool isSigned,
                                   unsigned blockSize, fmt::ScaleType scale,
                                   int bias, fmt::OffsetKind offset,
                                   fmt::Packing packing) {
  fmt::FormatSpec spec;
  spec.bits = bits;
  spec.codeKind = isSigned ? fmt::CodeKind::SInt : fmt::CodeKind::UInt;
  spec.blockSize = blockSize;
  spec.scaleType = scale;
  spec.bias = bias;
  spec.offset = offset;
  spec.packing = packing;
  return spec;
}

static fmt::FormatSpec makeCodebookSpec(unsigned bits, unsigned blockSize,
                                        fmt::ScaleType scale,
                                        fmt::Packing packing,
                                        ArrayRef<float> values) {
  fmt::FormatSpec spec;
  spec.bits = bits;
  spec.codeKind = fmt::CodeKind::Codebook;
  spec.blockSize = blockSize;
  spec.scaleType = scale;
  spec.packing = packing;
  spec.codebook.assign(values.begin(), values.end());
  return spec;
}

static unsigned miniFloatBits(fmt::MiniFloat type) {
  switch (type) {
  case fmt::MiniFloat::E2M1:
    return 4;
  case fmt::MiniFloat::E2M3:
  case fmt::MiniFloat::E3M2:
    return 6;
  case fmt::MiniFloat::E4M3FN:
  case fmt::MiniFloat::E5M2:
    return 8;
  }
  return 8;
}

static fmt::FormatSpec makeMiniFloatSpec(fmt::MiniFloat type,
                                         unsigned blockSize,
                                         fmt::ScaleType scale,
                                         fmt::Packing packing) {
  fmt::FormatSpec spec;
  spec.bits = miniFloatBits(type);
  spec.codeKind = fmt::CodeKind::MiniFloat;
  spec.miniFloat = type;
  spec.blockSize = blockSize;
  spec.scaleType = scale;
  spec.packing = packing;
  return spec;
}

static fmt::FormatSpec makeKQuantSpec(fmt::Layout layout) {
  for (const fmt::FormatSpec &named : fmt::namedFormats())
    if (named.layout == layout)
      return named;
  fmt::FormatSpec spec;
  spec.layout = layout;
  return spec;
}

static LogicalResult verifySpec(function_ref<InFlightDiagnostic()> emitError,
                                const fmt::FormatSpec &spec) {
  std::string problem = spec.validate();
  if (problem.empty())
    return success();
  return emitError() << "invalid format: " << problem;
}

fmt::FormatSpec IntFormatAttr::getFormatSpec() const {
  return makeIntSpec(getBits(), getIsSigned(), getBlockSize(), getScaleType(),
                     getBias(), getOffset(), getPacking());
}

LogicalResult
IntFormatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      unsigned bits, bool isSigned, unsigned blockSize,
                      fmt::ScaleType scale, int bias, fmt::OffsetKind offset,
                      fmt::Packing packing) {
  return verifySpec(emitError, makeIntSpec(bits, isSigned, blockSize, scale,
                                           bias, offset, packing));
}

fmt::FormatSpec CodebookFormatAttr::getFormatSpec() const {
  return makeCodebookSpec(getBits(), getBlockSize(), getScaleType(),
                          getPacking(), getValues().asArrayRef());
}

LogicalResult
CodebookFormatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                           unsigned bits, unsigned blockSize,
                           fmt::ScaleType scale, fmt::Packing packing,
                           DenseF32ArrayAttr values) {
  if (!values)
    return emitError() << "a codebook needs values";
  return verifySpec(emitError, makeCodebookSpec(bits, blockSize, scale, packing,
                                                values.asArrayRef()));
}

fmt::FormatSpec MiniFloatFormatAttr::getFormatSpec() const {
  return makeMiniFloatSpec(getMiniFloat(), getBlockSize(), getScaleType(),
                           getPacking());
}

LogicalResult
MiniFloatFormatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                            fmt::MiniFloat type, unsigned blockSize,
                            fmt::ScaleType scale, fmt::Packing packing) {
  return verifySpec(emitError,
                    makeMiniFloatSpec(type, blockSize, scale, packing));
}

fmt::FormatSpec KQuantFormatAttr::getFormatSpec() const {
  return makeKQuantSpec(getLayout());
}

LogicalResult
KQuantFormatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         fmt::Layout layout) {
  if (layout == fmt::Layout::Generic)
    return emitError() << "'generic' is not a K-quant layout";
  return verifySpec(emitError, makeKQuantSpec(layout));
}

QuantFormatAttrInterface quant::qt::getFormatAttr(MLIRContext *context,
                                                  const fmt::FormatSpec &spec) {
  if (spec.layout != fmt::Layout::Generic)
    return KQuantFormatAttr::get(context, spec.layout);
  switch (spec.codeKind) {
  case fmt::CodeKind::UInt:
  case fmt::CodeKind::SInt:
    return IntFormatAttr::get(context, spec.bits,
                              spec.codeKind == fmt::CodeKind::SInt,
                              spec.blockSize, spec.scaleType, spec.bias,
                              spec.offset, spec.packing);
  case fmt::CodeKind::Codebook:
    return CodebookFormatAttr::get(context, spec.bits, spec.blockSize,
                                   spec.scaleType, spec.packing,
                                   DenseF32ArrayAttr::get(context, spec.codebook));
  case fmt::CodeKind::MiniFloat:
    return MiniFloatFormatAttr::get(context, spec.miniFloat, spec.blockSize,
                                    spec.scaleType, spec.packing);
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Parameter-list syntax shared by the format attributes
//===----------------------------------------------------------------------===//

namespace {
/// The parameters a format attribute may spell, in any order:
/// `bits = N`, `block = N | row`, `scale = f32 | f16 | bf16 | e8m0 | none`,
/// `bias = N`, `signed`, `zero_point`, `min`, `packing = linear | ggml`,
/// `values = [f, ...]`, and a leading bare minifloat or K-quant name.
struct FormatParams {
  std::optional<unsigned> bits;
  std::optional<unsigned> blockSize;
  std::optional<fmt::ScaleType> scale;
  int bias = 0;
  bool isSigned = false;
  fmt::OffsetKind offset = fmt::OffsetKind::None;
  fmt::Packing packing = fmt::Packing::Linear;
  std::optional<SmallVector<float>> values;
  std::optional<fmt::MiniFloat> miniFloat;
  std::optional<fmt::Layout> layout;
};
} // namespace

static std::optional<fmt::Layout> parseLayoutName(StringRef name) {
  for (fmt::Layout l : {fmt::Layout::Q2_K, fmt::Layout::Q3_K, fmt::Layout::Q4_K,
                        fmt::Layout::Q5_K, fmt::Layout::Q6_K})
    if (fmt::toString(l) == std::string_view(name.data(), name.size()))
      return l;
  return std::nullopt;
}

static ParseResult parseFormatParam(AsmParser &parser, FormatParams &params,
                                    StringRef allowed) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef key;
  if (parser.parseKeyword(&key))
    return failure();
  auto reject = [&]() {
    return parser.emitError(loc) << "unexpected format parameter '" << key
                                 << "'";
  };
  std::string_view keyView(key.data(), key.size());
  if (allowed.contains("mini")) {
    if (auto mini = fmt::parseMiniFloat(keyView)) {
      params.miniFloat = *mini;
      return success();
    }
  }
  if (allowed.contains("layout")) {
    if (auto layout = parseLayoutName(key)) {
      params.layout = *layout;
      return success();
    }
  }
  // Flags.
  if (key == "signed" && allowed.contains("int")) {
    params.isSigned = true;
    return success();
  }
  if (key == "zero_point" && allowed.contains("int")) {
    params.offset = fmt::OffsetKind::ZeroPoint;
    return success();
  }
  if (key == "min" && allowed.contains("int")) {
    params.offset = fmt::OffsetKind::Min;
    return success();
  }
  // `key = value` entries.
  bool common = !allowed.contains("layout") &&
                (key == "block" || key == "scale" || key == "packing");
  bool valid = common || (key == "bits" && allowed.contains("bits")) ||
               (key == "bias" && allowed.contains("int")) ||
               (key == "values" && allowed.contains("values"));
  if (!valid || parser.parseEqual())
    return valid ? failure() : reject();
  SMLoc valueLoc = parser.getCurrentLocation();
  if (key == "bits" || key == "bias") {
    int64_t value;
    if (parser.parseInteger(value))
      return failure();
    if (key == "bits") {
      if (value < 1 || value > 8)
        return parser.emitError(valueLoc, "bits must be in [1, 8], got ")
               << value;
      params.bits = unsigned(value);
    } else {
      params.bias = int(value);
    }
    return success();
  }
  if (key == "block") {
    if (succeeded(parser.parseOptionalKeyword("row"))) {
      params.blockSize = 0;
      return success();
    }
    int64_t value;
    if (parser.parseInteger(value))
      return failure();
    if (value < 1 || value > (1 << 20))
      return parser.emitError(valueLoc, "block must be positive (or 'row')");
    params.blockSize = unsigned(value);
    return success();
  }
  if (key == "scale") {
    StringRef name;
    if (parser.parseKeyword(&name))
      return failure();
    auto scale = fmt::parseScaleType(std::string_view(name.data(), name.size()));
    if (!scale)
      return parser.emitError(valueLoc, "unknown scale type '") << name << "'";
    params.scale = *scale;
    return success();
  }
  if (key == "packing") {
    StringRef name;
    if (parser.parseKeyword(&name))
      return failure();
    if (name == "linear")
      params.packing = fmt::Packing::Linear;
    else if (name == "ggml")
      params.packing = fmt::Packing::Ggml;
    else
      return parser.emitError(valueLoc, "unknown packing '")
             << name << "' (expected 'linear' or 'ggml')";
    return success();
  }
  // values = [ ... ]
  SmallVector<float> values;
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&]() {
        // Values are float literals (MLIR's rule: `1.0`, not `1`).
        double value;
        if (parser.parseFloat(value))
          return failure();
        values.push_back(float(value));
        return success();
      }))
    return failure();
  params.values = std::move(values);
  return success();
}

/// Parses `<param, param, ...>`; `allowed` names the parameter groups the
/// attribute accepts.
static ParseResult parseFormatParams(AsmParser &parser, FormatParams &params,
                                     StringRef allowed) {
  return parser.parseCommaSeparatedList(
      AsmParser::Delimiter::LessGreater,
      [&]() { return parseFormatParam(parser, params, allowed); });
}

static ParseResult requireParam(AsmParser &parser, SMLoc loc, bool present,
                                StringRef name) {
  if (present)
    return success();
  return parser.emitError(loc, "missing format parameter '") << name << "'";
}

static StringRef toRef(std::string_view text) {
  return StringRef(text.data(), text.size());
}

static void printFloat(AsmPrinter &printer, float value) {
  SmallString<16> text;
  APFloat(value).toString(text);
  if (StringRef(text).find_first_of(".eEn") == StringRef::npos)
    text += ".0";
  printer << text;
}

static void printCommon(AsmPrinter &printer, unsigned blockSize,
                        fmt::ScaleType scale, fmt::Packing packing) {
  printer << "block = ";
  if (blockSize == 0)
    printer << "row";
  else
    printer << blockSize;
  printer << ", scale = " << toRef(fmt::toString(scale));
  if (packing == fmt::Packing::Ggml)
    printer << ", packing = ggml";
}

Attribute IntFormatAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  FormatParams p;
  if (parseFormatParams(parser, p, "int bits") ||
      requireParam(parser, loc, p.bits.has_value(), "bits") ||
      requireParam(parser, loc, p.blockSize.has_value(), "block") ||
      requireParam(parser, loc, p.scale.has_value(), "scale"))
    return {};
  return parser.getChecked<IntFormatAttr>(loc, parser.getContext(), *p.bits,
                                          p.isSigned, *p.blockSize, *p.scale,
                                          p.bias, p.offset, p.packing);
}

void IntFormatAttr::print(AsmPrinter &printer) const {
  printer << "<bits = " << getBits();
  if (getIsSigned())
    printer << ", signed";
  printer << ", ";
  printCommon(printer, getBlockSize(), getScaleType(), getPacking());
  if (getBias() != 0)
    printer << ", bias = " << getBias();
  if (getOffset() == fmt::OffsetKind::ZeroPoint)
    printer << ", zero_point";
  else if (getOffset() == fmt::OffsetKind::Min)
    printer << ", min";
  printer << ">";
}

Attribute CodebookFormatAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  FormatParams p;
  if (parseFormatParams(parser, p, "bits values") ||
      requireParam(parser, loc, p.bits.has_value(), "bits") ||
      requireParam(parser, loc, p.blockSize.has_value(), "block") ||
      requireParam(parser, loc, p.scale.has_value(), "scale") ||
      requireParam(parser, loc, p.values.has_value(), "values"))
    return {};
  return parser.getChecked<CodebookFormatAttr>(
      loc, parser.getContext(), *p.bits, *p.blockSize, *p.scale, p.packing,
      DenseF32ArrayAttr::get(parser.getContext(), *p.values));
}

void CodebookFormatAttr::print(AsmPrinter &printer) const {
  printer << "<bits = " << getBits() << ", ";
  printCommon(printer, getBlockSize(), getScaleType(), getPacking());
  printer << ", values = [";
  llvm::interleaveComma(getValues().asArrayRef(), printer,
                        [&](float v) { printFloat(printer, v); });
  printer << "]>";
}

Attribute MiniFloatFormatAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  FormatParams p;
  if (parseFormatParams(parser, p, "mini") ||
      requireParam(parser, loc, p.miniFloat.has_value(),
                   "element type (e2m1, e2m3, e3m2, e4m3fn, e5m2)") ||
      requireParam(parser, loc, p.blockSize.has_value(), "block") ||
      requireParam(parser, loc, p.scale.has_value(), "scale"))
    return {};
  return parser.getChecked<MiniFloatFormatAttr>(
      loc, parser.getContext(), *p.miniFloat, *p.blockSize, *p.scale,
      p.packing);
}

void MiniFloatFormatAttr::print(AsmPrinter &printer) const {
  printer << "<" << toRef(fmt::toString(getMiniFloat())) << ", ";
  printCommon(printer, getBlockSize(), getScaleType(), getPacking());
  printer << ">";
}

Attribute KQuantFormatAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  FormatParams p;
  if (parseFormatParams(parser, p, "layout") ||
      requireParam(parser, loc, p.layout.has_value(),
                   "layout (q2_k, q3_k, q4_k, q5_k, q6_k)"))
    return {};
  return parser.getChecked<KQuantFormatAttr>(loc, parser.getContext(),
                                             *p.layout);
}

void KQuantFormatAttr::print(AsmPrinter &printer) const {
  printer << "<" << toRef(fmt::toString(getLayout())) << ">";
}
