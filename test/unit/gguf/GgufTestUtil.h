//===- GgufTestUtil.h - Helpers shared by the GGUF unit tests ------*- C++
//-*-===//
//
// A little-endian byte builder for hand-made (often malformed) GGUF images,
// a sample file with every metadata type, a temporary directory, and a
// consistency check for files the parser accepted.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_UNIT_GGUF_GGUFTESTUTIL_H
#define QUANT_TEST_UNIT_GGUF_GGUFTESTUTIL_H

#include "quant/gguf/Reader.h"
#include "quant/gguf/Writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace quant::gguf::test {

/// The GGUF type id of Q4_0 (32 elements in 18 bytes).
constexpr uint32_t kTypeQ4_0 = 2;

/// Appends little-endian fields to a byte vector.
class ByteBuilder {
public:
  ByteBuilder &u8(uint8_t v) {
    bytes.push_back(v);
    return *this;
  }
  ByteBuilder &u32(uint32_t v) { return raw(&v, 4); }
  ByteBuilder &u64(uint64_t v) { return raw(&v, 8); }
  ByteBuilder &str(const std::string &s) {
    u64(s.size());
    return raw(s.data(), s.size());
  }
  ByteBuilder &raw(const void *p, size_t n) {
    const uint8_t *b = static_cast<const uint8_t *>(p);
    bytes.insert(bytes.end(), b, b + n);
    return *this;
  }
  ByteBuilder &zeros(size_t n) {
    bytes.insert(bytes.end(), n, 0);
    return *this;
  }
  /// Pads with zeros to a multiple of `align`.
  ByteBuilder &padTo(size_t align) {
    while (bytes.size() % align != 0)
      bytes.push_back(0);
    return *this;
  }
  /// Header: magic, version, counts.
  ByteBuilder &header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    u32(kMagic);
    u32(version);
    u64(tensors);
    return u64(kvs);
  }
  /// A tensor info.
  ByteBuilder &tensor(const std::string &name,
                      const std::vector<uint64_t> &dims, uint32_t type,
                      uint64_t offset) {
    str(name);
    u32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims)
      u64(d);
    u32(type);
    return u64(offset);
  }
  size_t size() const { return bytes.size(); }

  std::vector<uint8_t> bytes;
};

/// A parse result together with the exactly sized heap copy it views.
struct ParsedCopy {
  std::unique_ptr<uint8_t[]> storage;
  Expected<File> result;
};

/// Parses the first `n` bytes of `bytes` from an exactly sized heap copy (so
/// that AddressSanitizer sees any read past the end).
inline ParsedCopy parseCopy(const std::vector<uint8_t> &bytes,
                            size_t n = SIZE_MAX) {
  n = std::min(n, bytes.size());
  std::unique_ptr<uint8_t[]> copy(n ? new uint8_t[n] : nullptr);
  if (n)
    std::memcpy(copy.get(), bytes.data(), n);
  Expected<File> r = parseMemory(copy.get(), n, "test.gguf");
  return {std::move(copy), std::move(r)};
}

/// Metadata with a value of every type, nested arrays included.
inline Metadata sampleMetadata() {
  Metadata md;
  md.set("general.architecture", Value::string("llama"));
  md.set("general.name", Value::string("sample \"model\"\n"));
  md.set("t.u8", Value::u8(250));
  md.set("t.i8", Value::i8(-120));
  md.set("t.u16", Value::u16(65000));
  md.set("t.i16", Value::i16(-32000));
  md.set("t.u32", Value::u32(4000000000u));
  md.set("t.i32", Value::i32(-2000000000));
  md.set("t.f32", Value::f32(3.25f));
  md.set("t.bool", Value::boolean(true));
  md.set("t.string.empty", Value::string(""));
  md.set("t.u64", Value::u64(UINT64_MAX - 5));
  md.set("t.i64", Value::i64(INT64_MIN + 7));
  md.set("t.f64", Value::f64(-1.0e300));
  md.set("t.arr.u8", Value::arrayOf<uint8_t>({1, 2, 255}));
  md.set("t.arr.i8", Value::arrayOf<int8_t>({-1, 0, 127}));
  md.set("t.arr.u16", Value::arrayOf<uint16_t>({7, 65535}));
  md.set("t.arr.i16", Value::arrayOf<int16_t>({-7, 300}));
  md.set("t.arr.u32", Value::arrayOf<uint32_t>({1, 2, 3, 4}));
  md.set("t.arr.i32", Value::arrayOf<int32_t>({-1, -2}));
  md.set("t.arr.f32", Value::arrayOf<float>({0.5f, -0.25f, 1e-3f}));
  md.set("t.arr.bool", Value::arrayOf<bool>({true, false, true}));
  md.set("t.arr.u64", Value::arrayOf<uint64_t>({UINT64_MAX}));
  md.set("t.arr.i64", Value::arrayOf<int64_t>({INT64_MIN, 5}));
  md.set("t.arr.f64", Value::arrayOf<double>({1.5, -2.5}));
  md.set("t.arr.empty", Value::arrayOf<uint32_t>({}));
  md.set("tokenizer.ggml.tokens",
         Value::arrayOfStrings({"<s>", "</s>", "", "h\xc3\xa9llo", "x y"}));
  md.set(
      "t.arr.nested",
      Value::arrayOfArrays({Value::arrayOf<int32_t>({1, 2, 3}),
                            Value::arrayOfStrings({"a", "bc"}),
                            Value::arrayOfArrays({Value::arrayOf<float>({9.0f}),
                                                  Value::arrayOfArrays({})}),
                            Value::arrayOf<uint8_t>({})}));
  return md;
}

