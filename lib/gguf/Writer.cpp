//===- Writer.cpp - Writing GGUF files ------------------------------------===//
//
// Serializes metadata, tensor infos and tensor data with alignment padding,
// to a temporary file renamed into place on success, or to memory.
//
//===----------------------------------------------------------------------===//

#include "quant/gguf/Writer.h"

#include "quant/gguf/Reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace quant::gguf {

namespace detail {
/// Where serialized bytes go; counts them.
class Sink {
public:
  virtual ~Sink() = default;
  Error write(const void *data, size_t n) {
    if (n == 0)
      return Error::success();
    written_ += n;
    return writeImpl(data, n);
  }
  Error zeros(size_t n) {
    static const uint8_t kZeros[256] = {};
    while (n > 0) {
      size_t chunk = std::min(n, sizeof(kZeros));
      if (Error e = write(kZeros, chunk))
        return e;
      n -= chunk;
    }
    return Error::success();
  }
  Error u32(uint32_t v) { return write(&v, 4); }
  Error u64(uint64_t v) { return write(&v, 8); }
  Error str(std::string_view s) {
    if (Error e = u64(s.size()))
      return e;
    return write(s.data(), s.size());
  }
  uint64_t written() const { return written_; }

protected:
  virtual Error writeImpl(const void *data, size_t n) = 0;

private:
  uint64_t written_ = 0;
};
} // namespace detail

namespace {
using detail::Sink;

bool isPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }
uint64_t alignUp(uint64_t v, uint64_t align) {
  return (v + align - 1) & ~(align - 1);
}

class MemorySink final : public Sink {
public:
  std::vector<uint8_t> bytes;

protected:
  Error writeImpl(const void *data, size_t n) override {
    const uint8_t *p = static_cast<const uint8_t *>(data);
    bytes.insert(bytes.end(), p, p + n);
    return Error::success();
  }
};

/// Writes to a temporary file next to the destination; `commit` renames it
/// into place, the destructor removes it when not committed.
class TempFileSink final : public Sink {
public:
  explicit TempFileSink(std::string path)
      : path_(std::move(path)),
        tmpPath_(::fmt::format("{}.tmp.{}", path_, ::getpid())) {}
  ~TempFileSink() override {
    if (file_)
      std::fclose(file_);
    if (opened_ && !committed_)
      std::remove(tmpPath_.c_str());
  }

  Error open() {
    file_ = std::fopen(tmpPath_.c_str(), "wb");
    if (!file_)
      return sysError("cannot create");
    opened_ = true;
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    return Error::success();
  }

  Error commit() {
    if (std::fflush(file_) != 0)
      return sysError("cannot write");
    if (::fsync(::fileno(file_)) != 0 && errno != EINVAL)
      return sysError("cannot sync");
    int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0)
      return sysError("cannot write");
    if (std::rename(tmpPath_.c_str(), path_.c_str()) != 0)
      return Error::failure(::fmt::format(
          "cannot rename {} to {}: {}", tmpPath_, path_, std::strerror(errno)));
    committed_ = true;
    return Error::success();
  }

protected:
  Error writeImpl(const void *data, size_t n) override {
    if (std::fwrite(data, 1, n, file_) != n)
      return sysError("cannot write");
    return Error::success();
  }

private:
  Error sysError(const char *what) const {
    return Error::failure(
        ::fmt::format("{} {}: {}", what, tmpPath_, std::strerror(errno)));
  }

  std::string path_;
  std::string tmpPath_;
  std::FILE *file_ = nullptr;
  bool opened_ = false;
  bool committed_ = false;
};

/// Checks that a value can be written and read back (array nesting depth).
Error checkValue(const Value &v, unsigned depth) {
  if (!v.isArray())
    return Error::success();
  if (depth > kMaxArrayDepth)
    return Error::failure(
        ::fmt::format("arrays nested deeper than {}", kMaxArrayDepth));
  for (const Value &inner : v.getArray()->arrays())
    if (Error e = checkValue(inner, depth + 1))
      return e;
  return Error::success();
}

