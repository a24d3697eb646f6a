//===- Tokenizer.cpp - Tokenizer of a llama-family GGUF model -----------===//
//
// Reading the vocabulary from GGUF metadata and the model-independent parts
// of encoding and decoding. The two encodings live in
// SentencePieceTokenizer.cpp and BytePairTokenizer.cpp.
//
//===----------------------------------------------------------------------===//

#include "quant/models/Tokenizer.h"

#include "TokenizerUtil.h"

#include <string>

using namespace quant;
using namespace quant::models;

namespace {

constexpr std::string_view kModelKey = "tokenizer.ggml.model";
constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";
constexpr std::string_view kScoresKey = "tokenizer.ggml.scores";
constexpr std::string_view kTypesKey = "tokenizer.ggml.token_type";
constexpr std::string_view kMergesKey = "tokenizer.ggml.merges";
constexpr std::string_view kBosKey = "tokenizer.ggml.bos_token_id";
constexpr std::string_view kEosKey = "tokenizer.ggml.eos_token_id";
constexpr std::string_view kUnknownKey = "tokenizer.ggml.unknown_token_id";
constexpr std::string_view kAddBosKey = "tokenizer.ggml.add_bos_token";
constexpr std::string_view kAddSpaceKey = "tokenizer.ggml.add_space_prefix";

/// Largest vocabulary accepted (ids must fit int32_t).
constexpr size_t kMaxVocab = size_t(1) << 30;

std::string quoted(std::string_view key) {
  return "metadata key '" + std::string(key) + "'";
}

gguf::Error lengthMismatch(std::string_view key, size_t got, size_t want) {
  return gguf::Error::failure(quoted(key) + " has " + std::to_string(got) +
                              " entries, expected " + std::to_string(want) +
                              " (one per token)");
}

/// An optional bool `key`: `fallback` when absent.
gguf::Expected<bool> optionalBool(const gguf::Metadata &metadata,
                                  std::string_view key, bool fallback) {
  if (!metadata.contains(key))
    return fallback;
  return metadata.getBool(key);
}

/// An optional token id `key`: -1 when absent or negative.
gguf::Expected<int32_t> optionalId(const gguf::Metadata &metadata,
                                   std::string_view key, size_t vocabSize) {
  const gguf::Value *value = metadata.find(key);
  if (!value)
    return int32_t(-1);
  std::optional<int64_t> id = value->asSigned();
  if (!gguf::isInteger(value->type()) || !id)
    return gguf::Error::failure(quoted(key) + " has type " +
                                std::string(gguf::toString(value->type())) +
                                ", expected an integer");
  if (*id < 0)
    return int32_t(-1);
  if (uint64_t(*id) >= vocabSize)
    return gguf::Error::failure(quoted(key) + " = " + std::to_string(*id) +
                                " is out of range for " +
                                std::to_string(vocabSize) + " tokens");
  return int32_t(*id);
}

} // namespace

gguf::Expected<Tokenizer>
Tokenizer::fromMetadata(const gguf::Metadata &metadata) {
  gguf::Expected<std::string_view> model = metadata.getString(kModelKey);
  if (!model)
    return model.error();
  Tokenizer tokenizer;
  if (*model == "llama")
    tokenizer.kind_ = TokenizerKind::SentencePiece;
  else if (*model == "gpt2")
    tokenizer.kind_ = TokenizerKind::BytePair;
  else
    return gguf::Error::failure(quoted(kModelKey) + " = '" +
                                gguf::escapeForDisplay(*model) +
                                "' is not a supported tokenizer (expected "
                                "llama or gpt2)");
  if (gguf::Error e = tokenizer.readVocabulary(metadata))
    return e;
  if (gguf::Error e = tokenizer.readSpecialIds(metadata))
    return e;
  if (tokenizer.kind_ == TokenizerKind::BytePair)
    if (gguf::Error e = tokenizer.readMerges(metadata))
      return e;
  bool isLlama = tokenizer.kind_ == TokenizerKind::SentencePiece;
  gguf::Expected<bool> addBos = optionalBool(metadata, kAddBosKey, isLlama);
  if (!addBos)
    return addBos.error();
  gguf::Expected<bool> addSpace = optionalBool(metadata, kAddSpaceKey, true);
  if (!addSpace)
    return addSpace.error();
  tokenizer.addBos_ = *addBos;
  tokenizer.addSpacePrefix_ = isLlama && *addSpace;
  tokenizer.buildIndex();
  return tokenizer;
}

