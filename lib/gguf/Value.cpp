//===- Value.cpp - GGUF metadata values -----------------------------------===//
//
// Construction, typed access, equality and display of metadata values.
//
//===----------------------------------------------------------------------===//

#include "quant/gguf/Value.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the GGUF library assumes a little-endian host"
#endif

namespace quant::gguf {

std::string_view toString(ValueType type) {
  switch (type) {
  case ValueType::UInt8:
    return "u8";
  case ValueType::Int8:
    return "i8";
  case ValueType::UInt16:
    return "u16";
  case ValueType::Int16:
    return "i16";
  case ValueType::UInt32:
    return "u32";
  case ValueType::Int32:
    return "i32";
  case ValueType::Float32:
    return "f32";
  case ValueType::Bool:
    return "bool";
  case ValueType::String:
    return "string";
  case ValueType::Array:
    return "array";
  case ValueType::UInt64:
    return "u64";
  case ValueType::Int64:
    return "i64";
  case ValueType::Float64:
    return "f64";
  }
  return "?";
}

std::optional<ValueType> valueTypeFromId(uint32_t id) {
  if (id > kMaxValueTypeId)
    return std::nullopt;
  return static_cast<ValueType>(id);
}

size_t scalarSize(ValueType type) {
  switch (type) {
  case ValueType::UInt8:
  case ValueType::Int8:
  case ValueType::Bool:
    return 1;
  case ValueType::UInt16:
  case ValueType::Int16:
    return 2;
  case ValueType::UInt32:
  case ValueType::Int32:
  case ValueType::Float32:
    return 4;
  case ValueType::UInt64:
  case ValueType::Int64:
  case ValueType::Float64:
    return 8;
  case ValueType::String:
  case ValueType::Array:
    return 0;
  }
  return 0;
}

bool isInteger(ValueType type) {
  switch (type) {
  case ValueType::UInt8:
  case ValueType::Int8:
  case ValueType::UInt16:
  case ValueType::Int16:
  case ValueType::UInt32:
  case ValueType::Int32:
  case ValueType::UInt64:
  case ValueType::Int64:
    return true;
  default:
    return false;
  }
}

namespace {
/// Sign-extends the low `bytes` bytes of `bits`.
int64_t signExtend(uint64_t bits, size_t bytes) {
  if (bytes == 8)
    return static_cast<int64_t>(bits);
  unsigned shift = 64 - 8 * static_cast<unsigned>(bytes);
  return static_cast<int64_t>(bits << shift) >> shift;
}

bool isSignedInteger(ValueType type) {
  return type == ValueType::Int8 || type == ValueType::Int16 ||
         type == ValueType::Int32 || type == ValueType::Int64;
}

/// Renders a string quoted and escaped, truncated to `maxBytes` bytes.
std::string quote(std::string_view s, size_t maxBytes = 200) {
  return "\"" + escapeForDisplay(s, maxBytes) + "\"" +
         (s.size() > maxBytes ? ::fmt::format(" ({} bytes)", s.size()) : "");
}

std::string scalarToString(const Value &v) {
  switch (v.type()) {
  case ValueType::Float32:
    return ::fmt::format("{}", *v.get<float>());
  case ValueType::Float64:
    return ::fmt::format("{}", *v.get<double>());
  case ValueType::Bool:
    return *v.get<bool>() ? "true" : "false";
  default:
    if (isSignedInteger(v.type()))
      return ::fmt::format("{}", *v.asSigned());
    return ::fmt::format("{}", v.rawBits());
  }
}
} // namespace

namespace {
/// Length of the valid UTF-8 sequence for a printable code point (>= U+00A0)
/// starting at s[i], or 0.
size_t printableUtf8Length(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size())
    return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80)
      return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Reject overlong forms, surrogates, out-of-range and C1 controls.
  static const uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp < 0xA0)
    return 0;
  return len;
}
} // namespace

std::string escapeForDisplay(std::string_view s, size_t maxBytes) {
  std::string out;
  size_t n = std::min(s.size(), maxBytes);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else if (size_t len = printableUtf8Length(s, i); len && i + len <= n) {
      out.append(s.data() + i, len);
      i += len - 1;
    } else {
      out += ::fmt::format("\\x{:02x}", c);
    }
  }
  if (n < s.size())
    out += "...";
  return out;
}

Value Value::string(std::string v) {
  Value r;
  r.type_ = ValueType::String;
  r.str_ = std::move(v);
  return r;
}

Value Value::arrayOfStrings(std::vector<std::string> elems) {
  return array(ArrayValue::fromStrings(std::move(elems)));
}

Value Value::arrayOfArrays(std::vector<Value> elems) {
  return array(ArrayValue::fromArrays(std::move(elems)));
}

Value Value::array(std::shared_ptr<const ArrayValue> array) {
  Value r;
  r.type_ = ValueType::Array;
  r.array_ =
      array ? std::move(array) : ArrayValue::fromRaw(ValueType::UInt8, {});
  return r;
}

Expected<Value> Value::arrayFrom(ValueType elemType,
                                 const std::vector<Value> &elems) {
  for (size_t i = 0; i < elems.size(); ++i) {
    if (elems[i].type() != elemType)
      return Error::failure(
          ::fmt::format("array element {} has type {}, expected {}", i,
                        toString(elems[i].type()), toString(elemType)));
  }
  if (elemType == ValueType::String) {
    std::vector<std::string> strs;
    strs.reserve(elems.size());
    for (const Value &e : elems)
      strs.emplace_back(e.str_);
    return arrayOfStrings(std::move(strs));
  }
  if (elemType == ValueType::Array)
    return arrayOfArrays(elems);
  size_t width = scalarSize(elemType);
  std::vector<uint8_t> raw(elems.size() * width);
  for (size_t i = 0; i < elems.size(); ++i) {
    uint64_t bits = elems[i].bits_;
    std::memcpy(raw.data() + i * width, &bits, width);
  }
  return array(ArrayValue::fromRaw(elemType, std::move(raw)));
}

