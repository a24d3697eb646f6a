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

#include <queue>

using namespace quant;
using namespace quant::models;

namespace {

/// SentencePiece's whitespace mark U+2581 ("▁").
constexpr std::string_view kSpaceMark = "\xE2\x96\x81";

/// A run of the escaped text; merged-away symbols have len 0.
struct Symbol {
  size_t start;
  size_t len;
  int prev;
  int next;
};

/// A pair of adjacent symbols whose concatenation is a vocabulary piece.
struct Candidate {
  float score;
  /// Start of the left symbol: orders ties leftmost first.
  size_t start;
  int left;
  int right;
  /// Length of the concatenation (detects pairs changed since queued).
  size_t len;
};

/// Max-heap order: higher score first, then lower start.
struct CandidateOrder {
  bool operator()(const Candidate &a, const Candidate &b) const {
    if (a.score != b.score)
      return a.score < b.score;
    return a.start > b.start;
  }
};

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
std::vector<Symbol> splitCharacters(std::string_view text) {
  std::vector<Symbol> symbols;
  symbols.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t len = utf8::charLength(text, i);
    int index = int(symbols.size());
    symbols.push_back({i, len, index - 1, -1});
    if (index > 0)
      symbols[size_t(index) - 1].next = index;
    i += len;
  }
  return symbols;
}

} // namespace

void Tokenizer::encodeSentencePiece(std::string_view text,
                                    std::vector<int32_t> &out) const {
  if (text.empty())
    return;
  std::string escaped = escapeSpaces(text, addSpacePrefix_);
  std::vector<Symbol> symbols = splitCharacters(escaped);
  std::priority_queue<Candidate, std::vector<Candidate>, CandidateOrder> queue;
  std::string piece;

  auto tryPair = [&](int left, int right) {
    if (left < 0 || right < 0)
      return;
    const Symbol &l = symbols[size_t(left)];
    size_t len = l.len + symbols[size_t(right)].len;
    piece.assign(escaped, l.start, len);
    int32_t id = findPiece(piece);
    if (id >= 0)
      queue.push({scores_[size_t(id)], l.start, left, right, len});
  };

  for (size_t i = 1; i < symbols.size(); ++i)
    tryPair(int(i) - 1, int(i));

  while (!queue.empty()) {
    Candidate c = queue.top();
    queue.pop();
    Symbol &left = symbols[size_t(c.left)];
    Symbol &right = symbols[size_t(c.right)];
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

  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[size_t(i)].next) {
    const Symbol &s = symbols[size_t(i)];
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
