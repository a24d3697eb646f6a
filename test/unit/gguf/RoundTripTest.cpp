//===- RoundTripTest.cpp - GGUF write -> read round trips -----------------===//

#include "GgufTestUtil.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

using namespace quant::gguf;
using namespace quant::gguf::test;

namespace {
std::vector<uint8_t> readWholeFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}
} // namespace

TEST(GgufRoundTrip, EveryMetadataType) {
  SampleFile sample;
  std::vector<uint8_t> bytes = sample.bytes();
  ParsedCopy parsed = parseCopy(bytes);
  ASSERT_TRUE(parsed.result) << parsed.result.message();
  const File &file = *parsed.result;
  EXPECT_EQ(file.version(), 3u);
  const Metadata &expected = sample.writer.metadata();
  const Metadata &got = file.metadata();
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got.entries()[i].key, expected.entries()[i].key);
    EXPECT_EQ(got.entries()[i].value, expected.entries()[i].value)
        << got.entries()[i].key << ": "
        << got.entries()[i].value.toDisplayString() << " vs "
        << expected.entries()[i].value.toDisplayString();
  }
  // Spot checks through the typed getters.
  EXPECT_EQ(*got.getString("general.name"), "sample \"model\"\n");
  const ArrayValue *nested = *got.getArray("t.arr.nested");
  ASSERT_EQ(nested->size(), 4u);
  EXPECT_EQ(nested->arrays()[1].getArray()->strings()[1], "bc");
  const ArrayValue *inner = nested->arrays()[2].getArray();
  EXPECT_EQ(*inner->arrays()[0].getArray()->get<float>(0), 9.0f);
  EXPECT_EQ(inner->arrays()[1].getArray()->size(), 0u);
  EXPECT_EQ(*(*got.getArray("t.arr.bool"))->toVector<bool>(),
            (std::vector<bool>{true, false, true}));
  expectConsistent(file);
}

TEST(GgufRoundTrip, DeepestAllowedNesting) {
  Value v = Value::arrayOf<uint8_t>({42});
  for (unsigned depth = 1; depth < kMaxArrayDepth; ++depth)
    v = Value::arrayOfArrays({v});
  Writer w;
  w.metadata().set("deep", v);
  Expected<std::vector<uint8_t>> bytes = w.writeToMemory();
  ASSERT_TRUE(bytes) << bytes.message();
  ParsedCopy parsed = parseCopy(*bytes);
  ASSERT_TRUE(parsed.result) << parsed.result.message();
  EXPECT_EQ(*parsed.result->metadata().find("deep"), v);

  // One level more is refused by the writer.
  w.metadata().set("deep", Value::arrayOfArrays({v}));
  Expected<std::vector<uint8_t>> tooDeep = w.writeToMemory();
  ASSERT_FALSE(tooDeep);
  EXPECT_EQ(tooDeep.message(), "metadata key 'deep': arrays nested deeper "
                               "than 8");
}

class GgufAlignment : public ::testing::TestWithParam<uint32_t> {};

TEST_P(GgufAlignment, OffsetsAndDataRoundTrip) {
  uint32_t align = GetParam();
  SampleFile sample(align);
  std::vector<uint8_t> bytes = sample.bytes();
  Expected<File> parsed = parseMemory(bytes.data(), bytes.size());
  ASSERT_TRUE(parsed) << parsed.message();
  const File &file = *parsed;
  EXPECT_EQ(file.alignment(), align);
  EXPECT_EQ(*file.metadata().getU32("general.alignment"), align);
  EXPECT_EQ(file.dataSectionOffset() % align, 0u);
  ASSERT_EQ(file.tensors().size(), 4u);
  const std::vector<uint8_t> *sources[] = {&sample.f32, &sample.f16, &sample.q4,
                                           &sample.bf16};
  uint64_t expectedOffset = 0;
  for (size_t i = 0; i < 4; ++i) {
    const TensorInfo &t = file.tensors()[i];
    EXPECT_EQ(t.name, sample.writer.tensors()[i].name);
    EXPECT_EQ(t.dims, sample.writer.tensors()[i].dims);
    EXPECT_EQ(t.type, sample.writer.tensors()[i].type);
    EXPECT_EQ(t.offset, expectedOffset);
    EXPECT_EQ(t.offset % align, 0u);
    EXPECT_EQ(t.byteSize, sources[i]->size());
    TensorData d = file.tensorData(t);
    // No copy: the data is a view of the parsed bytes.
    EXPECT_EQ(d.data, bytes.data() + file.dataSectionOffset() + t.offset);
    ASSERT_EQ(d.size, sources[i]->size());
    EXPECT_EQ(std::vector<uint8_t>(d.data, d.data + d.size), *sources[i]);
    expectedOffset = (t.offset + t.byteSize + align - 1) / align * align;
  }
  // Each tensor is padded to the alignment, the last one included.
  EXPECT_EQ(bytes.size(), file.dataSectionOffset() + expectedOffset);
  expectConsistent(file);
}