std::optional<std::string_view> Value::getString() const {
  if (type_ != ValueType::String)
    return std::nullopt;
  return std::string_view(str_);
}

std::optional<uint64_t> Value::asUnsigned() const {
  if (!isInteger(type_))
    return std::nullopt;
  if (isSignedInteger(type_)) {
    int64_t s = signExtend(bits_, scalarSize(type_));
    if (s < 0)
      return std::nullopt;
    return static_cast<uint64_t>(s);
  }
  return bits_;
}

std::optional<int64_t> Value::asSigned() const {
  if (!isInteger(type_))
    return std::nullopt;
  if (isSignedInteger(type_))
    return signExtend(bits_, scalarSize(type_));
  if (bits_ > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return static_cast<int64_t>(bits_);
}

std::optional<double> Value::asDouble() const {
  if (type_ == ValueType::Float32)
    return static_cast<double>(*get<float>());
  if (type_ == ValueType::Float64)
    return *get<double>();
  if (isSignedInteger(type_))
    return static_cast<double>(*asSigned());
  if (isInteger(type_))
    return static_cast<double>(bits_);
  return std::nullopt;
}

bool Value::operator==(const Value &other) const {
  if (type_ != other.type_)
    return false;
  if (type_ == ValueType::String)
    return str_ == other.str_;
  if (type_ == ValueType::Array)
    return *array_ == *other.array_;
  return bits_ == other.bits_;
}

std::string Value::toDisplayString(size_t maxItems) const {
  if (type_ == ValueType::String)
    return quote(str_);
  if (type_ != ValueType::Array)
    return scalarToString(*this);
  const ArrayValue &a = *array_;
  std::string out =
      ::fmt::format("[{} x {}]", toString(a.elemType()), a.size());
  size_t shown = std::min(a.size(), maxItems);
  for (size_t i = 0; i < shown; ++i) {
    out += i == 0 ? " " : ", ";
    // Nested arrays are summarized more briefly.
    out += a.at(i).toDisplayString(std::min<size_t>(maxItems, 3));
  }
  if (shown < a.size())
    out += ", ...";
  return out;
}

//===----------------------------------------------------------------------===//
// ArrayValue
//===----------------------------------------------------------------------===//

std::shared_ptr<const ArrayValue>
ArrayValue::fromRaw(ValueType elemType, std::vector<uint8_t> raw) {
  auto a = std::make_shared<ArrayValue>();
  size_t width = scalarSize(elemType);
  assert(width != 0 && raw.size() % width == 0 && "bad scalar array");
  a->elemType_ = elemType;
  a->size_ = width ? raw.size() / width : 0;
  a->raw_ = std::move(raw);
  return a;
}

std::shared_ptr<const ArrayValue>
ArrayValue::fromStrings(std::vector<std::string> elems) {
  auto a = std::make_shared<ArrayValue>();
  a->elemType_ = ValueType::String;
  a->size_ = elems.size();
  a->strings_ = std::move(elems);
  return a;
}

std::shared_ptr<const ArrayValue>
ArrayValue::fromArrays(std::vector<Value> elems) {
  auto a = std::make_shared<ArrayValue>();
  a->elemType_ = ValueType::Array;
  a->size_ = elems.size();
  for (Value &e : elems)
    if (!e.isArray())
      e = Value::array(nullptr);
  a->arrays_ = std::move(elems);
  return a;
}

Value ArrayValue::at(size_t i) const {
  assert(i < size_ && "array index out of range");
  if (elemType_ == ValueType::String)
    return Value::string(strings_[i]);
  if (elemType_ == ValueType::Array)
    return arrays_[i];
  size_t width = scalarSize(elemType_);
  uint64_t bits = 0;
  std::memcpy(&bits, raw_.data() + i * width, width);
  switch (elemType_) {
  case ValueType::UInt8:
    return Value::u8(static_cast<uint8_t>(bits));
  case ValueType::Int8:
    return Value::i8(static_cast<int8_t>(bits));
  case ValueType::UInt16:
    return Value::u16(static_cast<uint16_t>(bits));
  case ValueType::Int16:
    return Value::i16(static_cast<int16_t>(bits));
  case ValueType::UInt32:
    return Value::u32(static_cast<uint32_t>(bits));
  case ValueType::Int32:
    return Value::i32(static_cast<int32_t>(bits));
  case ValueType::Bool:
    return Value::boolean(bits != 0);
  case ValueType::UInt64:
    return Value::u64(bits);
  case ValueType::Int64:
    return Value::i64(static_cast<int64_t>(bits));
  case ValueType::Float32: {
    float f;
    std::memcpy(&f, &bits, 4);
    return Value::f32(f);
  }
  case ValueType::Float64: {
    double d;
    std::memcpy(&d, &bits, 8);
    return Value::f64(d);
  }
  default:
    return Value();
  }
}

bool ArrayValue::operator==(const ArrayValue &other) const {
  return elemType_ == other.elemType_ && size_ == other.size_ &&
         raw_ == other.raw_ && strings_ == other.strings_ &&
         arrays_ == other.arrays_;
}

} // namespace quant::gguf
