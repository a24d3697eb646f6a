//===- DispatchTest.cpp - Running kernels through the Vulkan runtime ------===//
//
// Runs the embedded kernels on the Vulkan device (lavapipe in ctest, with
// QUANT_VK_VALIDATION=1): every test also fails on a validation message.
//
//===----------------------------------------------------------------------===//

#include "Instance.h"
#include "KernelArgs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace quant::rt::vk;
using namespace quant::rt::vk::test;

namespace {

class VulkanDispatchTest : public ::testing::Test {
protected:
  void SetUp() override { messagesBefore = validationMessageCount(); }
  void TearDown() override {
    qrt_vk_sync();
    EXPECT_EQ(validationMessageCount() - messagesBefore, 0u)
        << "Vulkan validation messages (run with QUANT_VK_VALIDATION=1)";
  }

private:
  uint64_t messagesBefore = 0;
};

/// A runtime allocation of n floats, freed on destruction.
class DeviceFloats {
public:
  explicit DeviceFloats(size_t n)
      : n(n), data(static_cast<float *>(
                  _mlir_memref_to_llvm_alloc(n * sizeof(float)))) {}
  ~DeviceFloats() { _mlir_memref_to_llvm_free(data); }
  float &operator[](size_t i) { return data[i]; }
  float *get() { return data; }

private:
  size_t n;
  float *data;
};

std::vector<float> iota(size_t n, float start) {
  std::vector<float> values(n);
  for (size_t i = 0; i < n; ++i)
    values[i] = start + float(i);
  return values;
}

TEST_F(VulkanDispatchTest, OwnBuffers) {
  const int32_t n = 1000; // Not a multiple of the workgroup size.
  DeviceFloats a(n), b(n), y(n + 8);
  for (int32_t i = 0; i < n; ++i) {
    a[i] = float(i);
    b[i] = float(2 * i);
  }
  for (int32_t i = 0; i < n + 8; ++i)
    y[i] = -1;
  axpy(a.get(), b.get(), 3, n, y.get());
  qrt_vk_sync();
  for (int32_t i = 0; i < n; ++i)
    ASSERT_EQ(y[i], float(i + 6 * i)) << i;
  for (int32_t i = n; i < n + 8; ++i)
    EXPECT_EQ(y[i], -1) << "guard i < n at " << i;
  EXPECT_GT(qrt_vk_take_gpu_ms(), 0.0);
  // Taken: nothing ran since.
  qrt_vk_sync();
  EXPECT_EQ(qrt_vk_take_gpu_ms(), 0.0);
}

TEST_F(VulkanDispatchTest, ForeignBuffers) {
  const int32_t n = 77;
  std::vector<float> a = iota(n, 1), b = iota(n, 100), y(n, 0);
  std::vector<float> aBefore = a, bBefore = b;
  axpy(a.data(), b.data(), -2, n, y.data());
  qrt_vk_sync();
  for (int32_t i = 0; i < n; ++i)
    ASSERT_EQ(y[i], a[i] - 2 * b[i]) << i;
  EXPECT_EQ(a, aBefore);
  EXPECT_EQ(b, bBefore);
}

TEST_F(VulkanDispatchTest, ConstantBuffers) {
  static const float kWeights[5] = {1, 2, 3, 4, 5};
  std::vector<float> a = iota(5, 10), y(5, 0);
  for (int32_t s : {1, 4}) {
    axpy(a.data(), kWeights, s, 5, y.data(), 0, QRT_VK_ARG_CONSTANT);
    qrt_vk_sync();
    for (int i = 0; i < 5; ++i)
      ASSERT_EQ(y[i], a[i] + kWeights[i] * float(s)) << "s " << s << " i " << i;
  }
}

TEST_F(VulkanDispatchTest, ChainedDispatchesSeeEarlierResults) {
  const int32_t n = 300;
  DeviceFloats a(n), t(n);
  std::vector<float> b = iota(n, 0), foreign(n, 0), out(n, 0);
  for (int32_t i = 0; i < n; ++i)
    a[i] = 1;
  // t = a + 2b (own), foreign = t + 3b (foreign, written), out = foreign +
  // t (reads the written foreign buffer back), then t = out + b in place.
  axpy(a.get(), b.data(), 2, n, t.get());
  axpy(t.get(), b.data(), 3, n, foreign.data());
  KernelArgs args;
  size_t bytes = n * sizeof(float);
  args.buffer(foreign.data(), bytes)
      .buffer(t.get(), bytes)
      .scalar(1)
      .scalar(n)
      .buffer(out.data(), bytes, QRT_VK_ARG_WRITTEN);
  qrt_vk_dispatch(kAxpySpirv, wordCount(kAxpySpirv), "axpy", (n + 31) / 32, 1,
                  1, args.data(), args.count());
  axpy(out.data(), b.data(), 1, n, t.get());
  qrt_vk_sync();
  for (int32_t i = 0; i < n; ++i) {
    float first = 1 + 2 * float(i);
    ASSERT_EQ(foreign[i], first + 3 * float(i)) << i;
    ASSERT_EQ(out[i], 2 * first + 3 * float(i)) << i;
    ASSERT_EQ(t[i], 2 * first + 4 * float(i)) << i;
  }
}

TEST_F(VulkanDispatchTest, OverlappingForeignRangesAreFlushedInOrder) {
  const int32_t n = 64;
  std::vector<float> a = iota(n + 1, 0), b(n + 1, 1), y(n + 1, 0);
  // y[0..n) = a + b; then y[1..n+1) = y[0..n) + b reads the first result
  // through an overlapping, differently sized view of the same memory.
  axpy(a.data(), b.data(), 1, n, y.data());
  axpy(y.data(), b.data(), 1, n, y.data() + 1);
  qrt_vk_sync();
  EXPECT_EQ(y[0], 1);
  for (int32_t i = 1; i <= n; ++i)
    ASSERT_EQ(y[i], float(i - 1) + 2) << i;
}

TEST_F(VulkanDispatchTest, MisalignedOwnMemoryIsImported) {
  const int32_t n = 40;
  DeviceFloats a(n + 1), y(n + 1);
  std::vector<float> b = iota(n, 0);
  for (int32_t i = 0; i <= n; ++i) {
    a[i] = float(10 * i);
    y[i] = -1;
  }
  // One float past an aligned allocation cannot be bound in place.
  axpy(a.get() + 1, b.data(), 1, n, y.get() + 1);
  qrt_vk_sync();
  EXPECT_EQ(y[0], -1);
  for (int32_t i = 0; i < n; ++i)
    ASSERT_EQ(y[i + 1], float(10 * (i + 1) + i)) << i;
}

TEST_F(VulkanDispatchTest, EmptyBuffers) {
  std::vector<float> none;
  axpy(none.data(), none.data(), 1, 0, none.data());
  DeviceFloats empty(0);
  axpy(empty.get(), empty.get(), 1, 0, empty.get());
  // Zero workgroups run nothing.
  KernelArgs args;
  args.buffer(nullptr, 0).buffer(nullptr, 0).scalar(1).scalar(0).buffer(
      nullptr, 0, QRT_VK_ARG_WRITTEN);
  qrt_vk_dispatch(kAxpySpirv, wordCount(kAxpySpirv), "axpy", 0, 1, 1,
                  args.data(), args.count());
  qrt_vk_sync();
  SUCCEED();
}

TEST_F(VulkanDispatchTest, Int8KernelOverByteArrays) {
  // 7 bytes: the binding is rounded up to whole words.
  const int8_t x[7] = {-128, -1, 0, 1, 2, 64, 127};
  std::vector<int32_t> out(7, 0);
  KernelArgs args;
  args.buffer(x, sizeof(x))
      .scalar(-3)
      .scalar(7)
      .buffer(out.data(), out.size() * sizeof(int32_t), QRT_VK_ARG_WRITTEN);
  qrt_vk_dispatch(kWidenI8Spirv, wordCount(kWidenI8Spirv), "widen_i8", 1, 1, 1,
                  args.data(), args.count());
  qrt_vk_sync();
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(out[i], int32_t(x[i]) * -3) << i;
}

TEST_F(VulkanDispatchTest, ManyDispatchesInOneBatch) {
  // More dispatches than one batch has timestamp queries for.
  const int32_t n = 16, runs = 1100;
  DeviceFloats y(n);
  std::vector<float> ones(n, 1);
  for (int32_t i = 0; i < n; ++i)
    y[i] = 0;
  for (int32_t run = 0; run < runs; ++run)
    axpy(y.get(), ones.data(), 1, n, y.get());
  qrt_vk_sync();
  for (int32_t i = 0; i < n; ++i)
    ASSERT_EQ(y[i], float(runs)) << i;
}

TEST_F(VulkanDispatchTest, AllocationsAreAlignedUniqueAndFreedAfterUse) {
  void *empty1 = _mlir_memref_to_llvm_alloc(0);
  void *empty2 = _mlir_memref_to_llvm_alloc(0);
  ASSERT_NE(empty1, nullptr);
  ASSERT_NE(empty2, nullptr);
  EXPECT_NE(empty1, empty2);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(empty1) % 64, 0u);
  void *page = _mlir_memref_to_llvm_aligned_alloc(4096, 100);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(page) % 4096, 0u);
  _mlir_memref_to_llvm_free(empty1);
  _mlir_memref_to_llvm_free(empty2);
  _mlir_memref_to_llvm_free(page);
  _mlir_memref_to_llvm_free(nullptr);

  // Memory freed while a dispatch writes it is not handed out again until
  // that work completes.
  const int32_t n = 32;
  std::vector<float> a(n, 1), b(n, 1);
  void *written = _mlir_memref_to_llvm_alloc(n * sizeof(float));
  axpy(a.data(), b.data(), 1, n, written);
  _mlir_memref_to_llvm_free(written);
  void *next = _mlir_memref_to_llvm_alloc(n * sizeof(float));
  EXPECT_NE(next, written);
  qrt_vk_sync();
  _mlir_memref_to_llvm_free(next);
}

} // namespace
