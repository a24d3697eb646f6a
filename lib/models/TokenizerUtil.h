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
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

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

namespace quant::models {

/// A run of text bytes [start, start + len) during BPE merging, linked to
/// its neighbours (-1 at either end); a merged-away symbol has len 0.
struct MergeSymbol {
  size_t start;
  size_t len;
  int prev;
  int next;
};

/// One symbol per unit of `unitLengths` (byte counts), linked in order.
inline std::vector<MergeSymbol>
linkedSymbols(const std::vector<size_t> &unitLengths) {
  std::vector<MergeSymbol> symbols;
  symbols.reserve(unitLengths.size());
  size_t start = 0;
  for (size_t len : unitLengths) {
    int index = int(symbols.size());
    symbols.push_back({start, len, index - 1, -1});
    if (index > 0)
      symbols[size_t(index) - 1].next = index;
    start += len;
  }
  return symbols;
}

/// Byte-pair merging shared by both tokenizers: repeatedly joins the
/// adjacent pair with the highest `priority(left, right)` (nullopt: never
/// joined), the leftmost pair on ties, until no pair can be joined.
/// Candidates are queued once and dropped when stale.
template <typename Priority>
void mergeSymbols(std::vector<MergeSymbol> &symbols, Priority priority) {
  struct Candidate {
    double priority;
    size_t start;
    int left, right;
    size_t len;
  };
  auto later = [](const Candidate &a, const Candidate &b) {
    if (a.priority != b.priority)
      return a.priority < b.priority;
    return a.start > b.start;
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(later)>
      queue(later);
  auto tryPair = [&](int left, int right) {
    if (left < 0 || right < 0)
      return;
    const MergeSymbol &l = symbols[size_t(left)];
    const MergeSymbol &r = symbols[size_t(right)];
    if (std::optional<double> p = priority(l, r))
      queue.push({*p, l.start, left, right, l.len + r.len});
  };
  for (size_t i = 1; i < symbols.size(); ++i)
    tryPair(int(i) - 1, int(i));
  while (!queue.empty()) {
    Candidate c = queue.top();
    queue.pop();
    MergeSymbol &left = symbols[size_t(c.left)];
    MergeSymbol &right = symbols[size_t(c.right)];
    if (left.len == 0 || left.next != c.right || left.len + right.len != c.len)
      continue; // Stale: one side was merged since.
    left.len = c.len;
    right.len = 0;
    left.next = right.next;
    if (right.next >= 0)
      symbols[size_t(right.next)].prev = c.left;
    tryPair(left.prev, c.left);
    tryPair(c.left, left.next);
  }
}

} // namespace quant::models

#endif // QUANT_LIB_MODELS_TOKENIZERUTIL_H
