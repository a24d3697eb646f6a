//===- Tensor.h - GGUF tensor infos and tensor element types -------*- C++
//-*-===//
//
// A GGUF tensor info (name, dims, ggml type, offset) and the mapping from
// ggml type ids to storage sizes. F32, F16 and BF16 are plain element types;
// block types are the named formats of quant::fmt that have a GGUF type id.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_GGUF_TENSOR_H
#define QUANT_GGUF_TENSOR_H

#include "quant/gguf/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quant::fmt {
struct FormatSpec;
} // namespace quant::fmt

namespace quant::gguf {

/// ggml type ids of the plain element types.
constexpr uint32_t kTypeF32 = 0;
constexpr uint32_t kTypeF16 = 1;
constexpr uint32_t kTypeBF16 = 30;

/// Most dimensions a tensor may have.
constexpr unsigned kMaxDims = 4;
/// Longest tensor name in bytes.
constexpr size_t kMaxTensorNameLength = 64;

/// True for F32, F16 and BF16.
bool isPlainType(uint32_t type);
/// The block format of a ggml type id, or nullptr for plain and unknown ids.
const fmt::FormatSpec *blockFormatOf(uint32_t type);
/// True when `type` is a plain type or a block format this library knows.
bool isKnownType(uint32_t type);
/// Elements per block: 1 for plain types, the block size for block formats,
/// 0 for unknown ids.
uint64_t typeBlockSize(uint32_t type);
/// Lower-case type name: "f32", "f16", "bf16", a format name ("q4_0"), or
/// "type<N>" for unknown ids.
std::string typeName(uint32_t type);
/// The type id for a name accepted by typeName (plain or block format with a
/// GGUF id), or nullopt.
std::optional<uint32_t> typeFromName(std::string_view name);

/// Bytes of a tensor of `type` with dimensions `dims` (dims[0] innermost).
/// Fails on an unknown type, a dimension of 0, more than kMaxDims dims, an
/// element count or byte size that overflows, or a row length (dims[0]) that
/// is not a multiple of the type's block size.
Expected<uint64_t> tensorByteSize(uint32_t type,
                                  const std::vector<uint64_t> &dims);

/// One tensor of a GGUF file.
struct TensorInfo {
  std::string name;
  /// Dimensions, dims[0] the innermost (contiguous) one: a matrix of R rows
  /// and C columns has dims {C, R}.
  std::vector<uint64_t> dims;
  /// ggml type id.
  uint32_t type = kTypeF32;
  /// Offset of the data from the start of the data section.
  uint64_t offset = 0;
  /// Bytes of the data, computed from type and dims.
  uint64_t byteSize = 0;

  /// Product of the dims (1 for no dims).
  uint64_t numElements() const;
  /// Elements per row: dims[0] (1 for no dims).
  uint64_t rowLength() const { return dims.empty() ? 1 : dims[0]; }
  /// Number of rows: numElements() / rowLength().
  uint64_t numRows() const;
  /// The shape in row-major reading order (dims reversed), e.g. "64 x 256".
  std::string shapeString() const;
};

/// True when `tensor` is a matrix of a block format that fmt::packPanels can
/// pack (fmt::canPackPanels: a panel layout, whole 16-row panels); `spec`
/// then holds the format resolved for its rows. Pack it with
/// `fmt::packPanels(spec, in, tensor.numRows(), tensor.rowLength(), out)`.
bool panelFormat(const TensorInfo &tensor, fmt::FormatSpec &spec);

} // namespace quant::gguf

#endif // QUANT_GGUF_TENSOR_H
