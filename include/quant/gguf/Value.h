//===- Value.h - GGUF metadata values ------------------------------*- C++
//-*-===//
//
// A metadata value of any of the thirteen GGUF value types. Scalars are held
// inline, arrays in a shared immutable `ArrayValue` (so copying metadata from
// one file to another is cheap). Arrays of scalars keep their elements packed
// as little-endian bytes, which bounds memory use by the file size.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_GGUF_VALUE_H
#define QUANT_GGUF_VALUE_H

#include "quant/gguf/Error.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace quant::gguf {

/// The GGUF metadata value types, with their on-disk ids.
enum class ValueType : uint32_t {
  UInt8 = 0,
  Int8 = 1,
  UInt16 = 2,
  Int16 = 3,
  UInt32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  UInt64 = 10,
  Int64 = 11,
  Float64 = 12,
};

/// The largest value type id.
constexpr uint32_t kMaxValueTypeId = 12;

/// Short names: "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
/// "string", "array", "u64", "i64", "f64".
std::string_view toString(ValueType type);
/// The type with on-disk id `id`, or nullopt for an unknown id.
std::optional<ValueType> valueTypeFromId(uint32_t id);
/// Bytes of one scalar of `type` on disk; 0 for String and Array.
size_t scalarSize(ValueType type);
/// True for the fixed-size types (everything but String and Array).
inline bool isScalar(ValueType type) { return scalarSize(type) != 0; }
/// True for u8..u64 and i8..i64 (not Bool).
bool isInteger(ValueType type);

/// `s` made printable on one line: quotes and backslashes escaped, \n and
/// \t as such, other control bytes and invalid UTF-8 as \xHH (valid
/// printable UTF-8 is kept), cut after `maxBytes` input bytes with "...".
/// Used for names and strings read from files.
std::string escapeForDisplay(std::string_view s, size_t maxBytes = 80);

/// Maps a C++ arithmetic type to its GGUF value type.
template <typename T> struct ValueTypeOf;
#define QUANT_GGUF_VALUE_TYPE_OF(CType, Kind)                                  \
  template <> struct ValueTypeOf<CType> {                                      \
    static constexpr ValueType value = ValueType::Kind;                        \
  };
QUANT_GGUF_VALUE_TYPE_OF(uint8_t, UInt8)
QUANT_GGUF_VALUE_TYPE_OF(int8_t, Int8)
QUANT_GGUF_VALUE_TYPE_OF(uint16_t, UInt16)
QUANT_GGUF_VALUE_TYPE_OF(int16_t, Int16)
QUANT_GGUF_VALUE_TYPE_OF(uint32_t, UInt32)
QUANT_GGUF_VALUE_TYPE_OF(int32_t, Int32)
QUANT_GGUF_VALUE_TYPE_OF(float, Float32)
QUANT_GGUF_VALUE_TYPE_OF(bool, Bool)
QUANT_GGUF_VALUE_TYPE_OF(uint64_t, UInt64)
QUANT_GGUF_VALUE_TYPE_OF(int64_t, Int64)
QUANT_GGUF_VALUE_TYPE_OF(double, Float64)
#undef QUANT_GGUF_VALUE_TYPE_OF

class ArrayValue;

/// One metadata value. Default-constructed it is the u8 0.
class Value {
public:
  Value() = default;

  /// Scalars; the C++ type selects the GGUF type.
  static Value u8(uint8_t v) { return scalar(v); }
  static Value i8(int8_t v) { return scalar(v); }
  static Value u16(uint16_t v) { return scalar(v); }
  static Value i16(int16_t v) { return scalar(v); }
  static Value u32(uint32_t v) { return scalar(v); }
  static Value i32(int32_t v) { return scalar(v); }
  static Value f32(float v) { return scalar(v); }
  static Value boolean(bool v) { return scalar(v); }
  static Value u64(uint64_t v) { return scalar(v); }
  static Value i64(int64_t v) { return scalar(v); }
  static Value f64(double v) { return scalar(v); }
  static Value string(std::string v);

  /// A scalar of the GGUF type matching T.
  template <typename T> static Value scalar(T v) {
    static_assert(std::is_arithmetic_v<T>, "scalar() takes a number");
    Value r;
    r.type_ = ValueTypeOf<T>::value;
    if constexpr (std::is_same_v<T, bool>) {
      r.bits_ = v ? 1 : 0;
    } else {
      std::memcpy(&r.bits_, &v, sizeof(T));
    }
    return r;
  }

  /// An array of scalars of the GGUF type matching T.
  template <typename T> static Value arrayOf(const std::vector<T> &elems);
  /// An array of strings.
  static Value arrayOfStrings(std::vector<std::string> elems);
  /// An array of arrays (each may have its own element type).
  static Value arrayOfArrays(std::vector<Value> elems);
  /// An array of `elemType` built from `elems`, each of which must have type
  /// `elemType`; fails on a mismatch.
  static Expected<Value> arrayFrom(ValueType elemType,
                                   const std::vector<Value> &elems);
  /// Wraps an ArrayValue.
  static Value array(std::shared_ptr<const ArrayValue> array);

