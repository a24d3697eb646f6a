//===- Metadata.h - Ordered GGUF metadata key/value list -----------*- C++
//-*-===//
//
// The metadata of a GGUF file: key/value pairs in file order, keys unique,
// with type-checked lookup helpers.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_GGUF_METADATA_H
#define QUANT_GGUF_METADATA_H

#include "quant/gguf/Error.h"
#include "quant/gguf/Value.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace quant::gguf {

/// One metadata entry.
struct KeyValue {
  std::string key;
  Value value;
};

/// An ordered list of unique keys with their values; lookups are O(1).
class Metadata {
public:
  /// Entries in order (file order for a parsed file, insertion order else).
  const std::vector<KeyValue> &entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  /// The value of `key`, or nullptr.
  const Value *find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  /// Sets `key` to `value`: replaces the value in place when the key exists
  /// (keeping its position), appends otherwise.
  void set(std::string key, Value value);
  /// Removes `key`; returns whether it was present.
  bool remove(std::string_view key);
  /// Appends an entry; fails when `key` is already present.
  Error append(std::string key, Value value);

  /// Type-checked getters. They fail with a one-line message when the key is
  /// missing ("missing metadata key 'k'") or has another type ("metadata key
  /// 'k' has type i32, expected u32"). No conversion between types is done.
  Expected<uint8_t> getU8(std::string_view key) const;
  Expected<int8_t> getI8(std::string_view key) const;
  Expected<uint16_t> getU16(std::string_view key) const;
  Expected<int16_t> getI16(std::string_view key) const;
  Expected<uint32_t> getU32(std::string_view key) const;
  Expected<int32_t> getI32(std::string_view key) const;
  Expected<uint64_t> getU64(std::string_view key) const;
  Expected<int64_t> getI64(std::string_view key) const;
  Expected<float> getF32(std::string_view key) const;
  Expected<double> getF64(std::string_view key) const;
  Expected<bool> getBool(std::string_view key) const;
  /// The string, viewing into this Metadata (valid while it is unchanged).
  Expected<std::string_view> getString(std::string_view key) const;
  /// The array, owned by this Metadata (valid while it is unchanged).
  Expected<const ArrayValue *> getArray(std::string_view key) const;
  /// An array whose elements have type `elemType`.
  Expected<const ArrayValue *> getArrayOf(std::string_view key,
                                          ValueType elemType) const;

  /// Lenient integer getter: any integer type whose value is >= 0 (files
  /// disagree on u32 vs u64 for counts).
  Expected<uint64_t> getUnsigned(std::string_view key) const;
  /// Lenient float getter: f32 or f64.
  Expected<double> getFloat(std::string_view key) const;

  /// Typed getter with the type chosen by T (uint32_t, float, bool, ...).
  template <typename T> Expected<T> get(std::string_view key) const {
    const Value *v = find(key);
    if (!v)
      return missing(key);
    if (std::optional<T> r = v->get<T>())
      return *r;
    return wrongType(key, *v, ValueTypeOf<T>::value);
  }

private:
  static Error missing(std::string_view key);
  static Error wrongType(std::string_view key, const Value &v,
                         ValueType expected);

  std::vector<KeyValue> entries_;
  /// Position of each key in entries_.
  std::unordered_map<std::string, size_t> index_;
};

} // namespace quant::gguf

#endif // QUANT_GGUF_METADATA_H
