//===- NpyTest.cpp - .npy reading, writing and malformed files ------------===//

#include "quant/runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace quant::rt;
namespace fs = std::filesystem;

namespace {

/// A fresh directory per test, removed afterwards.
class NpyTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern =
        (fs::temp_directory_path() / "quant-npy-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }

  std::string path(const std::string &name) const {
    return (dir / name).string();
  }

  /// Writes raw bytes to a file in the test directory.
  std::string writeRaw(const std::string &name, const std::string &bytes) {
    std::string file = path(name);
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }

  /// The names in the test directory.
  std::vector<std::string> listDir() const {
    std::vector<std::string> names;
    for (const auto &entry : fs::directory_iterator(dir))
      names.push_back(entry.path().filename().string());
    return names;
  }

  /// Reads `file` expecting failure; returns the message.
  std::string readError(const std::string &file) {
    NpyArray array;
    std::string error;
    EXPECT_FALSE(readNpy(file, array, error)) << file;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(error.rfind(file + ": ", 0), 0u) << error;
    return error;
  }

  fs::path dir;
};

/// A version-1.0 file with header dictionary `dict` (padded and ended with
/// '\n' here) followed by `data`.
std::string npyBytes(const std::string &dict, const std::string &data = "",
                     int major = 1) {
  std::string header = dict;
  size_t preamble = major == 1 ? 10 : 12;
  while ((preamble + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += char(0);
  size_t length = header.size();
  for (size_t i = 0; i < preamble - 8; ++i)
    out += char((length >> (8 * i)) & 0xFF);
  return out + header + data;
}

/// Bytes of `n` floats 0, 1, 2, ...
std::string floatData(size_t n) {
  std::string data(n * 4, '\0');
  for (size_t i = 0; i < n; ++i) {
    float value = float(i);
    std::memcpy(&data[i * 4], &value, 4);
  }
  return data;
}

TEST_F(NpyTest, RoundTripEveryDTypeAndRank) {
  const NpyDType dtypes[] = {NpyDType::F32, NpyDType::F16, NpyDType::I32,
                             NpyDType::I64, NpyDType::I8};
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {1}, {5}, {2, 3}, {2, 3, 4}, {0}, {3, 0, 2}, {1, 1, 1, 1, 7}};
  for (NpyDType dtype : dtypes) {
    for (const auto &shape : shapes) {
      size_t elements = 1;
      for (int64_t dim : shape)
        elements *= size_t(dim);
      size_t bytes = elements * npyElementSize(dtype);
      std::vector<uint8_t> data(bytes);
      for (size_t i = 0; i < bytes; ++i)
        data[i] = uint8_t(i * 37 + 11);
      std::string file = path(std::string("rt_") + npyDTypeName(dtype) + "_" +
                              formatShape(shape) + ".npy");
      std::string error;
      ASSERT_TRUE(writeNpy(file, dtype, shape, data.data(), error)) << error;

      NpyArray array;
      ASSERT_TRUE(readNpy(file, array, error)) << error;
      EXPECT_EQ(array.dtype, dtype);
      EXPECT_EQ(array.shape, shape);
      ASSERT_EQ(array.data.size(), bytes);
      EXPECT_TRUE(std::equal(data.begin(), data.end(), array.data.begin()));
      ASSERT_NE(array.data.data(), nullptr);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(array.data.data()) %
                    kBufferAlignment,
                0u);
      // The data starts at a multiple of 64 bytes, as NumPy writes it.
      EXPECT_EQ((fs::file_size(file) - bytes) % 64, 0u);
    }
  }
  // Only the final files: no temporaries left behind.
  for (const std::string &name : listDir())
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
}

TEST_F(NpyTest, HeaderMatchesNumPy) {
  // np.save of np.zeros((2, 3), np.float32): 128-byte header.
  std::string header = formatNpyHeader(NpyDType::F32, {2, 3});
  ASSERT_EQ(header.size(), 128u);
  EXPECT_EQ(header.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(header.substr(10, dict.size()), dict);
  EXPECT_EQ(header.back(), '\n');
  // 1-d shapes keep Python's one-element tuple comma; 0-d is ().
  EXPECT_NE(formatNpyHeader(NpyDType::I8, {5}).find("'shape': (5,)"),
            std::string::npos);
  EXPECT_NE(formatNpyHeader(NpyDType::I8, {}).find("'shape': ()"),
            std::string::npos);
  EXPECT_NE(formatNpyHeader(NpyDType::I8, {}).find("'descr': '|i1'"),
            std::string::npos);
}

TEST_F(NpyTest, LargeHeaderUsesVersion2) {
  std::vector<int64_t> shape(30000, 1); // A 90 KB dictionary.
  std::string header = formatNpyHeader(NpyDType::F32, shape);
  EXPECT_EQ(header[6], 2);
  EXPECT_EQ(header.size() % 64, 0u);
  NpyHeader parsed;
  std::string error;
  ASSERT_TRUE(parseNpyHeader(header.data(), header.size(), parsed, error))
      << error;
  EXPECT_EQ(parsed.shape, shape);
  EXPECT_EQ(parsed.dataOffset, header.size());

  std::string file = path("big_rank.npy");
  float value = 3.5f;
  ASSERT_TRUE(writeNpy(file, NpyDType::F32, shape, &value, error)) << error;
  NpyArray array;
  ASSERT_TRUE(readNpy(file, array, error)) << error;
  EXPECT_EQ(array.shape.size(), 30000u);
  float back;
  std::memcpy(&back, array.data.data(), 4);
  EXPECT_EQ(back, 3.5f);
}

TEST_F(NpyTest, ReadsHandWrittenHeaders) {
  struct Case {
    const char *dict;
    std::vector<int64_t> shape;
    NpyDType dtype;
  } cases[] = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
       {2, 3},
       NpyDType::F32},
      {"{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"<i8\"}",
       {3},
       NpyDType::I64},
      {"{ 'descr' : '<i4' ,'fortran_order':False,'shape':( 1 , 2 , )}",
       {1, 2},
       NpyDType::I32},
      {"{'descr': '|i1', 'fortran_order': False, 'shape': ()}",
       {},
       NpyDType::I8},
      {"{'descr': '<f2', 'fortran_order': False, 'shape': (2L, 1L), }",
       {2, 1},
       NpyDType::F16},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4)}",
       {4},
       NpyDType::F32},
  };
  int index = 0;
  for (const Case &c : cases) {
    size_t elements = 1;
    for (int64_t dim : c.shape)
      elements *= size_t(dim);
    std::string data(elements * npyElementSize(c.dtype), '\x01');
    std::string file = writeRaw("hand" + std::to_string(index++) + ".npy",
                                npyBytes(c.dict, data));
    NpyArray array;
    std::string error;
    ASSERT_TRUE(readNpy(file, array, error)) << c.dict << ": " << error;
    EXPECT_EQ(array.shape, c.shape) << c.dict;
    EXPECT_EQ(array.dtype, c.dtype) << c.dict;
    EXPECT_EQ(array.data.size(), data.size());
  }
  // Versions 2.0 and 3.0 have a 4-byte header length.
  for (int major : {2, 3}) {
    std::string file = writeRaw(
        "v" + std::to_string(major) + ".npy",
        npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                 floatData(3), major));
    NpyArray array;
    std::string error;
    ASSERT_TRUE(readNpy(file, array, error)) << error;
    EXPECT_EQ(array.shape, std::vector<int64_t>{3});
    float last;
    std::memcpy(&last, array.data.data() + 8, 4);
    EXPECT_EQ(last, 2.0f);
  }
}

