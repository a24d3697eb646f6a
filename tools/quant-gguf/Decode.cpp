//===- Decode.cpp - Decoding GGUF tensor rows to float32 ------------------===//

#include "Tool.h"

#include "quant/formats/Codec.h"
#include "quant/formats/Half.h"
#include "quant/gguf/Tensor.h"

#include <fmt/format.h>

#include <cstring>

namespace quant::tool {

std::string checkDecodable(const gguf::TensorInfo &tensor) {
  if (gguf::isPlainType(tensor.type))
    return "";
  const quant::fmt::FormatSpec *spec = gguf::blockFormatOf(tensor.type);
  if (!spec)
    return ::fmt::format("tensor '{}' has unsupported type {}",
                         gguf::escapeForDisplay(tensor.name),
                         gguf::typeName(tensor.type));
  std::string why = quant::fmt::checkRowLength(*spec, tensor.rowLength());
  if (!why.empty())
    return ::fmt::format("tensor '{}': {}", gguf::escapeForDisplay(tensor.name),
                         why);
  return "";
}

std::string decodeRows(const gguf::File &file, const gguf::TensorInfo &tensor,
                       uint64_t row, uint64_t count, float *out) {
  if (std::string why = checkDecodable(tensor); !why.empty())
    return why;
  if (row > tensor.numRows() || count > tensor.numRows() - row)
    return ::fmt::format("rows [{}, {}) out of range for tensor '{}'", row,
                         row + count, gguf::escapeForDisplay(tensor.name));
  gguf::TensorData data = file.tensorData(tensor);
  size_t n = static_cast<size_t>(tensor.rowLength());
  size_t rowBytes = static_cast<size_t>(tensor.byteSize / tensor.numRows());
  const uint8_t *in = data.data + row * rowBytes;
  for (uint64_t r = 0; r < count; ++r, in += rowBytes, out += n) {
    switch (tensor.type) {
    case gguf::kTypeF32:
      std::memcpy(out, in, n * sizeof(float));
      break;
    case gguf::kTypeF16:
    case gguf::kTypeBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        out[i] = tensor.type == gguf::kTypeF16 ? quant::fmt::halfToFloat(h)
                                               : quant::fmt::bf16ToFloat(h);
      }
      break;
    default:
      quant::fmt::dequantizeRow(*gguf::blockFormatOf(tensor.type), in, n, out);
      break;
    }
  }
  return "";
}

} // namespace quant::tool
