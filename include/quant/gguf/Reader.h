//===- Reader.h - Reading GGUF files -------------------------------*- C++
//-*-===//
//
// Opens a GGUF file (version 3, or 2) by mapping it read-only and parses its
// header, metadata and tensor infos. Tensor data is never copied: it is
// exposed as pointers into the mapping. Every malformed or hostile input is
// reported as a one-line Error; see docs/gguf.md for what is checked.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_GGUF_READER_H
#define QUANT_GGUF_READER_H

#include "quant/gguf/Error.h"
#include "quant/gguf/Metadata.h"
#include "quant/gguf/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace quant::gguf {

/// The four bytes every GGUF file starts with, as a little-endian u32.
constexpr uint32_t kMagic = 0x46554747; // "GGUF"
/// The version this library writes.
constexpr uint32_t kVersion = 3;
/// The alignment used when `general.alignment` is absent.
constexpr uint32_t kDefaultAlignment = 32;
/// The metadata key holding the alignment (a u32 power of two).
constexpr std::string_view kAlignmentKey = "general.alignment";
/// Deepest nesting of arrays accepted (an array of arrays is depth 2).
constexpr unsigned kMaxArrayDepth = 8;
/// Longest metadata key in bytes.
constexpr size_t kMaxKeyLength = 65535;

/// A read-only view of a tensor's bytes.
struct TensorData {
  const uint8_t *data = nullptr;
  size_t size = 0;
};

/// Backing storage of a parsed file: a memory mapping, or a caller's buffer.
class Buffer {
public:
  virtual ~Buffer();
  virtual const uint8_t *data() const = 0;
  virtual size_t size() const = 0;
};

/// A parsed GGUF file. Movable; tensor data pointers stay valid while any
/// File holding the buffer lives (moves do not invalidate them).
class File {
public:
  File() = default;

  /// The name given when opening (the path, or the name for parseMemory).
  const std::string &name() const { return name_; }
  uint32_t version() const { return version_; }
  /// The alignment of the data section and of tensor offsets.
  uint32_t alignment() const { return alignment_; }
  const Metadata &metadata() const { return metadata_; }
  const std::vector<TensorInfo> &tensors() const { return tensors_; }

  /// The tensor named `name`, or nullptr.
  const TensorInfo *findTensor(std::string_view name) const;
  /// The bytes of `tensor`, which must be one of tensors().
  TensorData tensorData(const TensorInfo &tensor) const;

  /// Byte offset in the file where the data section starts.
  uint64_t dataSectionOffset() const { return dataOffset_; }
  /// The whole file as mapped (or the caller's buffer).
  const uint8_t *bufferData() const;
  size_t bufferSize() const;
  /// True when the buffer is a memory mapping of a file.
  bool isMapped() const { return mapped_; }

private:
  friend class Parser;

  std::string name_;
  std::shared_ptr<const Buffer> buffer_;
  bool mapped_ = false;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t dataOffset_ = 0;
  Metadata metadata_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> tensorIndex_;
};

/// Maps the file at `path` read-only and parses it. Messages start with
/// "<path>: ".
Expected<File> openFile(const std::string &path);

/// Parses a GGUF image held in memory. The bytes are not copied: they must
/// outlive the returned File. Messages start with "<name>: ".
Expected<File> parseMemory(const void *data, size_t size,
                           const std::string &name = "<memory>");

} // namespace quant::gguf

#endif // QUANT_GGUF_READER_H