/// Writes the payload of `v` (without its type id).
Error writeValue(Sink &sink, const Value &v) {
  if (std::optional<std::string_view> s = v.getString())
    return sink.str(*s);
  if (const ArrayValue *a = v.getArray()) {
    if (Error e = sink.u32(static_cast<uint32_t>(a->elemType())))
      return e;
    if (Error e = sink.u64(a->size()))
      return e;
    if (a->elemType() == ValueType::String) {
      for (const std::string &s : a->strings())
        if (Error e = sink.str(s))
          return e;
      return Error::success();
    }
    if (a->elemType() == ValueType::Array) {
      for (const Value &inner : a->arrays())
        if (Error e = writeValue(sink, inner))
          return e;
      return Error::success();
    }
    return sink.write(a->raw().data(), a->raw().size());
  }
  uint64_t bits = v.rawBits();
  return sink.write(&bits, scalarSize(v.type()));
}
} // namespace

Error Writer::setAlignment(uint32_t alignment) {
  if (!isPowerOfTwo(alignment))
    return Error::failure(
        ::fmt::format("alignment {} is not a nonzero power of two", alignment));
  metadata_.set(std::string(kAlignmentKey), Value::u32(alignment));
  return Error::success();
}

Expected<uint32_t> Writer::alignment() const {
  const Value *v = metadata_.find(kAlignmentKey);
  if (!v)
    return kDefaultAlignment;
  std::optional<uint32_t> a = v->get<uint32_t>();
  if (!a)
    return Error::failure(::fmt::format("{} has type {}, expected u32",
                                        kAlignmentKey, toString(v->type())));
  if (!isPowerOfTwo(*a))
    return Error::failure(::fmt::format(
        "{} is {}, expected a nonzero power of two", kAlignmentKey, *a));
  return *a;
}

Error Writer::checkNewTensor(const std::string &name,
                             const std::vector<uint64_t> &dims, uint32_t type,
                             uint64_t &byteSize) const {
  if (name.empty())
    return Error::failure("tensor name is empty");
  if (name.size() > kMaxTensorNameLength)
    return Error::failure(
        ::fmt::format("tensor name '{}' is longer than {} bytes", name,
                      kMaxTensorNameLength));
  for (const TensorInfo &t : infos_)
    if (t.name == name)
      return Error::failure(::fmt::format("duplicate tensor name '{}'", name));
  if (dims.empty())
    return Error::failure(::fmt::format("tensor '{}' has no dimensions", name));
  if (!isKnownType(type))
    return Error::failure(
        ::fmt::format("tensor '{}' has unknown type {}", name, type));
  Expected<uint64_t> bytes = tensorByteSize(type, dims);
  if (!bytes)
    return Error::failure(
        ::fmt::format("tensor '{}': {}", name, bytes.message()));
  byteSize = *bytes;
  return Error::success();
}

Error Writer::addTensor(std::string name, std::vector<uint64_t> dims,
                        uint32_t type, const void *data, size_t size) {
  uint64_t byteSize = 0;
  if (Error e = checkNewTensor(name, dims, type, byteSize))
    return e;
  if (size != byteSize)
    return Error::failure(::fmt::format(
        "tensor '{}': {} bytes given, {} {} needs {}", name, size,
        typeName(type), TensorInfo{name, dims, type}.shapeString(), byteSize));
  if (!data)
    return Error::failure(::fmt::format("tensor '{}': no data", name));
  return addTensorImpl(std::move(name), std::move(dims), type, byteSize,
                       nullptr, static_cast<const uint8_t *>(data));
}

Error Writer::addTensor(std::string name, std::vector<uint64_t> dims,
                        uint32_t type, TensorProducer producer) {
  uint64_t byteSize = 0;
  if (Error e = checkNewTensor(name, dims, type, byteSize))
    return e;
  if (!producer)
    return Error::failure(::fmt::format("tensor '{}': no producer", name));
  return addTensorImpl(std::move(name), std::move(dims), type, byteSize,
                       std::move(producer), nullptr);
}

