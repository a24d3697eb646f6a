//===- Parser.cpp - Parsing GGUF header, metadata and tensor infos --------===//
//
// A bounds-checked cursor over the file image. Every count and length read
// from the file is checked against the bytes that remain before anything is
// allocated for it, so hostile input ends in a one-line Error (naming the
// byte offset) instead of a crash or a huge allocation.
//
//===----------------------------------------------------------------------===//

#include "Parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace quant::gguf {

namespace {
/// Smallest possible encodings, used to bound counts before allocating:
/// a metadata entry is a key (u64 length + >= 1 byte), a u32 type and a
/// value of >= 1 byte; a tensor info is a name (u64 + >= 1 byte), a u32
/// n_dims, >= 1 u64 dim, a u32 type and a u64 offset.
constexpr uint64_t kMinKeyValueBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;
/// A string is at least its u64 length; a nested array its u32 type and
/// u64 count.
constexpr uint64_t kMinStringBytes = 8;
constexpr uint64_t kMinArrayBytes = 4 + 8;

bool isPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

/// Capacity to reserve for `count` elements read from the file: counts are
/// only bounded by the file size, so vectors grow as elements actually parse
/// instead of trusting a count for a large up-front allocation.
size_t initialCapacity(uint64_t count) {
  return static_cast<size_t>(std::min<uint64_t>(count, 4096));
}
} // namespace

/// Parses one image. Friend of File.
class Parser {
public:
  Parser(const uint8_t *data, size_t size, const std::string &name)
      : data_(data), size_(size), name_(name) {}

  Expected<File> run(std::shared_ptr<const Buffer> buffer, bool mapped);

private:
  /// A failure at byte `offset`.
  Error failAt(uint64_t offset, const std::string &msg) const {
    return Error::failure(
        ::fmt::format("{}: at byte {}: {}", name_, offset, msg));
  }
  /// A failure not tied to one position.
  Error fail(const std::string &msg) const {
    return Error::failure(::fmt::format("{}: {}", name_, msg));
  }
  uint64_t remaining() const { return size_ - pos_; }

  /// Reads `n` bytes into `out`; fails when fewer remain.
  Error readBytes(void *out, size_t n, const char *what) {
    if (n > remaining())
      return failAt(
          pos_, ::fmt::format("truncated {}: needs {} bytes, {} left in file",
                              what, n, remaining()));
    std::memcpy(out, data_ + pos_, n);
    pos_ += n;
    return Error::success();
  }
  Error readU32(uint32_t &out, const char *what) {
    return readBytes(&out, 4, what);
  }
  Error readU64(uint64_t &out, const char *what) {
    return readBytes(&out, 8, what);
  }
  /// Reads a gguf_string of at most `maxLength` bytes.
  Error readString(std::string &out, size_t maxLength, const char *what);

  Error parseHeader();
  Error parseMetadata();
  Error parseTensorInfos();
  Error checkTensorData();

  /// Reads a value of `type`; `depth` is the array nesting level (1 for the
  /// elements of a top-level array).
  Error readValue(ValueType type, unsigned depth, Value &out);
  Error readArray(unsigned depth, Value &out);

  const uint8_t *data_;
  uint64_t size_;
  const std::string &name_;
  uint64_t pos_ = 0;
  uint64_t tensorCount_ = 0;
  uint64_t kvCount_ = 0;
  /// The key being read, for messages.
  std::string currentKey_;
  File file_;
};

Error Parser::readString(std::string &out, size_t maxLength, const char *what) {
  uint64_t start = pos_;
  uint64_t len = 0;
  if (Error e = readU64(len, what))
    return e;
  if (len > remaining())
    return failAt(start, ::fmt::format("{} length {} exceeds the {} bytes "
                                       "left in the file",
                                       what, len, remaining()));
  if (len > maxLength)
    return failAt(start, ::fmt::format("{} length {} exceeds the limit of {}",
                                       what, len, maxLength));
  out.assign(reinterpret_cast<const char *>(data_ + pos_), len);
  pos_ += len;
  return Error::success();
}

