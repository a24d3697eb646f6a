//===- Tensor.cpp - GGUF tensor infos and tensor element types ------------===//
//
// Maps ggml type ids to names and storage sizes (plain types here, block
// types through quant::fmt) and computes overflow-checked tensor sizes.
//
//===----------------------------------------------------------------------===//

#include "quant/gguf/Tensor.h"

#include "quant/formats/Format.h"
#include "quant/formats/PanelLayout.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace quant::gguf {

namespace {
/// Bytes per element of a plain type; 0 otherwise.
uint64_t plainElementBytes(uint32_t type) {
  switch (type) {
  case kTypeF32:
    return 4;
  case kTypeF16:
  case kTypeBF16:
    return 2;
  default:
    return 0;
  }
}

/// a * b, or nullopt on uint64_t overflow.
std::optional<uint64_t> mulChecked(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    return std::nullopt;
  return r;
}
} // namespace

bool isPlainType(uint32_t type) { return plainElementBytes(type) != 0; }

const fmt::FormatSpec *blockFormatOf(uint32_t type) {
  if (isPlainType(type))
    return nullptr;
  const fmt::FormatSpec *spec = fmt::formatForGgufType(type);
  // Per-row formats (blockSize 0) have no fixed geometry: not storable here.
  if (!spec || spec->blockSize == 0 || spec->blockBytes() == 0)
    return nullptr;
  return spec;
}

bool isKnownType(uint32_t type) {
  return isPlainType(type) || blockFormatOf(type) != nullptr;
}

uint64_t typeBlockSize(uint32_t type) {
  if (isPlainType(type))
    return 1;
  if (const fmt::FormatSpec *spec = blockFormatOf(type))
    return spec->blockSize;
  return 0;
}

std::string typeName(uint32_t type) {
  switch (type) {
  case kTypeF32:
    return "f32";
  case kTypeF16:
    return "f16";
  case kTypeBF16:
    return "bf16";
  default:
    break;
  }
  if (const fmt::FormatSpec *spec = blockFormatOf(type))
    return spec->name.empty() ? ::fmt::format("type{}", type) : spec->name;
  return ::fmt::format("type{}", type);
}

std::optional<uint32_t> typeFromName(std::string_view name) {
  if (name == "f32")
    return kTypeF32;
  if (name == "f16")
    return kTypeF16;
  if (name == "bf16")
    return kTypeBF16;
  const fmt::FormatSpec *spec = fmt::lookupNamedFormat(name);
  if (!spec)
    return std::nullopt;
  std::optional<uint32_t> id = fmt::ggufTypeId(*spec);
  if (!id || !blockFormatOf(*id))
    return std::nullopt;
  return id;
}

Expected<uint64_t> tensorByteSize(uint32_t type,
                                  const std::vector<uint64_t> &dims) {
  if (dims.size() > kMaxDims)
    return Error::failure(::fmt::format("{} dimensions, at most {} allowed",
                                        dims.size(), kMaxDims));
  uint64_t elems = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0)
      return Error::failure(::fmt::format("dimension {} is 0", i));
    std::optional<uint64_t> p = mulChecked(elems, dims[i]);
    // Keep element counts representable as int64_t, as ggml does.
    if (!p || *p > static_cast<uint64_t>(INT64_MAX))
      return Error::failure(::fmt::format("element count overflows (dims {})",
                                          ::fmt::join(dims, " x ")));
    elems = *p;
  }
  uint64_t rowLength = dims.empty() ? 1 : dims[0];
  if (uint64_t bytes = plainElementBytes(type)) {
    std::optional<uint64_t> size = mulChecked(elems, bytes);
    if (!size)
      return Error::failure("byte size overflows");
    return *size;
  }
  const fmt::FormatSpec *spec = blockFormatOf(type);
  if (!spec)
    return Error::failure(::fmt::format("unknown tensor type {}", type));
  if (rowLength % spec->blockSize != 0)
    return Error::failure(
        ::fmt::format("row length {} is not a multiple of the {} block size {}",
                      rowLength, spec->name, spec->blockSize));
  std::optional<uint64_t> size =
      mulChecked(elems / spec->blockSize, spec->blockBytes());
  if (!size)
    return Error::failure("byte size overflows");
  return *size;
}

uint64_t TensorInfo::numElements() const {
  uint64_t n = 1;
  for (uint64_t d : dims)
    n *= d;
  return n;
}

uint64_t TensorInfo::numRows() const {
  uint64_t row = rowLength();
  return row == 0 ? 0 : numElements() / row;
}

std::string TensorInfo::shapeString() const {
  std::string out;
  for (size_t i = dims.size(); i-- > 0;) {
    out += ::fmt::format("{}", dims[i]);
    if (i != 0)
      out += " x ";
  }
  return out.empty() ? "scalar" : out;
}

bool panelFormat(const TensorInfo &tensor, fmt::FormatSpec &spec) {
  const fmt::FormatSpec *format = blockFormatOf(tensor.type);
  if (!format || tensor.dims.size() != 2)
    return false;
  size_t rows = size_t(tensor.numRows()), cols = size_t(tensor.rowLength());
  fmt::FormatSpec resolved = format->resolvedFor(cols);
  if (!fmt::canPackPanels(resolved, rows, cols))
    return false;
  spec = resolved;
  return true;
}

} // namespace quant::gguf