TEST_F(NpyTest, MissingAndUnreadableFiles) {
  std::string missing = path("missing.npy");
  EXPECT_NE(readError(missing).find("cannot open"), std::string::npos);
  EXPECT_NE(readError(dir.string()).find("directory"), std::string::npos);
}

TEST_F(NpyTest, BadMagic) {
  EXPECT_EQ(readError(writeRaw("empty.npy", "")),
            path("empty.npy") + ": not a .npy file");
  EXPECT_EQ(readError(writeRaw("text.npy", "hello, this is not numpy\n")),
            path("text.npy") + ": not a .npy file");
  EXPECT_EQ(readError(writeRaw("short.npy", "\x93NUM")),
            path("short.npy") + ": not a .npy file");
}

TEST_F(NpyTest, UnsupportedVersion) {
  std::string bytes =
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
               floatData(1));
  bytes[6] = 4;
  EXPECT_NE(
      readError(writeRaw("v4.npy", bytes)).find("unsupported .npy version 4.0"),
      std::string::npos);
}

TEST_F(NpyTest, TruncatedHeader) {
  std::string full =
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
               floatData(1));
  // Cut inside the length field and inside the dictionary.
  for (size_t size : {size_t(9), size_t(10), size_t(40), size_t(63)}) {
    std::string error = readError(writeRaw("cut.npy", full.substr(0, size)));
    EXPECT_EQ(error, path("cut.npy") + ": truncated header") << size;
  }
  // A header length far beyond any sane header.
  std::string huge = "\x93NUMPY\x02";
  huge += '\0';
  huge += std::string("\xff\xff\xff\x7f", 4);
  EXPECT_NE(readError(writeRaw("huge.npy", huge)).find("header too large"),
            std::string::npos);
}

