//===- LargeBuffer.h - huge-page memory for weights and caches ---*- C++ -*-===//
//
// Decoding streams every weight once per token. With 4 KiB pages a 600 MB
// model spans 150,000 pages, far beyond any TLB, so each page's first access
// costs a page walk. On the benchmark VM, the TinyLlama-shaped models read
// from 2 MiB pages of anonymous memory prompted 8-18 % faster (Q4_K also
// decoded 30 % faster) than from the executable's file mapping, whose
// page-cache pages also read 30-50 % slower once they had aged
// (docs/benchmarks.md, "Weights in huge pages"). Weights, KV caches and the
// benchmarks' matrices therefore live in anonymous mappings aligned to 2 MiB
// and advised for transparent huge pages. Where the kernel has no
// transparent huge pages the advice is ignored and the memory is ordinary.
//
// Header-only, so tools that do not link the runtime (quant-bench) share it.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_LARGEBUFFER_H
#define QUANT_RUNTIME_LARGEBUFFER_H

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

namespace quant::rt {

/// Bytes of a transparent huge page on x86-64.
constexpr size_t kHugePageBytes = size_t(2) << 20;

/// An anonymous, zero-filled mapping of at least `size` bytes whose start is
/// aligned to kHugePageBytes and which is advised for huge pages. Move-only;
/// unmapped when destroyed.
class LargeBuffer {
public:
  LargeBuffer() = default;
  LargeBuffer(const LargeBuffer &) = delete;
  LargeBuffer &operator=(const LargeBuffer &) = delete;
  LargeBuffer(LargeBuffer &&other) noexcept { *this = std::move(other); }
  LargeBuffer &operator=(LargeBuffer &&other) noexcept {
    std::swap(mapping, other.mapping);
    std::swap(mappingBytes, other.mappingBytes);
    std::swap(start, other.start);
    std::swap(bytes, other.bytes);
    return *this;
  }
  ~LargeBuffer() {
    if (mapping)
      ::munmap(mapping, mappingBytes);
  }

  /// Maps `size` bytes (at least one). Returns an empty buffer (data() ==
  /// nullptr) when the system has no memory for it. `hugePages` false
  /// advises against huge pages instead (for measuring what they gain).
  static LargeBuffer allocate(size_t size, bool hugePages = true) {
    LargeBuffer buffer;
    size_t rounded = (std::max<size_t>(size, 1) + kHugePageBytes - 1) /
                     kHugePageBytes * kHugePageBytes;
    // One huge page more than needed, so that an aligned start exists.
    size_t total = rounded + kHugePageBytes;
    void *mapping = ::mmap(nullptr, total, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED)
      return buffer;
    auto address = reinterpret_cast<uintptr_t>(mapping);
    uintptr_t aligned =
        (address + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    buffer.mapping = mapping;
    buffer.mappingBytes = total;
    buffer.start = reinterpret_cast<uint8_t *>(aligned);
    buffer.bytes = size;
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
    ::madvise(buffer.start, rounded,
              hugePages ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#endif
    return buffer;
  }

  uint8_t *data() const { return start; }
  size_t size() const { return bytes; }

private:
  void *mapping = nullptr;
  size_t mappingBytes = 0;
  uint8_t *start = nullptr;
  size_t bytes = 0;
};

/// Bytes a copy from a mapping handles at a time (copyRangeFromMapping's
/// ranges), so that its peak resident memory stays near the copy's size
/// instead of twice it.
constexpr size_t kCopyPieceBytes = size_t(64) << 20;

/// Copies bytes [begin, end) of a read-only file mapping at `source` to the
/// same offsets of `target`, then drops the source pages that lie wholly
/// inside the range from the mapping (the bytes around it may belong to
/// something else). The mapping must be private and never written: its
/// pages are reread from the file if touched again. Ranges copied
/// concurrently must not overlap.
inline void copyRangeFromMapping(const uint8_t *source, uint8_t *target,
                                 size_t begin, size_t end) {
  std::memcpy(target + begin, source + begin, end - begin);
  size_t page = size_t(::sysconf(_SC_PAGESIZE));
  auto first = (reinterpret_cast<uintptr_t>(source + begin) + page - 1) /
               page * page;
  auto last = reinterpret_cast<uintptr_t>(source + end) / page * page;
  if (last > first)
    ::madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}

} // namespace quant::rt

#endif // QUANT_RUNTIME_LARGEBUFFER_H
