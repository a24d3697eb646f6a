//===- ErrorDeathTest.cpp - One-line errors and exit codes ----------------===//
//
// Each failure of the Vulkan runtime is one "prog: error: ..." line and exit
// code 1 (2 for usage errors). The death tests run in a fresh process
// ("threadsafe" style): the runtime's driver threads must not be forked.
//
//===----------------------------------------------------------------------===//

#include "KernelArgs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

using namespace quant::rt::vk::test;
using ::testing::ExitedWithCode;

namespace {

class VulkanDeathTest : public ::testing::Test {
protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

/// A copy of the axpy module in static storage (its address is a cache key).
std::vector<uint32_t> &axpyCopy() {
  static std::vector<uint32_t> words(kAxpySpirv,
                                     kAxpySpirv + wordCount(kAxpySpirv));
  return words;
}

void dispatchAxpy(const std::vector<uint32_t> &module, const char *entry,
                  size_t bytes) {
  static float data[4];
  KernelArgs args;
  args.buffer(data, bytes).buffer(data, bytes).scalar(1).scalar(1).buffer(
      data, bytes, QRT_VK_ARG_WRITTEN);
  qrt_vk_dispatch(module.data(), int64_t(module.size()), entry, 1, 1, 1,
                  args.data(), args.count());
  qrt_vk_sync();
}

TEST_F(VulkanDeathTest, BadMagicNumber) {
  EXPECT_EXIT(
      {
        axpyCopy()[0] = 0xdeadbeef;
        dispatchAxpy(axpyCopy(), "axpy", 16);
      },
      ExitedWithCode(1),
      "^[^\n]*: error: kernel axpy: bad SPIR-V magic number 0xdeadbeef "
      "\\(expected 0x07230203\\)\n$");
}

TEST_F(VulkanDeathTest, EmptyModule) {
  EXPECT_EXIT(dispatchAxpy({}, "axpy", 16), ExitedWithCode(1),
              "error: kernel axpy: empty SPIR-V module");
}

TEST_F(VulkanDeathTest, UnknownEntryPoint) {
  EXPECT_EXIT(dispatchAxpy(axpyCopy(), "saxpy", 16), ExitedWithCode(1),
              "error: kernel saxpy: the SPIR-V module has no GLCompute entry "
              "point of that name");
}

TEST_F(VulkanDeathTest, UnsupportedCapability) {
  EXPECT_EXIT(
      {
        std::vector<uint32_t> &words = axpyCopy();
        // The first instruction is OpCapability Shader; make it capability
        // 5009 (ImageFootprintNV), which kernels never need.
        ASSERT_EQ(words[5], (2u << 16) | 17u);
        words[6] = 5009;
        dispatchAxpy(words, "axpy", 16);
      },
      ExitedWithCode(1),
      "error: Vulkan device '[^']*' lacks the SPIR-V capability capability "
      "5009 needed by kernel axpy");
}

TEST_F(VulkanDeathTest, BufferBeyondMaxStorageBufferRange) {
  EXPECT_EXIT(dispatchAxpy(axpyCopy(), "axpy", size_t(1) << 40),
              ExitedWithCode(1),
              "error: kernel axpy argument 0: a buffer of 1099511627776 "
              "bytes exceeds the Vulkan device's maxStorageBufferRange "
              "\\([0-9]+ bytes\\)");
}

TEST_F(VulkanDeathTest, FreeingForeignMemory) {
  EXPECT_EXIT(
      {
        static int notOurs;
        _mlir_memref_to_llvm_free(_mlir_memref_to_llvm_alloc(4));
        _mlir_memref_to_llvm_free(&notOurs);
      },
      ExitedWithCode(1),
      "error: _mlir_memref_to_llvm_free: the Vulkan runtime did not "
      "allocate this pointer");
}

TEST_F(VulkanDeathTest, NoDriver) {
  EXPECT_EXIT(
      {
        setenv("VK_DRIVER_FILES", "/nonexistent/quant_icd.json", 1);
        _mlir_memref_to_llvm_alloc(16);
      },
      ExitedWithCode(1),
      "error: no Vulkan device found \\(is a Vulkan driver installed\\? "
      "lavapipe: VK_DRIVER_FILES=/usr/share/vulkan/icd.d/"
      "lvp_icd.x86_64.json\\)");
}

TEST_F(VulkanDeathTest, MalformedDeviceEnvironment) {
  EXPECT_EXIT(
      {
        setenv("QUANT_VK_DEVICE", "first", 1);
        _mlir_memref_to_llvm_alloc(16);
      },
      ExitedWithCode(1),
      "error: QUANT_VK_DEVICE must be a device index, got 'first'");
}

} // namespace
