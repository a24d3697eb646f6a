//===- Npy.h - NumPy .npy tensor files --------------------------*- C++ -*-===//
//
// Reading and writing NumPy .npy files (format versions 1.0, 2.0 and 3.0) in
// C order with the element types AOT programs exchange. Errors are returned
// as one-line messages, never thrown. No LLVM/MLIR dependency: part of the
// runtime that AOT executables link.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_NPY_H
#define QUANT_RUNTIME_NPY_H

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace quant::rt {

/// The alignment of tensor buffers handed to generated code.
constexpr size_t kBufferAlignment = 64;

/// A std::allocator that returns kBufferAlignment-aligned storage.
template <typename T> struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <typename U> AlignedAllocator(const AlignedAllocator<U> &) {}
  T *allocate(size_t n) {
    return static_cast<T *>(
        ::operator new(n * sizeof(T), std::align_val_t(kBufferAlignment)));
  }
  void deallocate(T *p, size_t) {
    ::operator delete(p, std::align_val_t(kBufferAlignment));
  }
  template <typename U> bool operator==(const AlignedAllocator<U> &) const {
    return true;
  }
  template <typename U> bool operator!=(const AlignedAllocator<U> &) const {
    return false;
  }
};

/// Bytes in kBufferAlignment-aligned storage.
using AlignedBytes = std::vector<uint8_t, AlignedAllocator<uint8_t>>;

/// The element types of .npy files the runtime reads and writes.
enum class NpyDType : uint8_t {
  F32, ///< '<f4'
  F16, ///< '<f2'
  I32, ///< '<i4'
  I64, ///< '<i8'
  I8,  ///< '|i1'
};

/// The size of one element in bytes.
size_t npyElementSize(NpyDType dtype);
/// The descr string NumPy writes, e.g. "<f4".
const char *npyDescr(NpyDType dtype);
/// A short name for messages, e.g. "f32".
const char *npyDTypeName(NpyDType dtype);
/// Maps a descr ("<f4", "|i1", ...) to a dtype; false if unsupported.
bool parseNpyDescr(std::string_view descr, NpyDType &dtype);

/// Formats a shape for messages: "2x3", "5", or "scalar" for rank 0.
std::string formatShape(const std::vector<int64_t> &shape);

/// The parsed header of a .npy file.
struct NpyHeader {
  NpyDType dtype = NpyDType::F32;
  std::vector<int64_t> shape;
  /// Offset of the data from the start of the file.
  size_t dataOffset = 0;
  /// The product of the dims (1 for rank 0).
  uint64_t numElements = 0;
  /// numElements times the element size.
  uint64_t numBytes = 0;
};

/// The largest header dictionary accepted, in bytes.
constexpr size_t kMaxNpyHeaderSize = 1 << 20;

/// The bytes a header's preamble occupies at most: enough for npyHeaderSize.
constexpr size_t kNpyPreambleSize = 12;

/// Reads the preamble at the start of `bytes` (`size` of them, at most
/// kNpyPreambleSize needed) and sets `headerSize` to the size of the whole
/// header: preamble plus dictionary, i.e. the offset of the data. On failure
/// returns false and sets `error` ("not a .npy file", "truncated header", ...).
bool npyHeaderSize(const void *bytes, size_t size, size_t &headerSize,
                   std::string &error);

/// Parses the header at the start of `bytes` (`size` of them: the preamble
/// and at least the header dictionary). On failure returns false and sets
/// `error` to a message without a file name, e.g. "not a .npy file".
bool parseNpyHeader(const void *bytes, size_t size, NpyHeader &header,
                    std::string &error);

/// The header bytes (magic, version, length, dictionary, padding) of a C-order
/// array: version 1.0 when the dictionary fits, else 2.0; the data that
/// follows starts at a multiple of 64 bytes.
std::string formatNpyHeader(NpyDType dtype, const std::vector<int64_t> &shape);

/// A tensor read from a .npy file.
struct NpyArray {
  NpyDType dtype = NpyDType::F32;
  std::vector<int64_t> shape;
  /// The elements, C order, little-endian. Capacity is at least one
  /// kBufferAlignment block, so data.data() is never null.
  AlignedBytes data;
};

/// Reads a whole .npy file. On failure returns false and sets `error` to one
/// line naming the file, e.g. "a.npy: truncated data (expected 24 bytes, got
/// 12)".
bool readNpy(const std::string &path, NpyArray &array, std::string &error);

/// Writes a C-order array to `path` through a temporary file in the same
/// directory renamed into place, so a failure leaves no partial file. On
/// failure returns false and sets `error` to one line naming the file.
bool writeNpy(const std::string &path, NpyDType dtype,
              const std::vector<int64_t> &shape, const void *data,
              std::string &error);

} // namespace quant::rt

#endif // QUANT_RUNTIME_NPY_H
