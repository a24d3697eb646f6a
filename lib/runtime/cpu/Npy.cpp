//===- Npy.cpp - Read and write .npy files --------------------------------===//
//
// File I/O around the header parser: reads check the data size against the
// file before allocating (a hostile shape cannot make us allocate more than
// the file holds), writes go to a temporary name renamed into place.
//
//===----------------------------------------------------------------------===//

#include "quant/runtime/Npy.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace quant::rt;

namespace {

/// Closes a FILE on scope exit.
struct FileCloser {
  FILE *file;
  ~FileCloser() {
    if (file)
      std::fclose(file);
  }
};

/// Reads up to `size` bytes; returns how many were read.
size_t readFully(FILE *file, void *data, size_t size) {
  return size ? std::fread(data, 1, size, file) : 0;
}

/// Writes all of `size` bytes to `fd`; false with errno set on failure.
bool writeFully(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t written = ::write(fd, p, size);
    if (written < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    p += written;
    size -= size_t(written);
  }
  return true;
}

bool readImpl(const std::string &path, NpyArray &array, std::string &error) {
  auto fail = [&](const std::string &message) {
    error = path + ": " + message;
    return false;
  };
  FILE *file = std::fopen(path.c_str(), "rb");
  if (!file)
    return fail(std::string("cannot open: ") + std::strerror(errno));
  FileCloser closer{file};

  struct stat info;
  bool haveInfo = ::fstat(fileno(file), &info) == 0;
  if (haveInfo && S_ISDIR(info.st_mode))
    return fail("cannot read: is a directory");
  bool knownSize = haveInfo && S_ISREG(info.st_mode);

  // The preamble tells the header's size; then the whole header is read.
  std::string head(kNpyPreambleSize, '\0');
  size_t have = readFully(file, head.data(), head.size());
  if (std::ferror(file))
    return fail(std::string("cannot read: ") + std::strerror(errno));
  size_t headerSize = 0;
  std::string message;
  if (!npyHeaderSize(head.data(), have, headerSize, message))
    return fail(message);
  if (headerSize > head.size()) {
    head.resize(headerSize);
    have += readFully(file, head.data() + have, head.size() - have);
  }
  NpyHeader header;
  if (!parseNpyHeader(head.data(), have, header, message))
    return fail(message);
  // Bytes read past a header shorter than kNpyPreambleSize are data.
  size_t extra = have - header.dataOffset;

  uint64_t available = std::numeric_limits<uint64_t>::max();
  if (knownSize)
    available = uint64_t(info.st_size) > header.dataOffset
                    ? uint64_t(info.st_size) - header.dataOffset
                    : 0;
  if (header.numBytes > available)
    return fail("truncated data (expected " + std::to_string(header.numBytes) +
                " bytes, got " + std::to_string(available) + ")");
  if (header.numBytes > std::numeric_limits<size_t>::max() - kBufferAlignment)
    return fail("data too large (" + std::to_string(header.numBytes) +
                " bytes)");

  AlignedBytes data;
  data.reserve(std::max<size_t>(size_t(header.numBytes), kBufferAlignment));
  data.resize(size_t(header.numBytes));
  size_t fromHead = std::min<size_t>(extra, data.size());
  std::memcpy(data.data(), head.data() + header.dataOffset, fromHead);
  size_t read = fromHead +
                readFully(file, data.data() + fromHead, data.size() - fromHead);
  if (std::ferror(file))
    return fail(std::string("cannot read: ") + std::strerror(errno));
  if (read < data.size())
    return fail("truncated data (expected " + std::to_string(header.numBytes) +
                " bytes, got " + std::to_string(read) + ")");

  array.dtype = header.dtype;
  array.shape = std::move(header.shape);
  array.data = std::move(data);
  return true;
}

bool writeImpl(const std::string &path, NpyDType dtype,
               const std::vector<int64_t> &shape, const void *data,
               std::string &error) {
  auto fail = [&](const std::string &message) {
    error = path + ": " + message;
    return false;
  };
  uint64_t bytes = npyElementSize(dtype);
  for (int64_t dim : shape) {
    if (dim < 0)
      return fail("cannot write: negative dimension in shape");
    if (dim != 0 &&
        bytes > uint64_t(std::numeric_limits<int64_t>::max()) / uint64_t(dim))
      return fail("cannot write: shape too large");
    bytes *= uint64_t(dim);
  }
  if (bytes > 0 && !data)
    return fail("cannot write: no data");
  std::string header = formatNpyHeader(dtype, shape);

  static std::atomic<unsigned> counter{0};
  std::string temporary = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(counter.fetch_add(1));
  int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0)
    return fail(std::string("cannot write: ") + std::strerror(errno));
  bool ok = writeFully(fd, header.data(), header.size()) &&
            writeFully(fd, data, size_t(bytes));
  int savedErrno = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    savedErrno = errno;
  }
  if (ok && std::rename(temporary.c_str(), path.c_str()) != 0) {
    ok = false;
    savedErrno = errno;
  }
  if (!ok) {
    ::unlink(temporary.c_str());
    return fail(std::string("cannot write: ") + std::strerror(savedErrno));
  }
  return true;
}

} // namespace

bool quant::rt::readNpy(const std::string &path, NpyArray &array,
                        std::string &error) {
  try {
    return readImpl(path, array, error);
  } catch (const std::bad_alloc &) {
    error = path + ": out of memory";
  } catch (...) {
    error = path + ": cannot read";
  }
  return false;
}

bool quant::rt::writeNpy(const std::string &path, NpyDType dtype,
                         const std::vector<int64_t> &shape, const void *data,
                         std::string &error) {
  try {
    return writeImpl(path, dtype, shape, data, error);
  } catch (const std::bad_alloc &) {
    error = path + ": out of memory";
  } catch (...) {
    error = path + ": cannot write";
  }
  return false;
}
