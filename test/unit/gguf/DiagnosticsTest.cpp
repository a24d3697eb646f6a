//===- DiagnosticsTest.cpp - The parser's messages on malformed files -----===//
//
// Hand-made images, each with one specific defect, and the exact one-line
// message the parser must give.
//
//===----------------------------------------------------------------------===//

#include "GgufTestUtil.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace quant::gguf;
using namespace quant::gguf::test;

namespace {
/// The message of parsing `b`, or "OK" when it parses.
std::string messageOf(const ByteBuilder &b) {
  ParsedCopy parsed = parseCopy(b.bytes);
  return parsed.result ? "OK" : parsed.result.message();
}

/// One tensor info after a header with no metadata; the data section (at
/// byte 64 for a one-letter name and one dim) holds `dataBytes` bytes.
ByteBuilder oneTensor(const std::vector<uint64_t> &dims, uint32_t type,
                      uint64_t offset, size_t dataBytes) {
  ByteBuilder b;
  b.header(1, 0).tensor("t", dims, type, offset).padTo(32).zeros(dataBytes);
  return b;
}

/// A file with one metadata entry whose value bytes are `value`.
ByteBuilder oneKey(const std::string &key, uint32_t type,
                   const ByteBuilder &value, size_t slack = 64) {
  ByteBuilder b;
  b.header(0, 1).str(key).u32(type).raw(value.bytes.data(), value.size());
  return b.zeros(slack);
}
} // namespace

TEST(GgufDiagnostics, ValidMinimalFile) {
  EXPECT_EQ(messageOf(oneTensor({4}, kTypeF32, 0, 16)), "OK");
}

TEST(GgufDiagnostics, BadMagic) {
  ByteBuilder b;
  b.raw("GGML", 4).u32(3).u64(0).u64(0);
  EXPECT_EQ(messageOf(b), "test.gguf: not a GGUF file: bad magic \"GGML\" "
                          "(expected \"GGUF\")");
  ByteBuilder c;
  c.raw("\x7f"
        "ELF",
        4)
      .zeros(20);
  EXPECT_EQ(messageOf(c), "test.gguf: not a GGUF file: bad magic \"\\x7fELF\" "
                          "(expected \"GGUF\")");
  ByteBuilder tiny;
  tiny.raw("GGU", 3);
  EXPECT_EQ(messageOf(tiny),
            "test.gguf: not a GGUF file: 3 bytes, too small for the header");
}

TEST(GgufDiagnostics, BadVersion) {
  ByteBuilder b;
  b.header(0, 0, /*version=*/4);
  EXPECT_EQ(messageOf(b), "test.gguf: at byte 4: unsupported GGUF version 4 "
                          "(supported: 2, 3)");
  ByteBuilder v1;
  v1.header(0, 0, /*version=*/1);
  EXPECT_EQ(messageOf(v1), "test.gguf: at byte 4: unsupported GGUF version 1 "
                           "(supported: 2, 3)");
  ByteBuilder be;
  be.header(0, 0, /*version=*/0x03000000);
  EXPECT_EQ(messageOf(be),
            "test.gguf: at byte 4: big-endian GGUF files are not supported");
}

TEST(GgufDiagnostics, HugeCounts) {
  ByteBuilder t;
  t.header(UINT64_MAX, 0).zeros(100);
  EXPECT_EQ(messageOf(t), "test.gguf: at byte 8: tensor count "
                          "18446744073709551615 cannot fit in the 100 bytes "
                          "left in the file");
  ByteBuilder k;
  k.header(0, 1ull << 40).zeros(100);
  EXPECT_EQ(messageOf(k), "test.gguf: at byte 16: metadata count "
                          "1099511627776 cannot fit in the 100 bytes left in "
                          "the file");
}

TEST(GgufDiagnostics, TooManyDims) {
  EXPECT_EQ(messageOf(oneTensor({1, 1, 1, 1, 1}, kTypeF32, 0, 4)),
            "test.gguf: at byte 33: tensor 't' has 5 dimensions, expected 1 "
            "to 4");
  ByteBuilder zero;
  zero.header(1, 0).str("t").u32(0).u32(0).u64(0).zeros(64);
  EXPECT_EQ(messageOf(zero), "test.gguf: at byte 33: tensor 't' has 0 "
                             "dimensions, expected 1 to 4");
}

