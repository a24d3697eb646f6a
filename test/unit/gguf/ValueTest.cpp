//===- ValueTest.cpp - Tests of GGUF values, metadata and tensor types ----===//

#include "GgufTestUtil.h"

#include "quant/formats/Format.h"
#include "quant/gguf/Metadata.h"
#include "quant/gguf/Tensor.h"
#include "quant/gguf/Value.h"

#include <gtest/gtest.h>

using namespace quant::gguf;
using namespace quant::gguf::test;

TEST(GgufValue, ScalarsKeepTypeAndValue) {
  EXPECT_EQ(Value::u8(7).type(), ValueType::UInt8);
  EXPECT_EQ(*Value::u8(7).get<uint8_t>(), 7);
  EXPECT_EQ(*Value::i8(-3).get<int8_t>(), -3);
  EXPECT_EQ(*Value::u16(65535).get<uint16_t>(), 65535);
  EXPECT_EQ(*Value::i16(-32768).get<int16_t>(), -32768);
  EXPECT_EQ(*Value::u32(4000000000u).get<uint32_t>(), 4000000000u);
  EXPECT_EQ(*Value::i32(-5).get<int32_t>(), -5);
  EXPECT_EQ(*Value::f32(1.5f).get<float>(), 1.5f);
  EXPECT_EQ(*Value::boolean(true).get<bool>(), true);
  EXPECT_EQ(*Value::u64(UINT64_MAX).get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(*Value::i64(INT64_MIN).get<int64_t>(), INT64_MIN);
  EXPECT_EQ(*Value::f64(-2.5).get<double>(), -2.5);
  EXPECT_EQ(*Value::string("abc").getString(), "abc");
  // No implicit conversions between types.
  EXPECT_FALSE(Value::u32(1).get<uint64_t>());
  EXPECT_FALSE(Value::u32(1).get<int32_t>());
  EXPECT_FALSE(Value::u32(1).getString());
  EXPECT_EQ(Value::u32(1).getArray(), nullptr);
}

TEST(GgufValue, LenientIntegerAccess) {
  EXPECT_EQ(*Value::i8(-1).asSigned(), -1);
  EXPECT_FALSE(Value::i8(-1).asUnsigned());
  EXPECT_EQ(*Value::i16(300).asUnsigned(), 300u);
  EXPECT_EQ(*Value::u64(UINT64_MAX).asUnsigned(), UINT64_MAX);
  EXPECT_FALSE(Value::u64(UINT64_MAX).asSigned());
  EXPECT_FALSE(Value::f32(1.0f).asUnsigned());
  EXPECT_FALSE(Value::boolean(true).asUnsigned());
  EXPECT_EQ(*Value::f32(0.5f).asDouble(), 0.5);
  EXPECT_EQ(*Value::i32(-4).asDouble(), -4.0);
}

TEST(GgufValue, Arrays) {
  Value a = Value::arrayOf<int32_t>({1, -2, 3});
  ASSERT_TRUE(a.isArray());
  const ArrayValue *arr = a.getArray();
  EXPECT_EQ(arr->elemType(), ValueType::Int32);
  EXPECT_EQ(arr->size(), 3u);
  EXPECT_EQ(*arr->get<int32_t>(1), -2);
  EXPECT_FALSE(arr->get<int32_t>(3));
  EXPECT_FALSE(arr->get<uint32_t>(0));
  EXPECT_EQ(arr->at(2), Value::i32(3));
  EXPECT_EQ(*arr->toVector<int32_t>(), (std::vector<int32_t>{1, -2, 3}));

  Value s = Value::arrayOfStrings({"x", "yz"});
  EXPECT_EQ(s.getArray()->elemType(), ValueType::String);
  EXPECT_EQ(s.getArray()->at(1), Value::string("yz"));

  Expected<Value> built =
      Value::arrayFrom(ValueType::UInt16, {Value::u16(1), Value::u16(2)});
  ASSERT_TRUE(built);
  EXPECT_EQ(*built, Value::arrayOf<uint16_t>({1, 2}));
  Expected<Value> bad =
      Value::arrayFrom(ValueType::UInt16, {Value::u16(1), Value::u32(2)});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.message(), "array element 1 has type u32, expected u16");

  Value nested = Value::arrayOfArrays({a, s});
  EXPECT_EQ(nested.getArray()->arrays()[0], a);
  EXPECT_NE(nested, Value::arrayOfArrays({s, a}));
}

