//===- Metadata.cpp - Ordered GGUF metadata key/value list ----------------===//
//
// Lookup, update and type-checked getters of the metadata list.
//
//===----------------------------------------------------------------------===//

#include "quant/gguf/Metadata.h"

#include <fmt/format.h>

namespace quant::gguf {

const Value *Metadata::find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &entries_[it->second].value;
}

void Metadata::set(std::string key, Value value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].value = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.push_back({std::move(key), std::move(value)});
}

bool Metadata::remove(std::string_view key) {
  auto it = index_.find(std::string(key));
  if (it == index_.end())
    return false;
  size_t pos = it->second;
  index_.erase(it);
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(pos));
  for (size_t i = pos; i < entries_.size(); ++i)
    index_[entries_[i].key] = i;
  return true;
}

Error Metadata::append(std::string key, Value value) {
  if (contains(key))
    return Error::failure(::fmt::format("duplicate metadata key '{}'", key));
  set(std::move(key), std::move(value));
  return Error::success();
}

Error Metadata::missing(std::string_view key) {
  return Error::failure(::fmt::format("missing metadata key '{}'", key));
}

Error Metadata::wrongType(std::string_view key, const Value &v,
                          ValueType expected) {
  return Error::failure(
      ::fmt::format("metadata key '{}' has type {}, expected {}", key,
                    toString(v.type()), toString(expected)));
}

Expected<uint8_t> Metadata::getU8(std::string_view key) const {
  return get<uint8_t>(key);
}
Expected<int8_t> Metadata::getI8(std::string_view key) const {
  return get<int8_t>(key);
}
Expected<uint16_t> Metadata::getU16(std::string_view key) const {
  return get<uint16_t>(key);
}
Expected<int16_t> Metadata::getI16(std::string_view key) const {
  return get<int16_t>(key);
}
Expected<uint32_t> Metadata::getU32(std::string_view key) const {
  return get<uint32_t>(key);
}
Expected<int32_t> Metadata::getI32(std::string_view key) const {
  return get<int32_t>(key);
}
Expected<uint64_t> Metadata::getU64(std::string_view key) const {
  return get<uint64_t>(key);
}
Expected<int64_t> Metadata::getI64(std::string_view key) const {
  return get<int64_t>(key);
}
Expected<float> Metadata::getF32(std::string_view key) const {
  return get<float>(key);
}
Expected<double> Metadata::getF64(std::string_view key) const {
  return get<double>(key);
}
Expected<bool> Metadata::getBool(std::string_view key) const {
  return get<bool>(key);
}

Expected<std::string_view> Metadata::getString(std::string_view key) const {
  const Value *v = find(key);
  if (!v)
    return missing(key);
  if (std::optional<std::string_view> s = v->getString())
    return *s;
  return wrongType(key, *v, ValueType::String);
}

Expected<const ArrayValue *> Metadata::getArray(std::string_view key) const {
  const Value *v = find(key);
  if (!v)
    return missing(key);
  if (const ArrayValue *a = v->getArray())
    return a;
  return wrongType(key, *v, ValueType::Array);
}

Expected<const ArrayValue *> Metadata::getArrayOf(std::string_view key,
                                                  ValueType elemType) const {
  Expected<const ArrayValue *> a = getArray(key);
  if (!a)
    return a;
  if ((*a)->elemType() != elemType)
    return Error::failure(::fmt::format(
        "metadata key '{}' is an array of {}, expected an array of {}", key,
        toString((*a)->elemType()), toString(elemType)));
  return a;
}

Expected<uint64_t> Metadata::getUnsigned(std::string_view key) const {
  const Value *v = find(key);
  if (!v)
    return missing(key);
  if (std::optional<uint64_t> u = v->asUnsigned())
    return *u;
  if (isInteger(v->type()))
    return Error::failure(::fmt::format("metadata key '{}' is negative: {}",
                                        key, v->toDisplayString()));
  return Error::failure(
      ::fmt::format("metadata key '{}' has type {}, expected an integer", key,
                    toString(v->type())));
}

Expected<double> Metadata::getFloat(std::string_view key) const {
  const Value *v = find(key);
  if (!v)
    return missing(key);
  if (v->type() == ValueType::Float32 || v->type() == ValueType::Float64)
    return *v->asDouble();
  return Error::failure(
      ::fmt::format("metadata key '{}' has type {}, expected f32 or f64", key,
                    toString(v->type())));
}

} // namespace quant::gguf
