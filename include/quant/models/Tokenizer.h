//===- Tokenizer.h - Tokenizer of a llama-family GGUF model ------*- C++ -*-===//
//
// Text to token ids and back, built from the `tokenizer.ggml.*` metadata of a
// GGUF file. Two tokenizer models are supported:
//
//  * "llama": SentencePiece-style BPE over UTF-8 characters, merging the
//    adjacent pair whose concatenation is the vocabulary piece with the
//    highest score, with byte fallback to `<0xXX>` tokens (llama 1/2,
//    mistral);
//  * "gpt2": byte-level BPE with ranked merges after GPT-2's pre-tokenizer
//    (llama 3 style vocabularies use this encoding).
//
// Special tokens written in the input text (e.g. "<s>" or "<|eot_id|>") are
// not recognised: text is always encoded as plain text.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_MODELS_TOKENIZER_H
#define QUANT_MODELS_TOKENIZER_H

#include "quant/gguf/Metadata.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace quant::models {

/// The tokenizer model named by `tokenizer.ggml.model`.
enum class TokenizerKind {
  /// "llama": SentencePiece BPE with scores and byte fallback.
  SentencePiece,
  /// "gpt2": byte-level BPE with merges.
  BytePair,
};

/// The token types of `tokenizer.ggml.token_type` (llama.cpp's numbering).
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

/// A vocabulary with its encoding and decoding rules.
class Tokenizer {
public:
  /// Reads the tokenizer from GGUF metadata. Keys (all `tokenizer.ggml.`):
  /// `model` ("llama" or "gpt2"), `tokens` (strings, at least one),
  /// `scores` (f32, one per token; required for llama, ignored for gpt2),
  /// `token_type` (i32 in 0..6, one per token; optional: when absent,
  /// `<0xXX>` tokens count as byte tokens, BOS and EOS as control, the
  /// unknown token as unknown and the rest as normal), `merges` (strings
  /// "a b"; required for gpt2), `bos_token_id`, `eos_token_id`,
  /// `unknown_token_id` (optional integers < the token count; absent or
  /// negative means none), `add_bos_token` (optional bool; default true for
  /// llama, false for gpt2), `add_space_prefix` (optional bool; default true
  /// for llama, never used by gpt2). Without `unknown_token_id` the first
  /// token of type unknown, if any, is the unknown token. Fails with a
  /// one-line message naming the key on a missing, ill-typed or
  /// inconsistent key.
  static gguf::Expected<Tokenizer> fromMetadata(const gguf::Metadata &metadata);

  /// The ids of `text`, preceded by BOS when `addBos` and the model has a
  /// BOS token. Never fails: characters the vocabulary cannot spell become
  /// byte tokens, else the unknown token, else they are dropped. Empty text
  /// gives no tokens (only the BOS when one is added).
  ///
  /// llama: when add_space_prefix, a space is prepended to non-empty text;
  /// spaces become U+2581; the text is split into UTF-8 characters (an
  /// invalid byte is a character of its own); adjacent symbols are merged,
  /// highest-scoring resulting piece first (ties: leftmost), only into
  /// text pieces (tokens of type normal, user-defined or undefined; never
  /// control, byte, unknown or unused ones); a final symbol that is not a
  /// text piece (always a single character) is spelled with byte tokens
  /// `<0xXX>` (a lone U+2581 as the byte of a space), or becomes one
  /// unknown token when a byte token is missing.
  ///
  /// gpt2: GPT-2's pre-tokenizer splits the text (contractions 's 't 're 've
  /// 'm 'll 'd; optional space + letters; optional space + digits; optional
  /// space + other non-space characters; whitespace runs, leaving the last
  /// space of a run before a non-space to the next word). Letters are ASCII
  /// letters and every byte >= 0x80 (so non-ASCII text counts as letters);
  /// digits are 0-9. Each piece is mapped byte by byte to GPT-2's printable
  /// characters and merged by rank (lowest first, ties leftmost); a merge
  /// result missing from the vocabulary is given as its single characters
  /// (a character missing too becomes the unknown token, or is dropped).
  std::vector<int32_t> encode(std::string_view text, bool addBos) const;