INSTANTIATE_TEST_SUITE_P(Gguf, GgufAlignment,
                         ::testing::Values(1u, 2u, 8u, 32u, 64u, 4096u));

TEST(GgufRoundTrip, FileIsMappedWithoutCopy) {
  TempDir dir;
  std::string path = dir.file("model.gguf");
  SampleFile sample(64);
  ASSERT_FALSE(sample.writer.writeFile(path));
  // Only the final file remains: no temporary left behind.
  EXPECT_EQ(dir.files(), std::vector<std::string>{"model.gguf"});
  EXPECT_EQ(readWholeFile(path), sample.bytes());

  Expected<File> opened = openFile(path);
  ASSERT_TRUE(opened) << opened.message();
  File file = opened.take(); // Moving keeps the mapping and data pointers.
  EXPECT_TRUE(file.isMapped());
  EXPECT_EQ(file.name(), path);
  EXPECT_EQ(file.bufferSize(), sample.bytes().size());
  const uint8_t *begin = file.bufferData();
  const uint8_t *end = begin + file.bufferSize();
  for (const TensorInfo &t : file.tensors()) {
    TensorData d = file.tensorData(t);
    EXPECT_GE(d.data, begin);
    EXPECT_LE(d.data + d.size, end);
    EXPECT_EQ((d.data - begin) % 64, 0);
  }
  const TensorInfo *q4 = file.findTensor("blk.0.ffn_up.weight");
  ASSERT_NE(q4, nullptr);
  TensorData d = file.tensorData(*q4);
  EXPECT_EQ(std::vector<uint8_t>(d.data, d.data + d.size), sample.q4);
  EXPECT_EQ(file.findTensor("missing"), nullptr);

  // A copy shares the mapping.
  File copy = file;
  EXPECT_EQ(copy.bufferData(), file.bufferData());
  EXPECT_EQ(copy.findTensor("blk.0.odd")->dims,
            (std::vector<uint64_t>{5, 2, 1}));
}

TEST(GgufRoundTrip, ProducersRunOnceInOrder) {
  Writer w;
  std::vector<std::string> calls;
  for (const char *name : {"a", "b", "c"}) {
    std::string n = name;
    ASSERT_FALSE(
        w.addTensor(n, {3}, kTypeF32, [&calls, n](uint8_t *out, size_t size) {
          calls.push_back(n);
          for (size_t i = 0; i < size; ++i)
            out[i] = static_cast<uint8_t>(n[0] + i);
          return Error::success();
        }));
  }
  Expected<std::vector<uint8_t>> bytes = w.writeToMemory();
  ASSERT_TRUE(bytes) << bytes.message();
  EXPECT_EQ(calls, (std::vector<std::string>{"a", "b", "c"}));
  Expected<File> f = parseMemory(bytes->data(), bytes->size());
  ASSERT_TRUE(f) << f.message();
  TensorData d = f->tensorData(*f->findTensor("b"));
  ASSERT_EQ(d.size, 12u);
  EXPECT_EQ(d.data[0], 'b');
  EXPECT_EQ(d.data[11], 'b' + 11);
}

TEST(GgufRoundTrip, NoTensorsNoMetadata) {
  Writer w;
  Expected<std::vector<uint8_t>> bytes = w.writeToMemory();
  ASSERT_TRUE(bytes);
  EXPECT_EQ(bytes->size(), 24u);
  ParsedCopy parsed = parseCopy(*bytes);
  ASSERT_TRUE(parsed.result) << parsed.result.message();
  EXPECT_TRUE(parsed.result->tensors().empty());
  EXPECT_TRUE(parsed.result->metadata().empty());
}