Error Parser::parseHeader() {
  uint32_t magic = 0;
  if (size_ < 4)
    return fail(::fmt::format("not a GGUF file: {} bytes, too small for the "
                              "header",
                              size_));
  std::memcpy(&magic, data_, 4);
  if (magic != kMagic) {
    std::string shown;
    for (int i = 0; i < 4; ++i) {
      unsigned char c = data_[i];
      shown += (c >= 0x20 && c < 0x7f) ? ::fmt::format("{}", char(c))
                                       : ::fmt::format("\\x{:02x}", c);
    }
    return fail(::fmt::format("not a GGUF file: bad magic \"{}\" (expected "
                              "\"GGUF\")",
                              shown));
  }
  pos_ = 4;
  uint32_t version = 0;
  if (Error e = readU32(version, "header (version)"))
    return e;
  if (version == 0x03000000 || version == 0x02000000)
    return failAt(4, "big-endian GGUF files are not supported");
  if (version != 3 && version != 2)
    return failAt(4, ::fmt::format("unsupported GGUF version {} (supported: "
                                   "2, 3)",
                                   version));
  file_.version_ = version;
  if (Error e = readU64(tensorCount_, "header (tensor count)"))
    return e;
  if (Error e = readU64(kvCount_, "header (metadata count)"))
    return e;
  if (kvCount_ > remaining() / kMinKeyValueBytes)
    return failAt(16, ::fmt::format("metadata count {} cannot fit in the {} "
                                    "bytes left in the file",
                                    kvCount_, remaining()));
  if (tensorCount_ > remaining() / kMinTensorInfoBytes)
    return failAt(8, ::fmt::format("tensor count {} cannot fit in the {} bytes "
                                   "left in the file",
                                   tensorCount_, remaining()));
  return Error::success();
}

Error Parser::readArray(unsigned depth, Value &out) {
  uint64_t start = pos_;
  if (depth > kMaxArrayDepth)
    return failAt(start, ::fmt::format("value of '{}': arrays nested deeper "
                                       "than {}",
                                       currentKey_, kMaxArrayDepth));
  uint32_t typeId = 0;
  uint64_t count = 0;
  if (Error e = readU32(typeId, "array element type"))
    return e;
  if (Error e = readU64(count, "array length"))
    return e;
  std::optional<ValueType> elemType = valueTypeFromId(typeId);
  if (!elemType)
    return failAt(start, ::fmt::format("value of '{}': unknown array element "
                                       "type {}",
                                       currentKey_, typeId));
  if (size_t width = scalarSize(*elemType)) {
    if (count > remaining() / width)
      return failAt(start + 4,
                    ::fmt::format("value of '{}': array of {} {} needs more "
                                  "than the {} bytes left in the file",
                                  currentKey_, count, toString(*elemType),
                                  remaining()));
    size_t bytes = static_cast<size_t>(count) * width;
    std::vector<uint8_t> raw(data_ + pos_, data_ + pos_ + bytes);
    if (*elemType == ValueType::Bool) {
      for (size_t i = 0; i < raw.size(); ++i)
        if (raw[i] > 1)
          return failAt(pos_ + i,
                        ::fmt::format("value of '{}': bool element {} is {}, "
                                      "expected 0 or 1",
                                      currentKey_, i, raw[i]));
    }
    pos_ += bytes;
    out = Value::array(ArrayValue::fromRaw(*elemType, std::move(raw)));
    return Error::success();
  }
  if (*elemType == ValueType::String) {
    if (count > remaining() / kMinStringBytes)
      return failAt(start + 4,
                    ::fmt::format("value of '{}': array of {} strings needs "
                                  "more than the {} bytes left in the file",
                                  currentKey_, count, remaining()));
    std::vector<std::string> strs;
    strs.reserve(initialCapacity(count));
    for (uint64_t i = 0; i < count; ++i) {
      strs.emplace_back();
      if (Error e = readString(strs.back(), SIZE_MAX, "string"))
        return e;
    }
    out = Value::arrayOfStrings(std::move(strs));
    return Error::success();
  }
  // An array of arrays.
  if (count > remaining() / kMinArrayBytes)
    return failAt(start + 4,
                  ::fmt::format("value of '{}': array of {} arrays needs more "
                                "than the {} bytes left in the file",
                                currentKey_, count, remaining()));
  std::vector<Value> elems;
  elems.reserve(initialCapacity(count));
  for (uint64_t i = 0; i < count; ++i) {
    elems.emplace_back();
    if (Error e = readArray(depth + 1, elems.back()))
      return e;
  }
  out = Value::arrayOfArrays(std::move(elems));
  return Error::success();
}

