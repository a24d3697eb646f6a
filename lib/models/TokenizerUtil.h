//===- TokenizerUtil.h - Helpers shared by the tokenizers --------*- C++ -*-===//
//
// Internal to QuantModels: splitting text into UTF-8 characters, encoding
// code points, and reading byte-token strings, for the tokenizer sources.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_LIB_MODELS_TOKENIZERUTIL_H
#define QUANT_LIB_MODELS_TOKENIZERUTIL_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace quant::models::utf8 {

/// The length of the UTF-8 character starting at `s[i]` (i < s.size()): 2
/// to 4 for a well-formed multi-byte sequence (lead byte and continuation
/// bytes; overlong forms are not rejected), else 1 (ASCII or an invalid
/// byte, which counts as a character of its own).
inline size_t charLength(std::string_view s, size_t i) {
  auto lead = uint8_t(s[i]);
  size_t len = lead < 0x80   ? 1
               : lead < 0xC2 ? 0
               : lead < 0xE0 ? 2
               : lead < 0xF0 ? 3
               : lead < 0xF5 ? 4
                             : 0;
  if (len <= 1 || i + len > s.size())
    return 1;
  for (size_t k = 1; k < len; ++k)
    if ((uint8_t(s[i + k]) & 0xC0) != 0x80)
      return 1;
  return len;
}

/// The code point of the well-formed character s[i, i + len) (len from
/// charLength); the byte itself for len 1.
inline uint32_t decode(std::string_view s, size_t i, size_t len) {
  auto b = [&](size_t k) { return uint32_t(uint8_t(s[i + k])); };
  switch (len) {
  case 2:
    return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
  case 3:
    return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
  case 4:
    return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 |
           (b(3) & 0x3F);
  default:
    return b(0);
  }
}

/// Appends the UTF-8 encoding of code point `cp` (< 0x110000) to `out`.
inline void append(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | cp >> 6);
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | cp >> 12);
    out += char(0x80 | (cp >> 6 & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | cp >> 18);
    out += char(0x80 | (cp >> 12 & 0x3F));
    out += char(0x80 | (cp >> 6 & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

} // namespace quant::models::utf8

namespace quant::models {

/// The byte of a byte token's string "<0xAB>" (hex digits of either case),
/// or -1 for any other string.
inline int parseByteToken(std::string_view s) {
  if (s.size() != 6 || s.substr(0, 3) != "<0x" || s[5] != '>')
    return -1;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  int hi = hex(s[3]), lo = hex(s[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

} // namespace quant::models

#endif // QUANT_LIB_MODELS_TOKENIZERUTIL_H