gguf::Error Tokenizer::readVocabulary(const gguf::Metadata &metadata) {
  auto tokens = metadata.getArrayOf(kTokensKey, gguf::ValueType::String);
  if (!tokens)
    return tokens.error();
  size_t n = (*tokens)->size();
  if (n == 0 || n > kMaxVocab)
    return gguf::Error::failure(quoted(kTokensKey) + " has " +
                                std::to_string(n) + " tokens");
  tokens_ = (*tokens)->strings();

  if (kind_ == TokenizerKind::SentencePiece) {
    auto scores = metadata.getArrayOf(kScoresKey, gguf::ValueType::Float32);
    if (!scores)
      return scores.error();
    if ((*scores)->size() != n)
      return lengthMismatch(kScoresKey, (*scores)->size(), n);
    scores_ = *(*scores)->toVector<float>();
  }

  types_.assign(n, TokenType::Normal);
  if (!metadata.contains(kTypesKey)) {
    for (size_t i = 0; i < n; ++i)
      if (parseByteToken(tokens_[i]) >= 0)
        types_[i] = TokenType::Byte;
    return {};
  }
  auto types = metadata.getArrayOf(kTypesKey, gguf::ValueType::Int32);
  if (!types)
    return types.error();
  if ((*types)->size() != n)
    return lengthMismatch(kTypesKey, (*types)->size(), n);
  for (size_t i = 0; i < n; ++i) {
    int32_t type = *(*types)->get<int32_t>(i);
    if (type < 0 || type > int32_t(TokenType::Byte))
      return gguf::Error::failure(quoted(kTypesKey) + " entry " +
                                  std::to_string(i) + " = " +
                                  std::to_string(type) +
                                  " is not a token type (0..6)");
    types_[i] = TokenType(type);
  }
  return {};
}

gguf::Error Tokenizer::readSpecialIds(const gguf::Metadata &metadata) {
  size_t n = tokens_.size();
  gguf::Expected<int32_t> bos = optionalId(metadata, kBosKey, n);
  if (!bos)
    return bos.error();
  gguf::Expected<int32_t> eos = optionalId(metadata, kEosKey, n);
  if (!eos)
    return eos.error();
  gguf::Expected<int32_t> unknown = optionalId(metadata, kUnknownKey, n);
  if (!unknown)
    return unknown.error();
  bos_ = *bos;
  eos_ = *eos;
  unknown_ = *unknown;
  bool typed = metadata.contains(kTypesKey);
  if (!typed) {
    // Without types, the special ids are the only control/unknown tokens.
    for (int32_t id : {bos_, eos_})
      if (id >= 0)
        types_[size_t(id)] = TokenType::Control;
    if (unknown_ >= 0)
      types_[size_t(unknown_)] = TokenType::Unknown;
  }
  for (size_t i = 0; i < n && unknown_ < 0; ++i)
    if (types_[i] == TokenType::Unknown)
      unknown_ = int32_t(i);
  return {};
}

gguf::Error Tokenizer::readMerges(const gguf::Metadata &metadata) {
  auto merges = metadata.getArrayOf(kMergesKey, gguf::ValueType::String);
  if (!merges)
    return merges.error();
  const std::vector<std::string> &list = (*merges)->strings();
  mergeRanks_.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string &merge = list[i];
    size_t space = merge.find(' ', 1);
    if (space == std::string::npos || space + 1 >= merge.size())
      return gguf::Error::failure(quoted(kMergesKey) + " entry " +
                                  std::to_string(i) + " ('" +
                                  gguf::escapeForDisplay(merge) +
                                  "') is not two tokens separated by a space");
    mergeRanks_.emplace(merge, int32_t(i));
  }
  return {};
}

void Tokenizer::buildIndex() {
  byteTokens_.fill(-1);
  pieces_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) {
    TokenType type = types_[i];
    if (type == TokenType::Byte) {
      int byte = parseByteToken(tokens_[i]);
      if (byte >= 0 && byteTokens_[size_t(byte)] < 0)
        byteTokens_[size_t(byte)] = int32_t(i);
    } else if (type == TokenType::Normal || type == TokenType::UserDefined ||
               type == TokenType::Undefined) {
      if (!tokens_[i].empty())
        pieces_.emplace(tokens_[i], int32_t(i));
    }
  }
}

int32_t Tokenizer::findPiece(const std::string &piece) const {
  auto it = pieces_.find(piece);
  return it == pieces_.end() ? -1 : it->second;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text,
                                       bool addBos) const {
  std::vector<int32_t> ids;
  if (addBos && bos_ >= 0)
    ids.push_back(bos_);
  if (kind_ == TokenizerKind::SentencePiece)
    encodeSentencePiece(text, ids);
  else
    encodeBytePair(text, ids);
  return ids;
}

std::string Tokenizer::tokenText(int32_t id) const {
  if (!validId(id))
    return {};
  switch (types_[size_t(id)]) {
  case TokenType::Control:
  case TokenType::Unused:
    return {};
  case TokenType::Unknown:
    return "\xEF\xBF\xBD"; // U+FFFD
  default:
    break;
  }
  return kind_ == TokenizerKind::SentencePiece ? sentencePieceText(id)
                                               : bytePairText(id);
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids) const {
  std::string text;
  bool stripSpace = addSpacePrefix_;
  for (int32_t id : ids) {
    std::string piece = tokenText(id);
    if (stripSpace && !piece.empty()) {
      stripSpace = false;
      if (piece.front() == ' ')
        piece.erase(0, 1);
    }
    text += piece;
  }
  return text;
}

const std::string &Tokenizer::tokenString(int32_t id) const {
  static const std::string empty;
  return validId(id) ? tokens_[size_t(id)] : empty;
}

TokenType Tokenizer::tokenType(int32_t id) const {
  return validId(id) ? types_[size_t(id)] : TokenType::Undefined;
}