Error Parser::readValue(ValueType type, unsigned depth, Value &out) {
  if (type == ValueType::Array)
    return readArray(depth, out);
  if (type == ValueType::String) {
    std::string s;
    if (Error e = readString(s, SIZE_MAX, "string value"))
      return e;
    out = Value::string(std::move(s));
    return Error::success();
  }
  uint64_t start = pos_;
  uint64_t bits = 0;
  if (Error e = readBytes(&bits, scalarSize(type), "metadata value"))
    return e;
  switch (type) {
  case ValueType::UInt8:
    out = Value::u8(static_cast<uint8_t>(bits));
    break;
  case ValueType::Int8:
    out = Value::i8(static_cast<int8_t>(bits));
    break;
  case ValueType::UInt16:
    out = Value::u16(static_cast<uint16_t>(bits));
    break;
  case ValueType::Int16:
    out = Value::i16(static_cast<int16_t>(bits));
    break;
  case ValueType::UInt32:
    out = Value::u32(static_cast<uint32_t>(bits));
    break;
  case ValueType::Int32:
    out = Value::i32(static_cast<int32_t>(bits));
    break;
  case ValueType::UInt64:
    out = Value::u64(bits);
    break;
  case ValueType::Int64:
    out = Value::i64(static_cast<int64_t>(bits));
    break;
  case ValueType::Float32: {
    float f;
    std::memcpy(&f, &bits, 4);
    out = Value::f32(f);
    break;
  }
  case ValueType::Float64: {
    double d;
    std::memcpy(&d, &bits, 8);
    out = Value::f64(d);
    break;
  }
  case ValueType::Bool:
    if (bits > 1)
      return failAt(start, ::fmt::format("value of '{}': bool is {}, expected "
                                         "0 or 1",
                                         currentKey_, bits));
    out = Value::boolean(bits != 0);
    break;
  default:
    return failAt(start, "internal error: unexpected value type");
  }
  return Error::success();
}

Error Parser::parseMetadata() {
  for (uint64_t i = 0; i < kvCount_; ++i) {
    uint64_t start = pos_;
    std::string key;
    if (Error e = readString(key, kMaxKeyLength, "metadata key"))
      return e;
    if (key.empty())
      return failAt(start,
                    ::fmt::format("metadata entry {} has an empty key", i));
    if (file_.metadata_.contains(key))
      return failAt(start, ::fmt::format("duplicate metadata key '{}'",
                                         escapeForDisplay(key)));
    currentKey_ = escapeForDisplay(key);
    uint64_t typePos = pos_;
    uint32_t typeId = 0;
    if (Error e = readU32(typeId, "metadata value type"))
      return e;
    std::optional<ValueType> type = valueTypeFromId(typeId);
    if (!type)
      return failAt(typePos, ::fmt::format("metadata key '{}' has unknown "
                                           "value type {}",
                                           currentKey_, typeId));
    Value value;
    if (Error e = readValue(*type, 1, value))
      return e;
    file_.metadata_.set(std::move(key), std::move(value));
  }

  if (const Value *v = file_.metadata_.find(kAlignmentKey)) {
    std::optional<uint32_t> a = v->get<uint32_t>();
    if (!a)
      return fail(::fmt::format("{} has type {}, expected u32", kAlignmentKey,
                                toString(v->type())));
    if (!isPowerOfTwo(*a))
      return fail(::fmt::format("{} is {}, expected a nonzero power of two",
                                kAlignmentKey, *a));
    file_.alignment_ = *a;
  }
  return Error::success();
}

