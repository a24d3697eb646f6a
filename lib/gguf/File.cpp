//===- File.cpp - Opening and mapping GGUF files --------------------------===//
//
// The backing buffers of a parsed File (a read-only memory mapping, or a
// caller's bytes) and the File accessors.
//
//===----------------------------------------------------------------------===//

#include "Parser.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace quant::gguf {

Buffer::~Buffer() = default;

namespace {
/// A read-only private mapping of a whole file.
class MappedBuffer final : public Buffer {
public:
  MappedBuffer(void *addr, size_t size) : addr_(addr), size_(size) {}
  ~MappedBuffer() override { ::munmap(addr_, size_); }
  MappedBuffer(const MappedBuffer &) = delete;
  MappedBuffer &operator=(const MappedBuffer &) = delete;

  const uint8_t *data() const override {
    return static_cast<const uint8_t *>(addr_);
  }
  size_t size() const override { return size_; }

private:
  void *addr_;
  size_t size_;
};

/// Bytes owned by the caller.
class BorrowedBuffer final : public Buffer {
public:
  BorrowedBuffer(const void *data, size_t size)
      : data_(static_cast<const uint8_t *>(data)), size_(size) {}
  const uint8_t *data() const override { return data_; }
  size_t size() const override { return size_; }

private:
  const uint8_t *data_;
  size_t size_;
};

/// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0)
      ::close(fd);
  }
};
} // namespace

const TensorInfo *File::findTensor(std::string_view name) const {
  auto it = tensorIndex_.find(std::string(name));
  return it == tensorIndex_.end() ? nullptr : &tensors_[it->second];
}

TensorData File::tensorData(const TensorInfo &tensor) const {
  // Bounds were checked when parsing.
  return {bufferData() + dataOffset_ + tensor.offset,
          static_cast<size_t>(tensor.byteSize)};
}

const uint8_t *File::bufferData() const {
  return buffer_ ? buffer_->data() : nullptr;
}

size_t File::bufferSize() const { return buffer_ ? buffer_->size() : 0; }

Expected<File> openFile(const std::string &path) {
  auto sysFail = [&](const char *what) {
    return Error::failure(
        ::fmt::format("{}: {}: {}", path, what, std::strerror(errno)));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return sysFail("cannot open");
  FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0)
    return sysFail("cannot stat");
  if (!S_ISREG(st.st_mode))
    return Error::failure(::fmt::format("{}: not a regular file", path));
  if (st.st_size < 4)
    return Error::failure(
        ::fmt::format("{}: not a GGUF file: {} bytes, too small for the header",
                      path, static_cast<long long>(st.st_size)));
  size_t size = static_cast<size_t>(st.st_size);
  void *addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED)
    return sysFail("cannot map");
  auto buffer = std::make_shared<MappedBuffer>(addr, size);
  return parseBuffer(std::move(buffer), /*mapped=*/true, path);
}

Expected<File> parseMemory(const void *data, size_t size,
                           const std::string &name) {
  static const uint8_t empty[1] = {0};
  auto buffer =
      std::make_shared<BorrowedBuffer>(data ? data : empty, data ? size : 0);
  return parseBuffer(std::move(buffer), /*mapped=*/false, name);
}

} // namespace quant::gguf