TEST(GgufRoundTrip, VersionTwoIsAccepted) {
  std::vector<uint8_t> bytes = SampleFile().bytes();
  bytes[4] = 2;
  ParsedCopy parsed = parseCopy(bytes);
  ASSERT_TRUE(parsed.result) << parsed.result.message();
  EXPECT_EQ(parsed.result->version(), 2u);
}

TEST(GgufWriter, FailedWriteLeavesNothingBehind) {
  TempDir dir;
  std::string path = dir.file("out.gguf");
  Writer w;
  w.metadata().set("general.architecture", Value::string("llama"));
  ASSERT_FALSE(w.addTensor("ok", {4}, kTypeF32, [](uint8_t *out, size_t n) {
    std::memset(out, 0, n);
    return Error::success();
  }));
  ASSERT_FALSE(w.addTensor("bad", {4}, kTypeF32, [](uint8_t *, size_t) {
    return Error::failure("producer gave up");
  }));
  Error e = w.writeFile(path);
  ASSERT_TRUE(e);
  EXPECT_EQ(e.message(), path + ": tensor 'bad': producer gave up");
  EXPECT_TRUE(dir.files().empty());

  // An existing file is left untouched by a failed write.
  { std::ofstream(path) << "old"; }
  EXPECT_TRUE(w.writeFile(path));
  EXPECT_EQ(readWholeFile(path), (std::vector<uint8_t>{'o', 'l', 'd'}));
  EXPECT_EQ(dir.files(), std::vector<std::string>{"out.gguf"});
}

TEST(GgufWriter, ReplacesExistingFile) {
  TempDir dir;
  std::string path = dir.file("out.gguf");
  { std::ofstream(path) << "old contents"; }
  SampleFile sample;
  ASSERT_FALSE(sample.writer.writeFile(path));
  EXPECT_EQ(readWholeFile(path), sample.bytes());
  EXPECT_EQ(dir.files(), std::vector<std::string>{"out.gguf"});
}

TEST(GgufWriter, UnwritableDirectory) {
  Writer w;
  Error e = w.writeFile("/nonexistent-dir/x.gguf");
  ASSERT_TRUE(e);
  EXPECT_NE(e.message().find("/nonexistent-dir/x.gguf: cannot create "
                             "/nonexistent-dir/x.gguf.tmp."),
            std::string::npos)
      << e.message();
}

TEST(GgufWriter, RejectsBadTensors) {
  Writer w;
  std::vector<uint8_t> data(64);
  EXPECT_EQ(w.addTensor("", {4}, kTypeF32, data.data(), 16).message(),
            "tensor name is empty");
  EXPECT_EQ(w.addTensor(std::string(65, 'x'), {4}, kTypeF32, data.data(), 16)
                .message(),
            "tensor name '" + std::string(65, 'x') +
                "' is longer than 64 bytes");
  EXPECT_EQ(w.addTensor("t", {}, kTypeF32, data.data(), 4).message(),
            "tensor 't' has no dimensions");
  EXPECT_EQ(w.addTensor("t", {4}, 9999, data.data(), 16).message(),
            "tensor 't' has unknown type 9999");
  EXPECT_EQ(w.addTensor("t", {4, 2}, kTypeF32, data.data(), 16).message(),
            "tensor 't': 16 bytes given, f32 2 x 4 needs 32");
  EXPECT_EQ(w.addTensor("t", {31}, kTypeQ4_0, data.data(), 18).message(),
            "tensor 't': row length 31 is not a multiple of the q4_0 block "
            "size 32");
  EXPECT_FALSE(w.addTensor("t", {4}, kTypeF32, data.data(), 16));
  EXPECT_EQ(w.addTensor("t", {4}, kTypeF32, data.data(), 16).message(),
            "duplicate tensor name 't'");
  EXPECT_EQ(w.setAlignment(48).message(),
            "alignment 48 is not a nonzero power of two");
  w.metadata().set("general.alignment", Value::u64(32));
  EXPECT_EQ(w.writeToMemory().message(),
            "general.alignment has type u64, expected u32");
}
