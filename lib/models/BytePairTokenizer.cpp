//===- BytePairTokenizer.cpp - gpt2 (byte-level BPE) tokenizer ----------===//
//
// The "gpt2" tokenizer model: GPT-2's pre-tokenizer splits the text into
// words, each word's bytes are mapped to GPT-2's printable byte alphabet,
// and ranked merges are applied within the word, lowest rank first.
//
//===----------------------------------------------------------------------===//

#include "quant/models/Tokenizer.h"

#include "TokenizerUtil.h"


using namespace quant;
using namespace quant::models;

namespace {

//===----------------------------------------------------------------------===//
// GPT-2's byte alphabet
//===----------------------------------------------------------------------===//

/// Bytes that stand for themselves: '!'..'~', U+00A1..U+00AC, U+00AE..U+00FF.
bool isPrintableByte(uint32_t b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) ||
         (b >= 0xAE && b <= 0xFF);
}

/// The byte <-> character tables: the other 68 bytes map, in increasing
/// order, to U+0100, U+0101, ...
struct ByteAlphabet {
  /// UTF-8 of the character of each byte.
  std::string chars[256];
  /// The byte of each code point below kEnd, or -1.
  static constexpr uint32_t kEnd = 0x100 + 68;
  int16_t bytes[kEnd];

  ByteAlphabet() {
    uint32_t next = 0x100;
    for (auto &b : bytes)
      b = -1;
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t cp = isPrintableByte(b) ? b : next++;
      utf8::append(chars[b], cp);
      bytes[cp] = int16_t(b);
    }
  }
};

const ByteAlphabet &byteAlphabet() {
  static const ByteAlphabet alphabet;
  return alphabet;
}

//===----------------------------------------------------------------------===//
// Pre-tokenizer
//===----------------------------------------------------------------------===//

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}
/// ASCII letters and every non-ASCII byte (non-ASCII text is "letters").
bool isLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || uint8_t(c) >= 0x80;
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// 0 letters, 1 digits, 2 others (not space).
int charClass(char c) { return isLetter(c) ? 0 : isDigit(c) ? 1 : 2; }

/// Length of a contraction 's 't 're 've 'm 'll 'd at s[i], or 0.
size_t contractionLength(std::string_view s, size_t i) {
  if (s[i] != '\'' || i + 1 >= s.size())
    return 0;
  char a = s[i + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if (i + 2 >= s.size())
    return 0;
  std::string_view two = s.substr(i + 1, 2);
  return two == "re" || two == "ve" || two == "ll" ? 3 : 0;
}

/// Length of the pre-token at s[i], by GPT-2's pattern
/// 's|'t|'re|'ve|'m|'ll|'d| ?L+| ?N+| ?[^\sLN]+|\s+(?!\S)|\s+
/// tried in this order.
size_t preTokenLength(std::string_view s, size_t i) {
  if (size_t len = contractionLength(s, i))
    return len;
  size_t j = i + (s[i] == ' ' ? 1 : 0);
  if (j < s.size() && !isSpace(s[j])) {
    int cls = charClass(s[j]);
    size_t k = j;
    while (k < s.size() && !isSpace(s[k]) && charClass(s[k]) == cls)
      ++k;
    return k - i;
  }
  // A whitespace run; before a non-space its last character is left out
  // (\s+(?!\S)) unless that empties the match (then \s+ takes it).
  size_t k = i;
  while (k < s.size() && isSpace(s[k]))
    ++k;
  return k == s.size() || k - i == 1 ? k - i : k - i - 1;
}

} // namespace

void Tokenizer::encodeBytePair(std::string_view text,
                               std::vector<int32_t> &out) const {
  for (size_t i = 0; i < text.size();) {
    size_t len = preTokenLength(text, i);
    encodeBytePairWord(text.substr(i, len), out);
    i += len;
  }
}

void Tokenizer::encodeBytePairWord(std::string_view word,
                                   std::vector<int32_t> &out) const {
  const ByteAlphabet &alphabet = byteAlphabet();
  std::string mapped;
  std::vector<size_t> lengths;
  for (char c : word) {
    const std::string &ch = alphabet.chars[uint8_t(c)];
    lengths.push_back(ch.size());
    mapped += ch;
  }
  std::vector<MergeSymbol> symbols = linkedSymbols(lengths);
  std::string key;
  // Earlier merges (lower rank) first.
  mergeSymbols(symbols, [&](const MergeSymbol &l, const MergeSymbol &r)
                            -> std::optional<double> {
    key.assign(mapped, l.start, l.len);
    key += ' ';
    key.append(mapped, r.start, r.len);
    auto it = mergeRanks_.find(key);
    if (it == mergeRanks_.end())
      return std::nullopt;
    return -double(it->second);
  });

  std::string piece;
  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[size_t(i)].next) {
    const MergeSymbol &s = symbols[size_t(i)];
    piece.assign(mapped, s.start, s.len);
    int32_t id = findPiece(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    // A merge result missing from the vocabulary: one token per byte.
    for (size_t k = 0; k < piece.size();) {
      size_t len = utf8::charLength(piece, k);
      int32_t byteId = findPiece(piece.substr(k, len));
      if (byteId >= 0)
        out.push_back(byteId);
      else if (unknown_ >= 0)
        out.push_back(unknown_);
      k += len;
    }
  }
}

std::string Tokenizer::bytePairText(int32_t id) const {
  const ByteAlphabet &alphabet = byteAlphabet();
  const std::string &token = tokens_[size_t(id)];
  std::string text;
  text.reserve(token.size());
  for (size_t i = 0; i < token.size();) {
    size_t len = utf8::charLength(token, i);
    uint32_t cp = len == 1 ? uint32_t(uint8_t(token[i]))
                           : utf8::decode(token, i, len);
    if (len > 1 || cp < 0x80) {
      int16_t byte = cp < ByteAlphabet::kEnd ? alphabet.bytes[cp] : -1;
      if (byte >= 0) {
        text += char(byte);
        i += len;
        continue;
      }
    }
    text.append(token, i, len);
    i += len;
  }
  return text;
}
