//===- KernelArgs.h - Building qrt_vk_dispatch argument slots ---*- C++ -*-===//
//
// Test helpers: the 4-slot argument array of qrt_vk_dispatch and the
// embedded test kernels.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_RUNTIME_VULKAN_KERNELARGS_H
#define QUANT_TEST_RUNTIME_VULKAN_KERNELARGS_H

#include "quant/runtime/Vulkan.h"

#include "Axpy.spv.h"
#include "WidenI8.spv.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quant::rt::vk::test {

/// The argument slots of one dispatch.
class KernelArgs {
public:
  /// Adds a buffer argument.
  KernelArgs &buffer(const void *data, size_t bytes, int64_t flags = 0) {
    slots.insert(slots.end(), {int64_t(reinterpret_cast<uintptr_t>(data)),
                               int64_t(bytes), flags, 0});
    return *this;
  }
  /// Adds a 32-bit scalar argument.
  KernelArgs &scalar(int32_t value) {
    slots.insert(slots.end(), {0, 0, QRT_VK_ARG_SCALAR, value});
    return *this;
  }
  const int64_t *data() const { return slots.data(); }
  int64_t count() const { return int64_t(slots.size() / 4); }

private:
  std::vector<int64_t> slots;
};

/// Words in an embedded module.
template <size_t N> constexpr int64_t wordCount(const uint32_t (&)[N]) {
  return int64_t(N);
}

/// y[i] = a[i] + b[i] * s for i < n, over n floats (32 per workgroup).
inline void axpy(const void *a, const void *b, int32_t s, int32_t n, void *y,
                 int64_t aFlags = 0, int64_t bFlags = 0,
                 int64_t yFlags = QRT_VK_ARG_WRITTEN) {
  size_t bytes = size_t(n) * sizeof(float);
  KernelArgs args;
  args.buffer(a, bytes, aFlags)
      .buffer(b, bytes, bFlags)
      .scalar(s)
      .scalar(n)
      .buffer(y, bytes, yFlags);
  qrt_vk_dispatch(kAxpySpirv, wordCount(kAxpySpirv), "axpy", (n + 31) / 32, 1,
                  1, args.data(), args.count());
}

} // namespace quant::rt::vk::test

#endif // QUANT_TEST_RUNTIME_VULKAN_KERNELARGS_H
