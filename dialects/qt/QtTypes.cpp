//===- QtTypes.cpp - qt types ---------------------------------------------===//

#include "dialects/qt/QtTypes.h"
#include "dialects/qt/QtDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace quant;
using namespace quant::qt;

#define GET_TYPEDEF_CLASSES
#include "dialects/qt/QtTypes.cpp.inc"

void QtDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/qt/QtTypes.cpp.inc"
      >();
}

/// `!qt.tensor<D0 x D1 x ... x FORMAT (, axis = N)?>`
Type QuantTensorType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<int64_t> shape;
  Attribute formatAttr;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/true,
                                /*withTrailingX=*/true))
    return {};
  SMLoc formatLoc = parser.getCurrentLocation();
  if (parser.parseAttribute(formatAttr))
    return {};
  auto format = dyn_cast<QuantFormatAttrInterface>(formatAttr);
  if (!format) {
    parser.emitError(formatLoc, "expected a quantized format attribute, got ")
        << formatAttr;
    return {};
  }
  unsigned axis = shape.empty() ? 0 : unsigned(shape.size() - 1);
  if (succeeded(parser.parseOptionalComma())) {
    int64_t value = 0;
    if (parser.parseKeyword("axis") || parser.parseEqual() ||
        parser.parseInteger(value))
      return {};
    if (value < 0) {
      parser.emitError(loc, "axis must be non-negative");
      return {};
    }
    axis = unsigned(value);
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<QuantTensorType>(loc, parser.getContext(), shape, format,
                                       axis);
}

void QuantTensorType::print(AsmPrinter &printer) const {
  printer << "<";
  printer.printDimensionList(getShape());
  printer << "x";
  printer.printAttribute(getFormat());
  if (getRank() > 0 && getAxis() != getRank() - 1)
    printer << ", axis = " << getAxis();
  printer << ">";
}

LogicalResult QuantTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<int64_t> shape,
                                 QuantFormatAttrInterface format,
                                 unsigned axis) {
  if (shape.empty())
    return emitError() << "a quantized tensor needs at least one dimension";
  if (axis >= shape.size())
    return emitError() << "blocked axis " << axis << " is out of range for rank "
                       << shape.size();
  for (int64_t dim : shape)
    if (dim < 0 && !ShapedType::isDynamic(dim))
      return emitError() << "dimensions must be non-negative";
  fmt::FormatSpec spec = format.getFormatSpec();
  int64_t rowLength = shape[axis];
  if (spec.blockSize == 0) {
    if (ShapedType::isDynamic(rowLength))
      return emitError() << "a per-row format needs a static size along the "
                            "blocked axis "
                         << axis;
    std::string problem = spec.resolvedFor(rowLength).validate();
    if (!problem.empty())
      return emitError() << "per-row format cannot hold rows of " << rowLength
                         << " elements: " << problem;
    return success();
  }
  if (!ShapedType::isDynamic(rowLength) && rowLength % spec.blockSize != 0)
    return emitError() << "block size " << spec.blockSize
                       << " does not divide dimension " << axis << " (size "
                       << rowLength << ")";
  return success();
}

int64_t QuantTensorType::getEffectiveBlockSize() const {
  unsigned blockSize = getFormat().getBlockSize();
  return blockSize == 0 ? getShape()[getAxis()] : int64_t(blockSize);
}

SmallVector<int64_t> QuantTensorType::getStorageRowShape() const {
  SmallVector<int64_t> shape;
  for (auto [index, dim] : llvm::enumerate(getShape()))
    if (index != getAxis())
      shape.push_back(dim);
  shape.push_back(getShape()[getAxis()]);
  return shape;
}

std::optional<uint64_t> QuantTensorType::getStorageBytes() const {
  RankedTensorType storage = getStorageTensorType();
  if (!storage.hasStaticShape())
    return std::nullopt;
  return uint64_t(storage.getNumElements());
}

RankedTensorType QuantTensorType::getStorageTensorType() const {
  SmallVector<int64_t> shape = getStorageRowShape();
  int64_t rowLength = shape.back();
  shape.pop_back();
  int64_t blockSize = getEffectiveBlockSize();
  fmt::FormatSpec spec = getFormat().getFormatSpec().resolvedFor(
      ShapedType::isDynamic(blockSize) ? 1 : blockSize);
  shape.push_back(ShapedType::isDynamic(rowLength) ? ShapedType::kDynamic
                                                   : rowLength / blockSize);
  shape.push_back(int64_t(spec.blockBytes()));
  return RankedTensorType::get(shape, IntegerType::get(getContext(), 8));
}
