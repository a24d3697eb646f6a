//===- LargeBufferTest.cpp - huge-page buffers and copies from mappings ---===//

#include "quant/runtime/LargeBuffer.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace quant::rt;

namespace {

/// A field ("Rss", "THPeligible", ...) of the /proc/self/smaps entry of the
/// mapping that contains `address`, or -1 when absent.
long smapsField(const void *address, const std::string &field) {
  std::ifstream smaps("/proc/self/smaps");
  auto target = reinterpret_cast<uintptr_t>(address);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long begin = 0, end = 0;
    // Mapping headers start "begin-end perms ..."; field lines "Name: value".
    if (std::sscanf(line.c_str(), "%lx-%lx ", &begin, &end) == 2) {
      inside = begin <= target && target < end;
      continue;
    }
    if (inside && line.rfind(field + ":", 0) == 0) {
      std::istringstream value(line.substr(field.size() + 1));
      long number = -1;
      value >> number;
      return number;
    }
  }
  return -1;
}

/// True when the kernel gives huge pages to madvised memory.
bool transparentHugePagesOn() {
  std::ifstream setting("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text;
  std::getline(setting, text);
  return text.find("[always]") != std::string::npos ||
         text.find("[madvise]") != std::string::npos;
}

TEST(LargeBuffer, AlignedZeroedAndWritable) {
  for (size_t size : {size_t(1), size_t(4096), size_t(5 << 20) + 3}) {
    LargeBuffer buffer = LargeBuffer::allocate(size);
    ASSERT_NE(buffer.data(), nullptr) << size;
    EXPECT_EQ(buffer.size(), size);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(buffer.data()) % kHugePageBytes, 0u)
        << size;
    size_t nonzero = 0;
    for (size_t i = 0; i < size; ++i)
      nonzero += buffer.data()[i] != 0;
    EXPECT_EQ(nonzero, 0u) << size;
    for (size_t i = 0; i < size; ++i)
      buffer.data()[i] = uint8_t(i * 7);
    size_t wrong = 0;
    for (size_t i = 0; i < size; ++i)
      wrong += buffer.data()[i] != uint8_t(i * 7);
    EXPECT_EQ(wrong, 0u) << size;
  }
}

TEST(LargeBuffer, MovesOwnership) {
  LargeBuffer first = LargeBuffer::allocate(100);
  uint8_t *data = first.data();
  data[99] = 42;
  LargeBuffer second = std::move(first);
  EXPECT_EQ(first.data(), nullptr);
  EXPECT_EQ(second.data(), data);
  EXPECT_EQ(second.size(), 100u);
  EXPECT_EQ(second.data()[99], 42);
  LargeBuffer third;
  third = std::move(second);
  EXPECT_EQ(third.data(), data);
}

TEST(LargeBuffer, AdvisedForHugePagesOrAgainst) {
  if (!transparentHugePagesOn())
    GTEST_SKIP() << "transparent huge pages are off on this machine";
  LargeBuffer huge = LargeBuffer::allocate(4 << 20);
  LargeBuffer small = LargeBuffer::allocate(4 << 20, /*hugePages=*/false);
  ASSERT_NE(huge.data(), nullptr);
  ASSERT_NE(small.data(), nullptr);
  long hugeEligible = smapsField(huge.data(), "THPeligible");
  if (hugeEligible < 0)
    GTEST_SKIP() << "this kernel's smaps has no THPeligible field";
  EXPECT_EQ(hugeEligible, 1);
  EXPECT_EQ(smapsField(small.data(), "THPeligible"), 0);
}

TEST(LargeBuffer, CopyFromMappingKeepsBytesAndDropsCopiedPages) {
  // A file of a few MiB mapped privately, copied from an unaligned offset
  // as two ranges split at an unaligned point, the second one first (as the
  // threads of the runtime's copy may finish them).
  std::string path = ::testing::TempDir() + "/large_buffer_source.bin";
  size_t fileSize = (9 << 20) + 123;
  std::vector<uint8_t> bytes(fileSize);
  for (size_t i = 0; i < fileSize; ++i)
    bytes[i] = uint8_t((i * 2654435761u) >> 13);
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(bytes.data()),
              std::streamsize(fileSize));
    ASSERT_TRUE(out.good());
  }
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  void *mapping = ::mmap(nullptr, fileSize, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  ASSERT_NE(mapping, MAP_FAILED);
  const uint8_t *source = static_cast<const uint8_t *>(mapping);
  constexpr size_t kOffset = 7;
  size_t size = fileSize - kOffset;

  LargeBuffer copy = LargeBuffer::allocate(size);
  ASSERT_NE(copy.data(), nullptr);
  size_t split = (5 << 20) + 11;
  copyRangeFromMapping(source + kOffset, copy.data(), split, size);
  copyRangeFromMapping(source + kOffset, copy.data(), 0, split);
  EXPECT_EQ(std::memcmp(copy.data(), bytes.data() + kOffset, size), 0);

  // The copied pages left the mapping's resident set: at most the partial
  // pages at the two ends and the one the split falls in stay (smaps
  // reports kB).
  long residentKb = smapsField(mapping, "Rss");
  ASSERT_GE(residentKb, 0);
  long pageKb = long(::sysconf(_SC_PAGESIZE) / 1024);
  EXPECT_LE(residentKb, 3 * pageKb);
  // Dropped pages read back from the file unchanged.
  EXPECT_EQ(std::memcmp(source, bytes.data(), fileSize), 0);
  ::munmap(mapping, fileSize);
  std::remove(path.c_str());
}

} // namespace