TEST(GgufValue, DisplayString) {
  EXPECT_EQ(Value::i8(-3).toDisplayString(), "-3");
  EXPECT_EQ(Value::boolean(false).toDisplayString(), "false");
  EXPECT_EQ(Value::string("a\"b\n").toDisplayString(), "\"a\\\"b\\n\"");
  EXPECT_EQ(Value::arrayOf<uint32_t>({1, 2, 3, 4}).toDisplayString(2),
            "[u32 x 4] 1, 2, ...");
  EXPECT_EQ(Value::arrayOfStrings({"a"}).toDisplayString(),
            "[string x 1] \"a\"");
  EXPECT_EQ(Value::arrayOf<float>({}).toDisplayString(), "[f32 x 0]");
}

TEST(GgufMetadata, SetReplacesInPlaceAndKeepsOrder) {
  Metadata md;
  md.set("a", Value::u32(1));
  md.set("b", Value::string("x"));
  md.set("c", Value::f32(2));
  md.set("a", Value::u64(5));
  ASSERT_EQ(md.size(), 3u);
  EXPECT_EQ(md.entries()[0].key, "a");
  EXPECT_EQ(md.entries()[0].value, Value::u64(5));
  EXPECT_TRUE(md.remove("b"));
  EXPECT_FALSE(md.remove("b"));
  EXPECT_EQ(md.entries()[1].key, "c");
  EXPECT_EQ(*md.find("c"), Value::f32(2));
  EXPECT_TRUE(md.append("d", Value::u8(1)).message().empty());
  EXPECT_EQ(md.append("d", Value::u8(1)).message(),
            "duplicate metadata key 'd'");
}

TEST(GgufMetadata, TypedGetters) {
  Metadata md = sampleMetadata();
  EXPECT_EQ(*md.getString("general.architecture"), "llama");
  EXPECT_EQ(*md.getU8("t.u8"), 250);
  EXPECT_EQ(*md.getI8("t.i8"), -120);
  EXPECT_EQ(*md.getU16("t.u16"), 65000);
  EXPECT_EQ(*md.getI16("t.i16"), -32000);
  EXPECT_EQ(*md.getU32("t.u32"), 4000000000u);
  EXPECT_EQ(*md.getI32("t.i32"), -2000000000);
  EXPECT_EQ(*md.getF32("t.f32"), 3.25f);
  EXPECT_EQ(*md.getBool("t.bool"), true);
  EXPECT_EQ(*md.getU64("t.u64"), UINT64_MAX - 5);
  EXPECT_EQ(*md.getI64("t.i64"), INT64_MIN + 7);
  EXPECT_EQ(*md.getF64("t.f64"), -1.0e300);
  EXPECT_EQ((*md.getArray("tokenizer.ggml.tokens"))->size(), 5u);
  EXPECT_TRUE(md.getArrayOf("t.arr.f32", ValueType::Float32));

  EXPECT_EQ(md.getU32("nope").message(), "missing metadata key 'nope'");
  EXPECT_EQ(md.getU64("t.u32").message(),
            "metadata key 't.u32' has type u32, expected u64");
  EXPECT_EQ(md.getString("t.u8").message(),
            "metadata key 't.u8' has type u8, expected string");
  EXPECT_EQ(md.getArray("t.f32").message(),
            "metadata key 't.f32' has type f32, expected array");
  EXPECT_EQ(md.getArrayOf("t.arr.f32", ValueType::Int32).message(),
            "metadata key 't.arr.f32' is an array of f32, expected an array "
            "of i32");
  EXPECT_EQ(*md.getUnsigned("t.u16"), 65000u);
  EXPECT_EQ(md.getUnsigned("t.i8").message(),
            "metadata key 't.i8' is negative: -120");
  EXPECT_EQ(*md.getFloat("t.f32"), 3.25);
  EXPECT_FALSE(md.getFloat("t.u8"));
}