/// A small file: sample metadata, an F32 matrix, a 1-D F16 vector of odd
/// length, a Q4_0 matrix and a BF16 tensor, with deterministic data.
struct SampleFile {
  std::vector<uint8_t> f32, f16, q4, bf16;
  Writer writer;

  explicit SampleFile(uint32_t alignment = kDefaultAlignment) {
    writer.metadata() = sampleMetadata();
    EXPECT_FALSE(writer.setAlignment(alignment));
    f32.resize(4 * 8 * 3);
    f16.resize(2 * 7);
    q4.resize(18 * 2 * 2);
    bf16.resize(2 * 5 * 2 * 1);
    uint32_t state = 12345;
    for (auto *v : {&f32, &f16, &q4, &bf16})
      for (uint8_t &b : *v) {
        state = state * 1664525u + 1013904223u;
        b = static_cast<uint8_t>(state >> 24);
      }
    EXPECT_FALSE(writer.addTensor("blk.0.attn_q.weight", {8, 3}, kTypeF32,
                                  f32.data(), f32.size()));
    EXPECT_FALSE(writer.addTensor("blk.0.attn_norm.weight", {7}, kTypeF16,
                                  f16.data(), f16.size()));
    EXPECT_FALSE(writer.addTensor("blk.0.ffn_up.weight", {64, 2}, kTypeQ4_0,
                                  q4.data(), q4.size()));
    EXPECT_FALSE(writer.addTensor("blk.0.odd", {5, 2, 1}, kTypeBF16,
                                  bf16.data(), bf16.size()));
  }

  std::vector<uint8_t> bytes() const {
    Expected<std::vector<uint8_t>> b = writer.writeToMemory();
    EXPECT_TRUE(b) << (b ? "" : b.message());
    return b ? *b : std::vector<uint8_t>();
  }
};

/// Checks invariants every successfully parsed file must satisfy.
inline void expectConsistent(const File &file) {
  ASSERT_TRUE(file.alignment() != 0 &&
              (file.alignment() & (file.alignment() - 1)) == 0);
  EXPECT_EQ(file.dataSectionOffset() % file.alignment(), 0u);
  for (const KeyValue &kv : file.metadata().entries()) {
    EXPECT_FALSE(kv.key.empty());
    EXPECT_EQ(file.metadata().find(kv.key), &kv.value);
    (void)kv.value.toDisplayString();
  }
  for (const TensorInfo &t : file.tensors()) {
    EXPECT_FALSE(t.name.empty());
    EXPECT_EQ(file.findTensor(t.name), &t);
    EXPECT_GE(t.dims.size(), 1u);
    EXPECT_LE(t.dims.size(), kMaxDims);
    EXPECT_EQ(t.offset % file.alignment(), 0u);
    Expected<uint64_t> bytes = tensorByteSize(t.type, t.dims);
    ASSERT_TRUE(bytes);
    EXPECT_EQ(*bytes, t.byteSize);
    TensorData d = file.tensorData(t);
    EXPECT_GE(d.data, file.bufferData());
    EXPECT_LE(d.data + d.size, file.bufferData() + file.bufferSize());
  }
}

/// A fresh temporary directory, removed (with its files) on destruction.
class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/quant-gguf-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()))
      path_ = buf.data();
  }
  ~TempDir() {
    for (const std::string &f : files())
      std::remove((path_ + "/" + f).c_str());
    ::rmdir(path_.c_str());
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }
  /// Names of the entries in the directory.
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    if (DIR *d = ::opendir(path_.c_str())) {
      while (dirent *e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..")
          out.push_back(n);
      }
      ::closedir(d);
    }
    return out;
  }

private:
  std::string path_;
};

} // namespace quant::gguf::test

#endif // QUANT_TEST_UNIT_GGUF_GGUFTESTUTIL_H
