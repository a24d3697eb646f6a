//===- Writer.h - Writing GGUF files -------------------------------*- C++
//-*-===//
//
// Builds a GGUF v3 file from metadata and tensors. Tensor bytes come from a
// caller's buffer or from a producer callback invoked once, in order, while
// the file is written (so a converter never holds the whole output in
// memory). Files are written to `OUT.tmp.<pid>` and renamed to OUT only on
// success; on failure the temporary file is removed.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_GGUF_WRITER_H
#define QUANT_GGUF_WRITER_H

#include "quant/gguf/Error.h"
#include "quant/gguf/Metadata.h"
#include "quant/gguf/Tensor.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace quant::gguf {

namespace detail {
class Sink;
} // namespace detail

/// Fills `size` bytes at `out` with a tensor's data; returns a failure to
/// abort the write.
using TensorProducer = std::function<Error(uint8_t *out, size_t size)>;

/// Assembles and writes one GGUF file.
class Writer {
public:
  /// The metadata to write, in order. `general.alignment`, when present,
  /// must be a u32 power of two and sets the alignment.
  Metadata &metadata() { return metadata_; }
  const Metadata &metadata() const { return metadata_; }

  /// Sets `general.alignment`; fails unless `alignment` is a power of two.
  Error setAlignment(uint32_t alignment);
  /// The alignment the file will have (kDefaultAlignment without the key);
  /// fails when `general.alignment` is not a u32 power of two.
  Expected<uint32_t> alignment() const;

  /// Adds a tensor whose bytes are at `data` (borrowed: they must stay valid
  /// until the file is written). Fails on an invalid or duplicate name, bad
  /// dims, an unknown type, or when `size` differs from the size implied by
  /// type and dims.
  Error addTensor(std::string name, std::vector<uint64_t> dims, uint32_t type,
                  const void *data, size_t size);
  /// Adds a tensor whose bytes `producer` fills when the file is written.
  Error addTensor(std::string name, std::vector<uint64_t> dims, uint32_t type,
                  TensorProducer producer);

  /// The tensors added so far (offsets are assigned when writing).
  const std::vector<TensorInfo> &tensors() const { return infos_; }

  /// Writes the file to `path` through `path.tmp.<pid>` and a rename.
  /// Messages start with "<path>: ".
  Error writeFile(const std::string &path) const;
  /// Serializes the file into memory (for tests and small files).
  Expected<std::vector<uint8_t>> writeToMemory() const;

private:
  Error writeTo(detail::Sink &sink) const;
  Error addTensorImpl(std::string name, std::vector<uint64_t> dims,
                      uint32_t type, uint64_t byteSize, TensorProducer producer,
                      const uint8_t *borrowed);
  Error checkNewTensor(const std::string &name,
                       const std::vector<uint64_t> &dims, uint32_t type,
                       uint64_t &byteSize) const;

  Metadata metadata_;
  std::vector<TensorInfo> infos_;
  /// Per tensor: its producer, or (when empty) its borrowed bytes.
  std::vector<TensorProducer> producers_;
  std::vector<const uint8_t *> borrowed_;
};

} // namespace quant::gguf

#endif // QUANT_GGUF_WRITER_H