TEST(GgufTensorType, NamesAndSizes) {
  EXPECT_EQ(typeName(kTypeF32), "f32");
  EXPECT_EQ(typeName(kTypeF16), "f16");
  EXPECT_EQ(typeName(kTypeBF16), "bf16");
  EXPECT_EQ(typeName(kTypeQ4_0), "q4_0");
  EXPECT_EQ(typeName(9999), "type9999");
  EXPECT_EQ(*typeFromName("q8_0"), 8u);
  EXPECT_EQ(*typeFromName("bf16"), kTypeBF16);
  EXPECT_FALSE(typeFromName("nope"));
  EXPECT_EQ(typeBlockSize(kTypeF16), 1u);
  EXPECT_EQ(typeBlockSize(kTypeQ4_0), 32u);
  EXPECT_EQ(typeBlockSize(12), 256u); // q4_k
  EXPECT_EQ(typeBlockSize(9999), 0u);

  EXPECT_EQ(*tensorByteSize(kTypeF32, {3, 5}), 60u);
  EXPECT_EQ(*tensorByteSize(kTypeBF16, {7}), 14u);
  EXPECT_EQ(*tensorByteSize(kTypeQ4_0, {64, 3}), 2u * 3 * 18);
  EXPECT_EQ(*tensorByteSize(12, {512, 2}), 2u * 2 * 144);
  EXPECT_EQ(tensorByteSize(kTypeQ4_0, {33, 2}).message(),
            "row length 33 is not a multiple of the q4_0 block size 32");
  EXPECT_EQ(tensorByteSize(kTypeF32, {1, 1, 1, 1, 1}).message(),
            "5 dimensions, at most 4 allowed");
  EXPECT_EQ(tensorByteSize(kTypeF32, {4, 0}).message(), "dimension 1 is 0");
  EXPECT_EQ(tensorByteSize(kTypeF32, {1ull << 32, 1ull << 32}).message(),
            "element count overflows (dims 4294967296 x 4294967296)");
  EXPECT_EQ(tensorByteSize(kTypeF32, {1ull << 62}).message(),
            "byte size overflows");
  EXPECT_EQ(tensorByteSize(9999, {4}).message(), "unknown tensor type 9999");

  TensorInfo t;
  t.dims = {256, 64};
  EXPECT_EQ(t.shapeString(), "64 x 256");
  EXPECT_EQ(t.numElements(), 256u * 64);
  EXPECT_EQ(t.numRows(), 64u);
  EXPECT_EQ(t.rowLength(), 256u);
}

TEST(GgufTensorType, PanelFormat) {
  // Matrices of a format with a panel layout and whole 16-row panels.
  auto matrix = [](uint32_t type, std::vector<uint64_t> dims) {
    TensorInfo t;
    t.type = type;
    t.dims = std::move(dims);
    return t;
  };
  quant::fmt::FormatSpec spec;
  ASSERT_TRUE(panelFormat(matrix(kTypeQ4_0, {64, 32}), spec));
  EXPECT_EQ(spec.name, "q4_0");
  ASSERT_TRUE(panelFormat(matrix(12, {512, 16}), spec)); // q4_k
  EXPECT_EQ(spec.name, "q4_k");
  EXPECT_FALSE(panelFormat(matrix(kTypeQ4_0, {64, 24}), spec)); // 1.5 panels
  EXPECT_FALSE(panelFormat(matrix(kTypeQ4_0, {64, 16, 2}), spec)); // 3-D
  EXPECT_FALSE(panelFormat(matrix(kTypeF32, {64, 32}), spec));
  EXPECT_FALSE(panelFormat(matrix(11, {256, 32}), spec)); // q3_k: no panels
}