Error Writer::addTensorImpl(std::string name, std::vector<uint64_t> dims,
                            uint32_t type, uint64_t byteSize,
                            TensorProducer producer, const uint8_t *borrowed) {
  TensorInfo info;
  info.name = std::move(name);
  info.dims = std::move(dims);
  info.type = type;
  info.byteSize = byteSize;
  infos_.push_back(std::move(info));
  producers_.push_back(std::move(producer));
  borrowed_.push_back(borrowed);
  return Error::success();
}

Error Writer::writeTo(Sink &sink) const {
  Expected<uint32_t> align = alignment();
  if (!align)
    return align.error();
  for (const KeyValue &kv : metadata_.entries()) {
    if (kv.key.empty() || kv.key.size() > kMaxKeyLength)
      return Error::failure(
          ::fmt::format("metadata key of {} bytes (expected 1 to {})",
                        kv.key.size(), kMaxKeyLength));
    if (Error e = checkValue(kv.value, 1))
      return Error::failure(
          ::fmt::format("metadata key '{}': {}", kv.key, e.message()));
  }

  // Offsets within the data section, each aligned.
  std::vector<uint64_t> offsets;
  uint64_t dataSize = 0;
  for (const TensorInfo &t : infos_) {
    offsets.push_back(dataSize);
    dataSize = alignUp(dataSize + t.byteSize, *align);
  }

  if (Error e = sink.u32(kMagic))
    return e;
  if (Error e = sink.u32(kVersion))
    return e;
  if (Error e = sink.u64(infos_.size()))
    return e;
  if (Error e = sink.u64(metadata_.size()))
    return e;
  for (const KeyValue &kv : metadata_.entries()) {
    if (Error e = sink.str(kv.key))
      return e;
    if (Error e = sink.u32(static_cast<uint32_t>(kv.value.type())))
      return e;
    if (Error e = writeValue(sink, kv.value))
      return e;
  }
  for (size_t i = 0; i < infos_.size(); ++i) {
    const TensorInfo &t = infos_[i];
    if (Error e = sink.str(t.name))
      return e;
    if (Error e = sink.u32(static_cast<uint32_t>(t.dims.size())))
      return e;
    for (uint64_t d : t.dims)
      if (Error e = sink.u64(d))
        return e;
    if (Error e = sink.u32(t.type))
      return e;
    if (Error e = sink.u64(offsets[i]))
      return e;
  }
  if (infos_.empty())
    return Error::success();

  uint64_t dataStart = alignUp(sink.written(), *align);
  if (Error e = sink.zeros(dataStart - sink.written()))
    return e;
  std::vector<uint8_t> scratch;
  for (size_t i = 0; i < infos_.size(); ++i) {
    const TensorInfo &t = infos_[i];
    if (borrowed_[i]) {
      if (Error e = sink.write(borrowed_[i], static_cast<size_t>(t.byteSize)))
        return e;
    } else {
      scratch.assign(static_cast<size_t>(t.byteSize), 0);
      if (Error e = producers_[i](scratch.data(), scratch.size()))
        return Error::failure(
            ::fmt::format("tensor '{}': {}", t.name, e.message()));
      if (Error e = sink.write(scratch.data(), scratch.size()))
        return e;
    }
    uint64_t end = dataStart + offsets[i] + t.byteSize;
    if (Error e = sink.zeros(alignUp(end, *align) - end))
      return e;
  }
  return Error::success();
}

Error Writer::writeFile(const std::string &path) const {
  TempFileSink sink(path);
  if (Error e = sink.open())
    return e.withPrefix(path + ": ");
  if (Error e = writeTo(sink))
    return e.withPrefix(path + ": ");
  if (Error e = sink.commit())
    return e.withPrefix(path + ": ");
  return Error::success();
}

Expected<std::vector<uint8_t>> Writer::writeToMemory() const {
  MemorySink sink;
  if (Error e = writeTo(sink))
    return e;
  return std::move(sink.bytes);
}

} // namespace quant::gguf