TEST(GgufDiagnostics, BadDims) {
  EXPECT_EQ(messageOf(oneTensor({1ull << 32, 1ull << 32}, kTypeF32, 0, 64)),
            "test.gguf: at byte 33: tensor 't' (f32): element count "
            "overflows (dims 4294967296 x 4294967296)");
  EXPECT_EQ(messageOf(oneTensor({1ull << 62}, kTypeF32, 0, 64)),
            "test.gguf: at byte 33: tensor 't' (f32): byte size overflows");
  EXPECT_EQ(messageOf(oneTensor({4, 0}, kTypeF32, 0, 64)),
            "test.gguf: at byte 45: tensor 't' has dimension 1 equal to 0");
  EXPECT_EQ(messageOf(oneTensor({33, 1}, kTypeQ4_0, 0, 64)),
            "test.gguf: at byte 33: tensor 't' (q4_0): row length 33 is not "
            "a multiple of the q4_0 block size 32");
}

TEST(GgufDiagnostics, UnknownTensorType) {
  EXPECT_EQ(messageOf(oneTensor({4}, 9999, 0, 64)),
            "test.gguf: at byte 45: tensor 't' has unknown type 9999");
}

TEST(GgufDiagnostics, OffsetBeyondEndOfFile) {
  EXPECT_EQ(messageOf(oneTensor({4}, kTypeF32, 64, 16)),
            "test.gguf: tensor 't' data (offset 64, 16 bytes, data section at "
            "byte 64) extends beyond the end of the file (80 bytes)");
  // Data one byte short.
  EXPECT_EQ(messageOf(oneTensor({4}, kTypeF32, 0, 15)),
            "test.gguf: tensor 't' data (offset 0, 16 bytes, data section at "
            "byte 64) extends beyond the end of the file (79 bytes)");
  // Offsets whose sum with the data section start overflows.
  EXPECT_EQ(messageOf(oneTensor({4}, kTypeF32, UINT64_MAX - 31, 16)),
            "test.gguf: tensor 't' data (offset 18446744073709551584, 16 "
            "bytes, data section at byte 64) extends beyond the end of the "
            "file (80 bytes)");
}

TEST(GgufDiagnostics, MisalignedOffset) {
  EXPECT_EQ(messageOf(oneTensor({4}, kTypeF32, 8, 64)),
            "test.gguf: at byte 49: tensor 't' offset 8 is not a multiple of "
            "the alignment 32");
}

TEST(GgufDiagnostics, HugeStringLength) {
  ByteBuilder key;
  key.header(0, 1).u64(UINT64_MAX).zeros(32);
  EXPECT_EQ(messageOf(key), "test.gguf: at byte 24: metadata key length "
                            "18446744073709551615 exceeds the 32 bytes left "
                            "in the file");
  ByteBuilder value;
  value.u64(1ull << 40);
  EXPECT_EQ(messageOf(oneKey("k", 8, value)),
            "test.gguf: at byte 37: string value length 1099511627776 exceeds "
            "the 64 bytes left in the file");
  ByteBuilder name;
  name.header(1, 0).u64(1ull << 50).zeros(64);
  EXPECT_EQ(messageOf(name), "test.gguf: at byte 24: tensor name length "
                             "1125899906842624 exceeds the 64 bytes left in "
                             "the file");
  ByteBuilder longName;
  longName.header(1, 0).tensor(std::string(65, 'n'), {4}, kTypeF32, 0);
  longName.padTo(32).zeros(16);
  EXPECT_EQ(messageOf(longName), "test.gguf: at byte 24: tensor name length "
                                 "65 exceeds the limit of 64");
}

TEST(GgufDiagnostics, HugeArrays) {
  ByteBuilder u32s;
  u32s.u32(4).u64(1ull << 40);
  EXPECT_EQ(messageOf(oneKey("k", 9, u32s)),
            "test.gguf: at byte 41: value of 'k': array of 1099511627776 u32 "
            "needs more than the 64 bytes left in the file");
  ByteBuilder strs;
  strs.u32(8).u64(9);
  EXPECT_EQ(messageOf(oneKey("k", 9, strs)),
            "test.gguf: at byte 41: value of 'k': array of 9 strings needs "
            "more than the 64 bytes left in the file");
  ByteBuilder arrs;
  arrs.u32(9).u64(6);
  EXPECT_EQ(messageOf(oneKey("k", 9, arrs)),
            "test.gguf: at byte 41: value of 'k': array of 6 arrays needs "
            "more than the 64 bytes left in the file");
}

TEST(GgufDiagnostics, ArrayNestingTooDeep) {
  ByteBuilder v;
  for (unsigned i = 0; i < kMaxArrayDepth; ++i)
    v.u32(9).u64(1);
  v.u32(0).u64(0);
  // Eight levels of arrays are accepted...
  EXPECT_EQ(messageOf(oneKey("k", 9, v)), "test.gguf: at byte 133: "
                                          "value of 'k': arrays nested deeper "
                                          "than 8");
  ByteBuilder ok;
  for (unsigned i = 1; i < kMaxArrayDepth; ++i)
    ok.u32(9).u64(1);
  ok.u32(0).u64(0);
  EXPECT_EQ(messageOf(oneKey("k", 9, ok, 0)), "OK");
}