Error Parser::parseTensorInfos() {
  std::unordered_set<std::string> seen;
  file_.tensors_.reserve(initialCapacity(tensorCount_));
  for (uint64_t i = 0; i < tensorCount_; ++i) {
    uint64_t start = pos_;
    TensorInfo info;
    if (Error e = readString(info.name, kMaxTensorNameLength, "tensor name"))
      return e;
    if (info.name.empty())
      return failAt(start, ::fmt::format("tensor {} has an empty name", i));
    std::string shown = escapeForDisplay(info.name);
    if (!seen.insert(info.name).second)
      return failAt(start, ::fmt::format("duplicate tensor name '{}'", shown));
    uint64_t dimsPos = pos_;
    uint32_t nDims = 0;
    if (Error e = readU32(nDims, "tensor dimension count"))
      return e;
    if (nDims == 0 || nDims > kMaxDims)
      return failAt(dimsPos, ::fmt::format("tensor '{}' has {} dimensions, "
                                           "expected 1 to {}",
                                           shown, nDims, kMaxDims));
    info.dims.resize(nDims);
    for (uint64_t &d : info.dims)
      if (Error e = readU64(d, "tensor dimensions"))
        return e;
    uint64_t typePos = pos_;
    if (Error e = readU32(info.type, "tensor type"))
      return e;
    uint64_t offsetPos = pos_;
    if (Error e = readU64(info.offset, "tensor offset"))
      return e;

    for (size_t d = 0; d < info.dims.size(); ++d)
      if (info.dims[d] == 0)
        return failAt(
            dimsPos + 4 + 8 * d,
            ::fmt::format("tensor '{}' has dimension {} equal to 0", shown, d));
    if (!isKnownType(info.type))
      return failAt(typePos, ::fmt::format("tensor '{}' has unknown type {}",
                                           shown, info.type));
    Expected<uint64_t> bytes = tensorByteSize(info.type, info.dims);
    if (!bytes)
      return failAt(dimsPos,
                    ::fmt::format("tensor '{}' ({}): {}", shown,
                                  typeName(info.type), bytes.message()));
    info.byteSize = *bytes;
    if (info.offset % file_.alignment_ != 0)
      return failAt(offsetPos,
                    ::fmt::format("tensor '{}' offset {} is not a "
                                  "multiple of the alignment {}",
                                  shown, info.offset, file_.alignment_));
    file_.tensors_.push_back(std::move(info));
  }
  return Error::success();
}

Error Parser::checkTensorData() {
  uint64_t align = file_.alignment_;
  uint64_t dataOffset;
  if (__builtin_add_overflow(pos_, align - 1, &dataOffset))
    return fail("data section offset overflows");
  dataOffset &= ~(align - 1);
  file_.dataOffset_ = dataOffset;
  for (size_t i = 0; i < file_.tensors_.size(); ++i) {
    const TensorInfo &t = file_.tensors_[i];
    uint64_t begin, end;
    if (__builtin_add_overflow(dataOffset, t.offset, &begin) ||
        __builtin_add_overflow(begin, t.byteSize, &end) || end > size_)
      return fail(::fmt::format("tensor '{}' data (offset {}, {} bytes, data "
                                "section at byte {}) extends beyond the end "
                                "of the file ({} bytes)",
                                escapeForDisplay(t.name), t.offset, t.byteSize,
                                dataOffset, size_));
    file_.tensorIndex_.emplace(t.name, i);
  }
  return Error::success();
}

Expected<File> Parser::run(std::shared_ptr<const Buffer> buffer, bool mapped) {
  if (Error e = parseHeader())
    return e;
  if (Error e = parseMetadata())
    return e;
  if (Error e = parseTensorInfos())
    return e;
  if (Error e = checkTensorData())
    return e;
  file_.name_ = name_;
  file_.buffer_ = std::move(buffer);
  file_.mapped_ = mapped;
  return std::move(file_);
}

Expected<File> parseBuffer(std::shared_ptr<const Buffer> buffer, bool mapped,
                           const std::string &name) {
  Parser parser(buffer->data(), buffer->size(), name);
  return parser.run(std::move(buffer), mapped);
}

} // namespace quant::gguf
