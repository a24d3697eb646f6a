//===- HostileInputTest.cpp - Truncated and corrupted GGUF images ---------===//
//
// Every truncation and many single-byte corruptions of a valid file must end
// in a clean one-line error or a consistent parse, never a crash. Run under
// AddressSanitizer/UBSan by QuantGgufTestsAsan.
//
//===----------------------------------------------------------------------===//

#include "GgufTestUtil.h"

#include <gtest/gtest.h>

#include <random>

using namespace quant::gguf;
using namespace quant::gguf::test;

namespace {
/// Checks that a failure is one line naming the input.
void expectCleanError(const Expected<File> &r, const std::string &context) {
  ASSERT_FALSE(r) << context;
  const std::string &m = r.message();
  EXPECT_EQ(m.find('\n'), std::string::npos) << context << ": " << m;
  EXPECT_EQ(m.rfind("test.gguf: ", 0), 0u) << context << ": " << m;
}

/// End of the last tensor's data (the file may have padding after it).
uint64_t endOfData(const File &f) {
  uint64_t end = f.dataSectionOffset();
  for (const TensorInfo &t : f.tensors())
    end = std::max(end, f.dataSectionOffset() + t.offset + t.byteSize);
  return end;
}

void checkMutation(const std::vector<uint8_t> &bytes,
                   const std::string &context) {
  ParsedCopy parsed = parseCopy(bytes);
  if (parsed.result) {
    expectConsistent(*parsed.result);
    // Touch every tensor byte: the views must be readable.
    unsigned sum = 0;
    for (const TensorInfo &t : parsed.result->tensors()) {
      TensorData d = parsed.result->tensorData(t);
      for (size_t i = 0; i < d.size; ++i)
        sum += d.data[i];
    }
    (void)sum;
  } else {
    expectCleanError(parsed.result, context);
  }
}
} // namespace

TEST(GgufHostile, TruncationAtEveryByte) {
  std::vector<uint8_t> bytes = SampleFile().bytes();
  ParsedCopy full = parseCopy(bytes);
  ASSERT_TRUE(full.result) << full.result.message();
  uint64_t dataEnd = endOfData(*full.result);
  ASSERT_GT(dataEnd, full.result->dataSectionOffset());
  for (size_t n = 0; n < bytes.size(); ++n) {
    ParsedCopy parsed = parseCopy(bytes, n);
    if (n < dataEnd) {
      expectCleanError(parsed.result, "truncated to " + std::to_string(n));
    } else {
      // Only trailing padding is missing: still a valid file.
      ASSERT_TRUE(parsed.result) << n << ": " << parsed.result.message();
    }
  }
}

TEST(GgufHostile, TruncatedMessagesNameTheProblem) {
  std::vector<uint8_t> bytes = SampleFile().bytes();
  EXPECT_EQ(parseCopy(bytes, 0).result.message(),
            "test.gguf: not a GGUF file: 0 bytes, too small for the header");
  EXPECT_EQ(parseCopy(bytes, 10).result.message(),
            "test.gguf: at byte 8: truncated header (tensor count): needs 8 "
            "bytes, 2 left in file");
  ParsedCopy full = parseCopy(bytes);
  ASSERT_TRUE(full.result);
  std::string m = parseCopy(bytes, bytes.size() - 40).result.message();
  EXPECT_NE(m.find("extends beyond the end of the file"), std::string::npos)
      << m;
}

TEST(GgufHostile, EveryHeaderByteOverwritten) {
  std::vector<uint8_t> bytes = SampleFile().bytes();
  ParsedCopy full = parseCopy(bytes);
  ASSERT_TRUE(full.result) << full.result.message();
  // The header, metadata and tensor infos, up to the data section.
  size_t end = static_cast<size_t>(full.result->dataSectionOffset());
  for (size_t i = 0; i < end; ++i) {
    for (int mode = 0; mode < 3; ++mode) {
      std::vector<uint8_t> m = bytes;
      m[i] = mode == 0 ? 0x00 : mode == 1 ? 0xFF : uint8_t(m[i] + 1);
      checkMutation(m, "byte " + std::to_string(i) + " mode " +
                           std::to_string(mode));
      if (HasFatalFailure())
        return;
    }
  }
}

TEST(GgufHostile, RandomMultiByteCorruption) {
  std::vector<uint8_t> bytes = SampleFile(64).bytes();
  ParsedCopy full = parseCopy(bytes);
  ASSERT_TRUE(full.result);
  size_t end = static_cast<size_t>(full.result->dataSectionOffset());
  std::mt19937 rng(20240601);
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint8_t> m = bytes;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      size_t pos = rng() % end;
      switch (rng() % 3) {
      case 0:
        m[pos] = static_cast<uint8_t>(rng());
        break;
      case 1:
        m[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      default:
        // Overwrite an aligned u64 with a large value (lengths, counts).
        if (pos + 8 <= end) {
          uint64_t v = rng() % 2 ? UINT64_MAX - rng() % 16
                                 : (uint64_t(1) << (rng() % 64));
          std::memcpy(&m[pos], &v, 8);
        }
      }
    }
    checkMutation(m, "iteration " + std::to_string(iter));
    if (HasFatalFailure())
      return;
  }
}

TEST(GgufHostile, GarbageInputs) {
  std::mt19937 rng(7);
  for (size_t size : {1u, 3u, 4u, 23u, 24u, 25u, 100u, 1000u}) {
    for (int iter = 0; iter < 50; ++iter) {
      std::vector<uint8_t> m(size);
      for (uint8_t &b : m)
        b = static_cast<uint8_t>(rng());
      if (size >= 8 && iter % 2 == 0) {
        // Give it a valid magic and version so parsing goes deeper.
        uint32_t magic = kMagic, version = 3;
        std::memcpy(&m[0], &magic, 4);
        std::memcpy(&m[4], &version, 4);
      }
      checkMutation(m, "garbage of " + std::to_string(size));
    }
  }
}