TEST(GgufDiagnostics, UnknownValueTypes) {
  ByteBuilder none;
  EXPECT_EQ(messageOf(oneKey("k", 13, none)),
            "test.gguf: at byte 33: metadata key 'k' has unknown value type "
            "13");
  ByteBuilder arr;
  arr.u32(77).u64(1);
  EXPECT_EQ(messageOf(oneKey("k", 9, arr)),
            "test.gguf: at byte 37: value of 'k': unknown array element type "
            "77");
  ByteBuilder b;
  b.u8(2);
  EXPECT_EQ(messageOf(oneKey("k", 7, b)),
            "test.gguf: at byte 37: value of 'k': bool is 2, expected 0 or 1");
  ByteBuilder bools;
  bools.u32(7).u64(3).u8(1).u8(0).u8(5);
  EXPECT_EQ(messageOf(oneKey("k", 9, bools)),
            "test.gguf: at byte 51: value of 'k': bool element 2 is 5, "
            "expected 0 or 1");
}

TEST(GgufDiagnostics, DuplicatesAndEmptyNames) {
  ByteBuilder keys;
  keys.header(0, 2).str("k").u32(0).u8(1).str("k").u32(0).u8(2);
  EXPECT_EQ(messageOf(keys),
            "test.gguf: at byte 38: duplicate metadata key 'k'");
  ByteBuilder empty;
  empty.header(0, 1).str("").u32(0).u8(1).zeros(8);
  EXPECT_EQ(messageOf(empty),
            "test.gguf: at byte 24: metadata entry 0 has an empty key");
  ByteBuilder tensors;
  tensors.header(2, 0).tensor("t", {4}, kTypeF32, 0);
  tensors.tensor("t", {4}, kTypeF32, 32).padTo(32).zeros(64);
  EXPECT_EQ(messageOf(tensors),
            "test.gguf: at byte 57: duplicate tensor name 't'");
  ByteBuilder noName;
  noName.header(1, 0).tensor("", {4}, kTypeF32, 0).padTo(32).zeros(16);
  EXPECT_EQ(messageOf(noName),
            "test.gguf: at byte 24: tensor 0 has an empty name");
}

TEST(GgufDiagnostics, BadAlignment) {
  auto withAlignment = [](uint32_t type, const ByteBuilder &value) {
    ByteBuilder b;
    b.header(1, 1).str("general.alignment").u32(type);
    b.raw(value.bytes.data(), value.size());
    b.tensor("t", {4}, kTypeF32, 0).padTo(64).zeros(16);
    return b;
  };
  ByteBuilder v48;
  v48.u32(48);
  EXPECT_EQ(messageOf(withAlignment(4, v48)),
            "test.gguf: general.alignment is 48, expected a nonzero power of "
            "two");
  ByteBuilder v0;
  v0.u32(0);
  EXPECT_EQ(messageOf(withAlignment(4, v0)),
            "test.gguf: general.alignment is 0, expected a nonzero power of "
            "two");
  ByteBuilder v64;
  v64.u64(64);
  EXPECT_EQ(messageOf(withAlignment(10, v64)),
            "test.gguf: general.alignment has type u64, expected u32");
  ByteBuilder ok;
  ok.u32(64);
  EXPECT_EQ(messageOf(withAlignment(4, ok)), "OK");
}

TEST(GgufDiagnostics, OpenFileErrors) {
  TempDir dir;
  Expected<File> missing = openFile(dir.file("missing.gguf"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.message(), dir.file("missing.gguf") +
                                   ": cannot open: No such file or "
                                   "directory");
  Expected<File> isDir = openFile(dir.path());
  ASSERT_FALSE(isDir);
  EXPECT_EQ(isDir.message(), dir.path() + ": not a regular file");
  { std::ofstream(dir.file("empty.gguf")); }
  Expected<File> empty = openFile(dir.file("empty.gguf"));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.message(), dir.file("empty.gguf") +
                                 ": not a GGUF file: 0 bytes, too small for "
                                 "the header");
  {
    std::ofstream out(dir.file("bad.gguf"), std::ios::binary);
    out.write("GGUF\x03\0\0\0", 8);
  }
  Expected<File> truncated = openFile(dir.file("bad.gguf"));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.message(), dir.file("bad.gguf") +
                                     ": at byte 8: truncated header (tensor "
                                     "count): needs 8 bytes, 0 left in file");
}