  ValueType type() const { return type_; }
  bool isArray() const { return type_ == ValueType::Array; }
  bool isString() const { return type_ == ValueType::String; }

  /// Typed access: nullopt when the type differs (no conversions).
  template <typename T> std::optional<T> get() const {
    if (type_ != ValueTypeOf<T>::value)
      return std::nullopt;
    if constexpr (std::is_same_v<T, bool>) {
      return bits_ != 0;
    } else {
      T v;
      std::memcpy(&v, &bits_, sizeof(T));
      return v;
    }
  }
  /// The string; nullopt when not a string.
  std::optional<std::string_view> getString() const;
  /// The array; nullptr when not an array.
  const ArrayValue *getArray() const { return array_.get(); }

  /// Any integer type (u8..i64) as uint64_t when its value is >= 0.
  std::optional<uint64_t> asUnsigned() const;
  /// Any integer type as int64_t when it fits.
  std::optional<int64_t> asSigned() const;
  /// f32, f64 or any integer type as double.
  std::optional<double> asDouble() const;

  /// The raw bits of a scalar, zero-extended (the on-disk little-endian bytes).
  uint64_t rawBits() const { return bits_; }

  /// Deep structural equality (types and values; floats compared bitwise).
  bool operator==(const Value &other) const;
  bool operator!=(const Value &other) const { return !(*this == other); }

  /// A one-line rendering: scalars as numbers, strings quoted and escaped,
  /// arrays as `[type x N] a, b, c, ...` with at most `maxItems` items.
  std::string toDisplayString(size_t maxItems = 8) const;

private:
  ValueType type_ = ValueType::UInt8;
  uint64_t bits_ = 0;
  std::string str_;
  std::shared_ptr<const ArrayValue> array_;
};

/// An immutable typed array. Scalar elements are stored packed
/// (little-endian, `scalarSize(elemType)` bytes each), strings and nested
/// arrays as vectors.
class ArrayValue {
public:
  /// An array of scalars from packed little-endian bytes; `raw.size()` must
  /// be a multiple of scalarSize(elemType).
  static std::shared_ptr<const ArrayValue> fromRaw(ValueType elemType,
                                                   std::vector<uint8_t> raw);
  static std::shared_ptr<const ArrayValue>
  fromStrings(std::vector<std::string> elems);
  static std::shared_ptr<const ArrayValue> fromArrays(std::vector<Value> elems);

  ValueType elemType() const { return elemType_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  /// Element `i` as a Value (a copy; O(1) for scalars).
  Value at(size_t i) const;

  /// Element `i` of a scalar array of the GGUF type matching T; nullopt on a
  /// type mismatch or an out-of-range index.
  template <typename T> std::optional<T> get(size_t i) const {
    if (elemType_ != ValueTypeOf<T>::value || i >= size_)
      return std::nullopt;
    if constexpr (std::is_same_v<T, bool>) {
      return raw_[i] != 0;
    } else {
      T v;
      std::memcpy(&v, raw_.data() + i * sizeof(T), sizeof(T));
      return v;
    }
  }
  /// All elements of a scalar array of the type matching T; nullopt on a
  /// type mismatch.
  template <typename T> std::optional<std::vector<T>> toVector() const {
    if (elemType_ != ValueTypeOf<T>::value)
      return std::nullopt;
    std::vector<T> out(size_);
    for (size_t i = 0; i < size_; ++i)
      out[i] = *get<T>(i);
    return out;
  }

  /// Packed bytes of a scalar array (empty for strings and arrays).
  const std::vector<uint8_t> &raw() const { return raw_; }
  /// Elements of a string array (empty otherwise).
  const std::vector<std::string> &strings() const { return strings_; }
  /// Elements of an array of arrays (empty otherwise).
  const std::vector<Value> &arrays() const { return arrays_; }

  bool operator==(const ArrayValue &other) const;

private:
  ValueType elemType_ = ValueType::UInt8;
  size_t size_ = 0;
  std::vector<uint8_t> raw_;
  std::vector<std::string> strings_;
  std::vector<Value> arrays_;
};

template <typename T> Value Value::arrayOf(const std::vector<T> &elems) {
  static_assert(std::is_arithmetic_v<T>, "arrayOf() takes numbers");
  std::vector<uint8_t> raw(elems.size() * sizeof(T));
  for (size_t i = 0; i < elems.size(); ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      raw[i] = elems[i] ? 1 : 0;
    } else {
      std::memcpy(raw.data() + i * sizeof(T), &elems[i], sizeof(T));
    }
  }
  return array(ArrayValue::fromRaw(ValueTypeOf<T>::value, std::move(raw)));
}

} // namespace quant::gguf

#endif // QUANT_GGUF_VALUE_H