  /// The bytes token `id` contributes to the output text. Control and unused
  /// tokens give "", unknown tokens U+FFFD. llama: U+2581 becomes a space and
  /// a byte token `<0xAB>` gives the single raw byte 0xAB. gpt2: each
  /// character maps back to its byte (characters outside GPT-2's byte
  /// alphabet are kept as they are). A character split over several byte
  /// tokens is correct once the pieces are concatenated. An id out of range
  /// gives "".
  std::string tokenText(int32_t id) const;

  /// The concatenated tokenText() of `ids`. llama with add_space_prefix:
  /// the leading space of the first token that produces text is removed
  /// (leading control tokens such as BOS are skipped first), as
  /// SentencePiece does, so decode(encode(t, b)) == t for either b (text
  /// without U+2581). To stream output, concatenate tokenText() instead
  /// (and drop the first space yourself).
  std::string decode(const std::vector<int32_t> &ids) const;

  TokenizerKind kind() const { return kind_; }
  /// The beginning/end-of-sequence and unknown tokens; -1 when absent.
  int32_t bos() const { return bos_; }
  int32_t eos() const { return eos_; }
  int32_t unknown() const { return unknown_; }
  /// `tokenizer.ggml.add_bos_token` (or its default).
  bool addBosByDefault() const { return addBos_; }
  /// `tokenizer.ggml.add_space_prefix` (or its default); false for gpt2.
  bool addSpacePrefix() const { return addSpacePrefix_; }
  size_t vocabSize() const { return tokens_.size(); }
  /// True when generation should stop after `id` (the EOS token).
  bool isEndOfGeneration(int32_t id) const { return id >= 0 && id == eos_; }

  /// The vocabulary string of `id` as stored in the file ("" when out of
  /// range).
  const std::string &tokenString(int32_t id) const;
  /// The type of `id` (Undefined when out of range).
  TokenType tokenType(int32_t id) const;

private:
  Tokenizer() = default;

  gguf::Error readVocabulary(const gguf::Metadata &metadata);
  gguf::Error readSpecialIds(const gguf::Metadata &metadata);
  gguf::Error readMerges(const gguf::Metadata &metadata);
  void buildIndex();

  /// The id of the text piece `piece`, or -1.
  int32_t findPiece(const std::string &piece) const;
  bool validId(int32_t id) const {
    return id >= 0 && size_t(id) < tokens_.size();
  }

  /// Appends the ids of `text` (no BOS) for each model.
  void encodeSentencePiece(std::string_view text,
                           std::vector<int32_t> &out) const;
  void encodeBytePair(std::string_view text, std::vector<int32_t> &out) const;
  /// Appends the ids of one gpt2 pre-token.
  void encodeBytePairWord(std::string_view word,
                          std::vector<int32_t> &out) const;
  std::string sentencePieceText(int32_t id) const;
  std::string bytePairText(int32_t id) const;

  TokenizerKind kind_ = TokenizerKind::SentencePiece;
  std::vector<std::string> tokens_;
  std::vector<float> scores_;
  std::vector<TokenType> types_;
  /// Text pieces (normal, user-defined and undefined tokens) by string;
  /// the lowest id wins for duplicates.
  std::unordered_map<std::string, int32_t> pieces_;
  /// llama: the id of the byte token of each byte, or -1.
  std::array<int32_t, 256> byteTokens_{};
  /// gpt2: the rank of each merge, keyed by "left right".
  std::unordered_map<std::string, int32_t> mergeRanks_;
  int32_t bos_ = -1;
  int32_t eos_ = -1;
  int32_t unknown_ = -1;
  bool addBos_ = true;
  bool addSpacePrefix_ = true;
};

} // namespace quant::models

#endif // QUANT_MODELS_TOKENIZER_H
