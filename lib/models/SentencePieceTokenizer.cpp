//===- SentencePieceTokenizer.cpp - llama (SentencePiece BPE) tokenizer -===//
//
// The "llama" tokenizer model: BPE over UTF-8 characters where the merge to
// apply next is the adjacent pair forming the vocabulary piece with the
// highest score, with byte fallback. Symbols live in a linked list over the
// escaped text; candidate pairs wait in a priority queue and are checked
// for staleness when popped, so encoding is O(n log n).
//
//===----------------------------------------------------------------------===//

#include "quant/models/Tokenizer.h"

#include "TokenizerUtil.h"


using namespace quant;
using namespace quant::models;

namespace {

/// SentencePiece's whitespace mark U+2581 ("▁").
constexpr std::string_view kSpaceMark = "\xE2\x96\x81";

/// `text` with a leading space when `spacePrefix`, every space as U+2581.
std::string escapeSpaces(std::string_view text, bool spacePrefix) {
  std::string escaped;
  escaped.reserve(text.size() + 16);
  if (spacePrefix)
    escaped += kSpaceMark;
  for (char c : text) {
    if (c == ' ')
      escaped += kSpaceMark;
    else
      escaped += c;
  }
  return escaped;
}

/// The symbols of one UTF-8 character each, linked in order.
std::vector<MergeSymbol> splitCharacters(std::string_view text) {
  std::vector<size_t> lengths;
  for (size_t i = 0; i < text.size(); i += lengths.back())
    lengths.push_back(utf8::charLength(text, i));
  return linkedSymbols(lengths);
}

} // namespace

void Tokenizer::encodeSentencePiece(std::string_view text,
                                    std::vector<int32_t> &out) const {
  if (text.empty())
    return;
  std::string escaped = escapeSpaces(text, addSpacePrefix_);
  std::vector<MergeSymbol> symbols = splitCharacters(escaped);
  std::string piece;
  // The pair whose concatenation is the highest-scoring piece first.
  mergeSymbols(symbols, [&](const MergeSymbol &l, const MergeSymbol &r)
                            -> std::optional<double> {
    piece.assign(escaped, l.start, l.len + r.len);
    int32_t id = findPiece(piece);
    if (id < 0)
      return std::nullopt;
    return double(scores_[size_t(id)]);
  });

  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[size_t(i)].next) {
    const MergeSymbol &s = symbols[size_t(i)];
    piece.assign(escaped, s.start, s.len);
    int32_t id = findPiece(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    // Only single characters can be missing from the vocabulary: spell the
    // character with byte tokens (U+2581 as the space it stands for), or
    // give one unknown token when a byte token is missing.
    std::string_view bytes = piece == kSpaceMark ? " " : std::string_view(piece);
    bool spelled = true;
    for (char b : bytes)
      spelled = spelled && byteTokens_[uint8_t(b)] >= 0;
    if (spelled) {
      for (char b : bytes)
        out.push_back(byteTokens_[uint8_t(b)]);
    } else if (unknown_ >= 0) {
      out.push_back(unknown_);
    }
  }
}

std::string Tokenizer::sentencePieceText(int32_t id) const {
  const std::string &token = tokens_[size_t(id)];
  if (types_[size_t(id)] == TokenType::Byte) {
    // "<0xAB>": the single byte 0xAB.
    int byte = parseByteToken(token);
    return byte >= 0 ? std::string(1, char(byte)) : token;
  }
  std::string text;
  text.reserve(token.size());
  for (size_t i = 0; i < token.size();) {
    if (token.compare(i, kSpaceMark.size(), kSpaceMark) == 0) {
      text += ' ';
      i += kSpaceMark.size();
    } else {
      text += token[i++];
    }
  }
  return text;
}