TEST_F(NpyTest, TruncatedData) {
  std::string file = writeRaw(
      "short_data.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
               floatData(3)));
  EXPECT_EQ(readError(file),
            file + ": truncated data (expected 24 bytes, got 12)");
  // A hostile shape fails on size, before any allocation.
  std::string hostile = writeRaw(
      "hostile.npy", npyBytes("{'descr': '<f4', 'fortran_order': False, "
                              "'shape': (1000000, 1000000, 1000), }",
                              floatData(2)));
  EXPECT_NE(readError(hostile).find("truncated data (expected"),
            std::string::npos);
}

TEST_F(NpyTest, FortranOrder) {
  std::string file = writeRaw(
      "fortran.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
               floatData(6)));
  EXPECT_EQ(readError(file), file + ": fortran order is not supported");
}

TEST_F(NpyTest, UnsupportedDType) {
  for (const char *descr : {"<c8", ">f4", "<f8", "<u2", "O", "<U4"}) {
    std::string file = writeRaw(
        "dtype.npy", npyBytes(std::string("{'descr': '") + descr +
                                  "', 'fortran_order': False, 'shape': (1,), }",
                              std::string(16, '\0')));
    EXPECT_EQ(readError(file), file + ": unsupported dtype '" + descr + "'");
  }
  std::string structured =
      writeRaw("structured.npy",
               npyBytes("{'descr': [('a', '<f4')], 'fortran_order': False, "
                        "'shape': (1,), }",
                        floatData(1)));
  EXPECT_NE(readError(structured).find("unsupported dtype (structured array)"),
            std::string::npos);
}

TEST_F(NpyTest, BadShapeText) {
  for (const char *shape :
       {"(2, x)", "(-1,)", "(2,,3)", "(99999999999999999999,)", "(2 3)",
        "(2, 3", "(,)", "(2.5,)"}) {
    std::string file = writeRaw(
        "shape.npy", npyBytes(std::string("{'descr': '<f4', 'fortran_order': "
                                          "False, 'shape': ") +
                                  shape + ", }",
                              floatData(8)));
    std::string error = readError(file);
    EXPECT_NE(error.find("bad shape"), std::string::npos)
        << shape << " -> " << error;
  }
  // Not a tuple at all.
  std::string file = writeRaw(
      "shape_str.npy",
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': '2', }",
               floatData(2)));
  EXPECT_NE(readError(file).find("bad shape"), std::string::npos);
  // Dims whose product overflows.
  std::string overflow = writeRaw(
      "overflow.npy", npyBytes("{'descr': '<f4', 'fortran_order': False, "
                               "'shape': (4294967296, 4294967296), }",
                               floatData(2)));
  EXPECT_NE(readError(overflow).find("too large"), std::string::npos);
}

TEST_F(NpyTest, MalformedDictionary) {
  const char *dicts[] = {
      "['descr', '<f4']",
      "{'descr': '<f4', 'fortran_order': False}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (1,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
      "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}",
      "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing",
      "{'descr: '<f4', 'fortran_order': False, 'shape': (1,)}",
      "{descr: '<f4', 'fortran_order': False, 'shape': (1,)}",
  };
  for (const char *dict : dicts) {
    std::string file = writeRaw("dict.npy", npyBytes(dict, floatData(1)));
    std::string error = readError(file);
    EXPECT_NE(error.find("malformed header"), std::string::npos)
        << dict << " -> " << error;
  }
  // The dictionary must end with a newline.
  std::string bytes =
      npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
               floatData(1));
  ASSERT_EQ(bytes[bytes.size() - 5], '\n');
  bytes[bytes.size() - 5] = ' ';
  EXPECT_NE(readError(writeRaw("nonl.npy", bytes)).find("newline"),
            std::string::npos);
}

TEST_F(NpyTest, ParseHeaderFromMemory) {
  std::string bytes = formatNpyHeader(NpyDType::I64, {4, 5});
  NpyHeader header;
  std::string error;
  ASSERT_TRUE(parseNpyHeader(bytes.data(), bytes.size(), header, error));
  EXPECT_EQ(header.dtype, NpyDType::I64);
  EXPECT_EQ(header.numElements, 20u);
  EXPECT_EQ(header.numBytes, 160u);
  EXPECT_EQ(header.dataOffset, bytes.size());
  size_t headerSize = 0;
  ASSERT_TRUE(npyHeaderSize(bytes.data(), kNpyPreambleSize, headerSize, error));
  EXPECT_EQ(headerSize, bytes.size());
  EXPECT_FALSE(parseNpyHeader(bytes.data(), bytes.size() - 1, header, error));
  EXPECT_EQ(error, "truncated header");
}

TEST_F(NpyTest, WriteFailureLeavesNothing) {
  std::string error;
  float value = 1.0f;
  std::string file = path("no_such_dir/out.npy");
  EXPECT_FALSE(writeNpy(file, NpyDType::F32, {1}, &value, error));
  EXPECT_EQ(error.rfind(file + ": cannot write", 0), 0u) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
  EXPECT_FALSE(writeNpy(path("neg.npy"), NpyDType::F32, {-1}, &value, error));
  EXPECT_FALSE(writeNpy(path("null.npy"), NpyDType::F32, {2}, nullptr, error));
  EXPECT_TRUE(listDir().empty());
}

TEST_F(NpyTest, OverwritesExistingFile) {
  std::string file = writeRaw("out.npy", "old contents");
  int32_t values[2] = {7, -7};
  std::string error;
  ASSERT_TRUE(writeNpy(file, NpyDType::I32, {2}, values, error)) << error;
  NpyArray array;
  ASSERT_TRUE(readNpy(file, array, error)) << error;
  int32_t back[2];
  std::memcpy(back, array.data.data(), 8);
  EXPECT_EQ(back[0], 7);
  EXPECT_EQ(back[1], -7);
  EXPECT_EQ(listDir().size(), 1u);
}

TEST(NpyNames, DescrsAndShapes) {
  NpyDType dtype;
  EXPECT_TRUE(parseNpyDescr("<f4", dtype));
  EXPECT_EQ(dtype, NpyDType::F32);
  EXPECT_TRUE(parseNpyDescr("|i1", dtype));
  EXPECT_EQ(dtype, NpyDType::I8);
  EXPECT_FALSE(parseNpyDescr("<f8", dtype));
  EXPECT_STREQ(npyDescr(NpyDType::F16), "<f2");
  EXPECT_STREQ(npyDTypeName(NpyDType::I64), "i64");
  EXPECT_EQ(formatShape({}), "scalar");
  EXPECT_EQ(formatShape({7}), "7");
  EXPECT_EQ(formatShape({4, 64}), "4x64");
}

} // namespace
