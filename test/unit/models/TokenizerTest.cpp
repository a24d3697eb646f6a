//===- TokenizerTest.cpp - Tests of the llama and gpt2 tokenizers --------===//
//
// Small vocabularies built in code as GGUF metadata: exact ids for texts
// that exercise merge order, ties, byte fallback and the space prefix,
// decode(encode(x)) == x on random text, and one-line errors naming the key.
//
//===----------------------------------------------------------------------===//

#include "quant/models/Tokenizer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace quant;
using namespace quant::models;

namespace {

/// U+2581, SentencePiece's space mark.
const std::string kMark = "\xE2\x96\x81";

/// `s` with every space as U+2581.
std::string marked(const std::string &s) {
  std::string out;
  for (char c : s)
    out += c == ' ' ? kMark : std::string(1, c);
  return out;
}

//===----------------------------------------------------------------------===//
// A llama vocabulary: <unk> <s> </s>, the 256 byte tokens, then pieces.
//===----------------------------------------------------------------------===//

constexpr int32_t kUnk = 0, kBos = 1, kEos = 2;
constexpr int32_t kFirstPiece = 3 + 256;

int32_t byteId(uint8_t b) { return 3 + int32_t(b); }

struct Piece {
  std::string text; // with ' ' standing for U+2581
  float score;
};

/// Pieces and scores chosen so that merge order matters: "bc" beats "ab",
/// which beats "▁a"; "aa" ties with itself.
const std::vector<Piece> &llamaPieces() {
  static const std::vector<Piece> pieces = {
      {" ", -1000},  {"a", -100},     {"b", -100},      {"c", -100},
      {"h", -100},   {"e", -100},     {"l", -100},      {"o", -100},
      {"ab", -1},    {"bc", -0.5f},   {" a", -2},       {"aa", -1},
      {"he", -3},    {"ll", -3.5f},   {"hell", -4},     {"hello", -5},
      {" hello", -6}};
  return pieces;
}

/// The id of piece `text` (' ' for U+2581) in llamaMetadata().
int32_t pieceId(const std::string &text) {
  const std::vector<Piece> &pieces = llamaPieces();
  for (size_t i = 0; i < pieces.size(); ++i)
    if (pieces[i].text == text)
      return kFirstPiece + int32_t(i);
  ADD_FAILURE() << "no piece '" << text << "'";
  return -1;
}

std::vector<int32_t> pieceIds(const std::vector<std::string> &texts) {
  std::vector<int32_t> ids;
  for (const std::string &t : texts)
    ids.push_back(pieceId(t));
  return ids;
}

/// Metadata of the llama vocabulary; `withSpaceMark` false leaves out the
/// "▁" piece (its id then holds the unused token "<unused>").
gguf::Metadata llamaMetadata(bool withSpaceMark = true) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0, 0, 0};
  std::vector<int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    tokens.push_back(name);
    scores.push_back(0);
    types.push_back(6);
  }
  for (const Piece &p : llamaPieces()) {
    bool dropped = !withSpaceMark && p.text == " ";
    tokens.push_back(dropped ? "<unused>" : marked(p.text));
    scores.push_back(p.score);
    types.push_back(dropped ? 5 : 1);
  }
  gguf::Metadata m;
  m.set("tokenizer.ggml.model", gguf::Value::string("llama"));
  m.set("tokenizer.ggml.tokens", gguf::Value::array(gguf::ArrayValue::fromStrings(tokens)));
  m.set("tokenizer.ggml.scores", gguf::Value::arrayOf(scores));
  m.set("tokenizer.ggml.token_type", gguf::Value::arrayOf(types));
  m.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(kBos));
  m.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(kEos));
  m.set("tokenizer.ggml.unknown_token_id", gguf::Value::u32(kUnk));
  return m;
}

Tokenizer makeTokenizer(const gguf::Metadata &m) {
  gguf::Expected<Tokenizer> t = Tokenizer::fromMetadata(m);
  EXPECT_TRUE(t.hasValue()) << (t ? "" : t.message());
  return t.take();
}

Tokenizer llamaTokenizer() { return makeTokenizer(llamaMetadata()); }

//===----------------------------------------------------------------------===//
// A gpt2 vocabulary: the 256 byte characters (id = byte), then merges.
//===----------------------------------------------------------------------===//

/// GPT-2's byte alphabet, written independently of the library: printable
/// bytes stand for themselves, the others map to U+0100.. in order.
std::string byteChar(uint8_t byte) {
  auto printable = [](int b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) ||
           (b >= 0xAE && b <= 0xFF);
  };
  int cp = byte;
  if (!printable(byte)) {
    cp = 0x100;
    for (int b = 0; b < byte; ++b)
      cp += printable(b) ? 0 : 1;
  }
  std::string s;
  if (cp < 0x80) {
    s += char(cp);
  } else {
    s += char(0xC0 | cp >> 6);
    s += char(0x80 | (cp & 0x3F));
  }
  return s;
}

/// "Ġ" (the space byte) and "Ċ" (newline) as GPT-2 writes them.
const std::string kG = byteChar(' ');

constexpr int32_t kEndOfText = 264;

gguf::Metadata gpt2Metadata() {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b)
    tokens.push_back(byteChar(uint8_t(b)));
  // 256 "Ġt", 257 "he", 258 "Ġthe", 259 "'s", 260 "42", 261 "Ġ42",
  // 262 "ĠĠ", 263 "on", 264 <|endoftext|>.
  for (std::string t : {kG + "t", std::string("he"), kG + "the",
                        std::string("'s"), std::string("42"), kG + "42",
                        kG + kG, std::string("on"),
                        std::string("<|endoftext|>")})
    tokens.push_back(t);
  std::vector<int32_t> types(tokens.size(), 1);
  types[kEndOfText] = 3;
  // Ranks 0..8; "x y" has no token "xy".
  std::vector<std::string> merges = {
      kG + " t", "h e", kG + "t he", "' s", "4 2", kG + " 42", kG + " " + kG,
      "o n", "x y"};
  gguf::Metadata m;
  m.set("tokenizer.ggml.model", gguf::Value::string("gpt2"));
  m.set("tokenizer.ggml.tokens", gguf::Value::arrayOfStrings(tokens));
  m.set("tokenizer.ggml.token_type", gguf::Value::arrayOf(types));
  m.set("tokenizer.ggml.merges", gguf::Value::arrayOfStrings(merges));
  m.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(kEndOfText));
  m.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(kEndOfText));
  return m;
}

//===----------------------------------------------------------------------===//
// Random text
//===----------------------------------------------------------------------===//

void appendUtf8(std::string &s, uint32_t cp) {
  if (cp < 0x80) {
    s += char(cp);
  } else if (cp < 0x800) {
    s += char(0xC0 | cp >> 6);
    s += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += char(0xE0 | cp >> 12);
    s += char(0x80 | (cp >> 6 & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  } else {
    s += char(0xF0 | cp >> 18);
    s += char(0x80 | (cp >> 12 & 0x3F));
    s += char(0x80 | (cp >> 6 & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  }
}

/// ASCII text biased towards the vocabularies' pieces.
std::string randomAscii(std::mt19937 &rng) {
  static const std::string common = "abcehlo  ";
  std::string s;
  size_t len = rng() % 40;
  for (size_t i = 0; i < len; ++i) {
    if (rng() % 2)
      s += common[rng() % common.size()];
    else
      s += char(rng() % 3 == 0 ? "\n\t'"[rng() % 3] : 0x20 + rng() % 95);
  }
  return s;
}

/// Valid UTF-8 from ASCII, Latin-1, CJK and emoji (never U+2581).
std::string randomUtf8(std::mt19937 &rng) {
  std::string s;
  size_t len = rng() % 20;
  for (size_t i = 0; i < len; ++i) {
    switch (rng() % 4) {
    case 0:
      appendUtf8(s, 0x20 + rng() % 95);
      break;
    case 1:
      appendUtf8(s, 0xA0 + rng() % 0x60);
      break;
    case 2:
      appendUtf8(s, 0x4E00 + rng() % 0x5000);
      break;
    default:
      appendUtf8(s, 0x1F600 + rng() % 0x50);
      break;
    }
  }
  return s;
}

/// Arbitrary bytes (mostly invalid UTF-8), without the bytes of U+2581.
std::string randomBytes(std::mt19937 &rng) {
  std::string s;
  size_t len = rng() % 24;
  for (size_t i = 0; i < len; ++i)
    s += char(rng() % 256);
  for (size_t p; (p = s.find(kMark)) != std::string::npos;)
    s.erase(p, 1);
  return s;
}

} // namespace

//===----------------------------------------------------------------------===//
// llama
//===----------------------------------------------------------------------===//

TEST(LlamaTokenizer, ReadsMetadata) {
  Tokenizer t = llamaTokenizer();
  EXPECT_EQ(t.kind(), TokenizerKind::SentencePiece);
  EXPECT_EQ(t.vocabSize(), size_t(kFirstPiece) + llamaPieces().size());
  EXPECT_EQ(t.bos(), kBos);
  EXPECT_EQ(t.eos(), kEos);
  EXPECT_EQ(t.unknown(), kUnk);
  EXPECT_TRUE(t.addBosByDefault());
  EXPECT_TRUE(t.addSpacePrefix());
  EXPECT_TRUE(t.isEndOfGeneration(kEos));
  EXPECT_FALSE(t.isEndOfGeneration(kBos));
  EXPECT_EQ(t.tokenType(byteId(0x41)), TokenType::Byte);
  EXPECT_EQ(t.tokenString(pieceId(" hello")), kMark + "hello");
}

TEST(LlamaTokenizer, HighestScoreMergesFirst) {
  Tokenizer t = llamaTokenizer();
  // "▁abc": "bc" (-0.5) beats "ab" (-1) beats "▁a" (-2).
  EXPECT_EQ(t.encode("abc", false), pieceIds({" a", "bc"}));
  // "▁ab": "ab" is merged before "▁a"; "▁ab" is not a piece.
  EXPECT_EQ(t.encode("ab", false), pieceIds({" ", "ab"}));
  // A chain of merges: he, ll, hell, hello, ▁hello.
  EXPECT_EQ(t.encode("hello", false), pieceIds({" hello"}));
  EXPECT_EQ(t.encode("hello hello", false), pieceIds({" hello", " hello"}));
}

TEST(LlamaTokenizer, TiesMergeLeftmostFirst) {
  Tokenizer t = llamaTokenizer();
  // "▁aaa": the two "aa" pairs tie; the left one wins, leaving "aa" "a"
  // (rightmost first would give "▁a" "aa").
  EXPECT_EQ(t.encode("aaa", false), pieceIds({" ", "aa", "a"}));
  EXPECT_EQ(t.encode("aaaa", false), pieceIds({" ", "aa", "aa"}));
}

TEST(LlamaTokenizer, ByteFallback) {
  Tokenizer t = llamaTokenizer();
  // é is C3 A9, 日 is E6 97 A5; neither is a piece.
  EXPECT_EQ(t.encode("\xC3\xA9", false),
            (std::vector<int32_t>{pieceId(" "), byteId(0xC3), byteId(0xA9)}));
  EXPECT_EQ(t.encode("a\xE6\x97\xA5", false),
            (std::vector<int32_t>{pieceId(" a"), byteId(0xE6), byteId(0x97),
                                  byteId(0xA5)}));
  // Control and byte tokens are never produced from text.
  EXPECT_EQ(t.encode("<s>", false),
            (std::vector<int32_t>{pieceId(" "), byteId('<'), byteId('s'),
                                  byteId('>')}));
  EXPECT_EQ(t.encode("<0x41>", false).size(), 7u);
  // An invalid byte is a character of its own.
  EXPECT_EQ(t.encode("\xFF" "a", false),
            (std::vector<int32_t>{pieceId(" "), byteId(0xFF), pieceId("a")}));
}

TEST(LlamaTokenizer, SpacePrefixAndBos) {
  Tokenizer t = llamaTokenizer();
  EXPECT_EQ(t.encode("", false), std::vector<int32_t>{});
  EXPECT_EQ(t.encode("", true), std::vector<int32_t>{kBos});
  EXPECT_EQ(t.encode("hello", true),
            (std::vector<int32_t>{kBos, pieceId(" hello")}));
  // Spaces become U+2581; the prefix adds one more.
  EXPECT_EQ(t.encode(" a", false), pieceIds({" ", " a"}));
  EXPECT_EQ(t.encode("a a", false), pieceIds({" a", " a"}));

  gguf::Metadata m = llamaMetadata();
  m.set("tokenizer.ggml.add_space_prefix", gguf::Value::boolean(false));
  m.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(false));
  Tokenizer noPrefix = makeTokenizer(m);
  EXPECT_FALSE(noPrefix.addSpacePrefix());
  EXPECT_FALSE(noPrefix.addBosByDefault());
  EXPECT_EQ(noPrefix.encode("ab", false), pieceIds({"ab"}));
  EXPECT_EQ(noPrefix.encode("hello", true),
            (std::vector<int32_t>{kBos, pieceId("hello")}));
  // Without the prefix nothing is stripped when decoding.
  EXPECT_EQ(noPrefix.decode(noPrefix.encode(" ab", true)), " ab");

  // Without a BOS token, addBos adds nothing.
  gguf::Metadata noBosMeta = llamaMetadata();
  noBosMeta.remove("tokenizer.ggml.bos_token_id");
  Tokenizer noBos = makeTokenizer(noBosMeta);
  EXPECT_EQ(noBos.bos(), -1);
  EXPECT_EQ(noBos.encode("hello", true), pieceIds({" hello"}));
}

TEST(LlamaTokenizer, LoneSpaceMarkFallsBackToSpaceByte) {
  Tokenizer t = makeTokenizer(llamaMetadata(/*withSpaceMark=*/false));
  EXPECT_EQ(t.encode("\xC3\xA9", false),
            (std::vector<int32_t>{byteId(' '), byteId(0xC3), byteId(0xA9)}));
  EXPECT_EQ(t.encode("a b", false),
            (std::vector<int32_t>{pieceId(" a"), byteId(' '), pieceId("b")}));
  EXPECT_EQ(t.decode(t.encode("a b", true)), "a b");
  EXPECT_EQ(t.decode(t.encode("\xC3\xA9", false)), "\xC3\xA9");
}

TEST(LlamaTokenizer, TokenText) {
  Tokenizer t = llamaTokenizer();
  EXPECT_EQ(t.tokenText(kBos), "");
  EXPECT_EQ(t.tokenText(kEos), "");
  EXPECT_EQ(t.tokenText(kUnk), "\xEF\xBF\xBD");
  EXPECT_EQ(t.tokenText(byteId(0x41)), "A");
  EXPECT_EQ(t.tokenText(byteId(0xC3)), "\xC3");
  EXPECT_EQ(t.tokenText(pieceId(" hello")), " hello");
  EXPECT_EQ(t.tokenText(pieceId("bc")), "bc");
  EXPECT_EQ(t.tokenText(-1), "");
  EXPECT_EQ(t.tokenText(int32_t(t.vocabSize())), "");
}

TEST(LlamaTokenizer, DecodeStripsTheSpacePrefixOnce) {
  Tokenizer t = llamaTokenizer();
  std::vector<int32_t> ids = {kBos, pieceId(" hello"), pieceId(" hello")};
  EXPECT_EQ(t.decode(ids), "hello hello");
  EXPECT_EQ(t.decode({pieceId(" hello"), kEos}), "hello");
  EXPECT_EQ(t.decode({pieceId(" "), pieceId(" a")}), " a");
  // Bytes of one character in several tokens concatenate to it.
  EXPECT_EQ(t.decode({byteId(0xE6), byteId(0x97), byteId(0xA5)}),
            "\xE6\x97\xA5");
  EXPECT_EQ(t.decode({}), "");
}

TEST(LlamaTokenizer, RoundTripsRandomText) {
  Tokenizer t = llamaTokenizer();
  std::mt19937 rng(1234);
  for (int i = 0; i < 3000; ++i) {
    std::string text = i % 3 == 0   ? randomAscii(rng)
                       : i % 3 == 1 ? randomUtf8(rng)
                                    : randomBytes(rng);
    bool bos = i % 2 == 0;
    std::vector<int32_t> ids = t.encode(text, bos);
    ASSERT_EQ(t.decode(ids), text) << "text #" << i;
    for (int32_t id : ids)
      ASSERT_NE(id, kUnk) << "text #" << i;
    // Streaming: tokenText() concatenates to the same, with the prefix.
    std::string streamed;
    for (int32_t id : ids)
      streamed += t.tokenText(id);
    ASSERT_EQ(streamed, text.empty() ? "" : " " + text) << "text #" << i;
  }
}

TEST(LlamaTokenizer, LargeVocabularyLongPrompt) {
  // Letters, all 2- and 3-letter lowercase pieces and their ▁ forms
  // (36534 tokens), and a 4 KB prompt.
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", kMark};
  std::vector<float> scores = {0, 0, 0, -50};
  std::string letters = "abcdefghijklmnopqrstuvwxyz";
  for (char a : letters) {
    tokens.push_back(std::string(1, a));
    scores.push_back(-40);
    for (char b : letters) {
      std::string ab{a, b};
      tokens.push_back(ab);
      scores.push_back(-float((a * 7 + b) % 20));
      tokens.push_back(kMark + ab);
      scores.push_back(-float((a + b * 3) % 25));
      for (char c : letters) {
        tokens.push_back(ab + c);
        scores.push_back(-float((a * 5 + b * 3 + c) % 30) - 1);
        tokens.push_back(kMark + ab + c);
        scores.push_back(-float((a + b + c * 3) % 30) - 1);
      }
    }
  }
  gguf::Metadata m;
  m.set("tokenizer.ggml.model", gguf::Value::string("llama"));
  m.set("tokenizer.ggml.scores", gguf::Value::arrayOf(scores));
  m.set("tokenizer.ggml.tokens", gguf::Value::arrayOfStrings(tokens));
  Tokenizer t = makeTokenizer(m);
  EXPECT_EQ(t.vocabSize(), 36534u);
  EXPECT_EQ(t.bos(), -1);
  EXPECT_EQ(t.unknown(), -1);

  std::mt19937 rng(7);
  std::string text;
  while (text.size() < 4096)
    text += rng() % 6 == 0 ? ' ' : letters[rng() % 26];
  std::vector<int32_t> ids = t.encode(text, true);
  EXPECT_EQ(t.decode(ids), text);
  EXPECT_LT(ids.size(), text.size() / 2);
}

//===----------------------------------------------------------------------===//
// gpt2
//===----------------------------------------------------------------------===//

TEST(Gpt2Tokenizer, ReadsMetadata) {
  Tokenizer t = makeTokenizer(gpt2Metadata());
  EXPECT_EQ(t.kind(), TokenizerKind::BytePair);
  EXPECT_EQ(t.vocabSize(), 265u);
  EXPECT_FALSE(t.addBosByDefault());
  EXPECT_FALSE(t.addSpacePrefix());
  EXPECT_EQ(t.bos(), kEndOfText);
  EXPECT_TRUE(t.isEndOfGeneration(kEndOfText));
}

TEST(Gpt2Tokenizer, ExactIds) {
  Tokenizer t = makeTokenizer(gpt2Metadata());
  // Pre-tokens: "the" " cat" "'s" " 42" "  " " on" " the" "\n"; the run of
  // three spaces leaves its last space to " on".
  EXPECT_EQ(t.encode("the cat's 42   on the\n", false),
            (std::vector<int32_t>{'t', 257, ' ', 'c', 'a', 't', 259, 261, 262,
                                  ' ', 263, 258, '\n'}));
  // Contractions split off words; " 's" is space + punctuation, then "s".
  EXPECT_EQ(t.encode("he's", false), (std::vector<int32_t>{257, 259}));
  EXPECT_EQ(t.encode(" 's", false), (std::vector<int32_t>{' ', '\'', 's'}));
  // Digits and letters are separate pre-tokens: "x42" is "x" "42".
  EXPECT_EQ(t.encode("x42", false), (std::vector<int32_t>{'x', 260}));
  // "x y" merges into "xy", which is no token: given as "x" "y".
  EXPECT_EQ(t.encode("xy", false), (std::vector<int32_t>{'x', 'y'}));
  // Non-ASCII bytes are letters: one pre-token, one id per byte here.
  EXPECT_EQ(t.encode("h\xC3\xA9", false),
            (std::vector<int32_t>{'h', 0xC3, 0xA9}));
  // A newline before a word is its own pre-token ("\n" then "on").
  EXPECT_EQ(t.encode("\n\non", false),
            (std::vector<int32_t>{'\n', '\n', 263}));
  EXPECT_EQ(t.encode("", true), std::vector<int32_t>{kEndOfText});
  EXPECT_EQ(t.encode("on", true), (std::vector<int32_t>{kEndOfText, 263}));
}

TEST(Gpt2Tokenizer, TokenText) {
  Tokenizer t = makeTokenizer(gpt2Metadata());
  EXPECT_EQ(t.tokenText(' '), " ");
  EXPECT_EQ(t.tokenText('\n'), "\n");
  EXPECT_EQ(t.tokenText(0), std::string(1, '\0'));
  EXPECT_EQ(t.tokenText(0xAD), "\xAD");
  EXPECT_EQ(t.tokenText(0xC3), "\xC3");
  EXPECT_EQ(t.tokenText(258), " the");
  EXPECT_EQ(t.tokenText(262), "  ");
  EXPECT_EQ(t.tokenText(kEndOfText), "");
  EXPECT_EQ(t.decode({kEndOfText, 258, 263}), " theon");
}

TEST(Gpt2Tokenizer, RoundTripsRandomText) {
  Tokenizer t = makeTokenizer(gpt2Metadata());
  std::mt19937 rng(99);
  for (int i = 0; i < 3000; ++i) {
    std::string text = i % 3 == 0   ? randomAscii(rng)
                       : i % 3 == 1 ? randomUtf8(rng)
                                    : randomBytes(rng);
    std::vector<int32_t> ids = t.encode(text, i % 2 == 0);
    ASSERT_EQ(t.decode(ids), text) << "text #" << i;
  }
}

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

namespace {

/// Expects fromMetadata(m) to fail with one line mentioning `key`.
void expectError(const gguf::Metadata &m, const std::string &key) {
  gguf::Expected<Tokenizer> t = Tokenizer::fromMetadata(m);
  ASSERT_FALSE(t.hasValue()) << "expected an error about " << key;
  EXPECT_NE(t.message().find(key), std::string::npos) << t.message();
  EXPECT_EQ(t.message().find('\n'), std::string::npos) << t.message();
}

} // namespace

TEST(TokenizerErrors, MissingOrUnknownModel) {
  gguf::Metadata m = llamaMetadata();
  m.remove("tokenizer.ggml.model");
  expectError(m, "tokenizer.ggml.model");
  m.set("tokenizer.ggml.model", gguf::Value::string("bert"));
  expectError(m, "tokenizer.ggml.model");
  m.set("tokenizer.ggml.model", gguf::Value::u32(1));
  expectError(m, "tokenizer.ggml.model");
}

TEST(TokenizerErrors, MissingOrIllTypedTokens) {
  gguf::Metadata m = llamaMetadata();
  m.remove("tokenizer.ggml.tokens");
  expectError(m, "tokenizer.ggml.tokens");
  m.set("tokenizer.ggml.tokens", gguf::Value::arrayOf(std::vector<int32_t>{1}));
  expectError(m, "tokenizer.ggml.tokens");
  m.set("tokenizer.ggml.tokens", gguf::Value::arrayOfStrings({}));
  expectError(m, "tokenizer.ggml.tokens");
}

TEST(TokenizerErrors, ScoresAndTypes) {
  gguf::Metadata m = llamaMetadata();
  m.set("tokenizer.ggml.scores",
        gguf::Value::arrayOf(std::vector<float>(10, 0.0f)));
  expectError(m, "tokenizer.ggml.scores");
  m.remove("tokenizer.ggml.scores");
  expectError(m, "tokenizer.ggml.scores");

  m = llamaMetadata();
  m.set("tokenizer.ggml.token_type",
        gguf::Value::arrayOf(std::vector<int32_t>(3, 1)));
  expectError(m, "tokenizer.ggml.token_type");
  size_t n = makeTokenizer(llamaMetadata()).vocabSize();
  m.set("tokenizer.ggml.token_type",
        gguf::Value::arrayOf(std::vector<int32_t>(n, 9)));
  expectError(m, "tokenizer.ggml.token_type");
}

TEST(TokenizerErrors, SpecialIds) {
  gguf::Metadata m = llamaMetadata();
  m.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(100000));
  expectError(m, "tokenizer.ggml.bos_token_id");
  m = llamaMetadata();
  m.set("tokenizer.ggml.eos_token_id", gguf::Value::f32(2));
  expectError(m, "tokenizer.ggml.eos_token_id");
  m = llamaMetadata();
  m.set("tokenizer.ggml.unknown_token_id", gguf::Value::u64(1ull << 40));
  expectError(m, "tokenizer.ggml.unknown_token_id");
  m = llamaMetadata();
  m.set("tokenizer.ggml.add_bos_token", gguf::Value::u8(1));
  expectError(m, "tokenizer.ggml.add_bos_token");
  // A negative id means "none".
  m = llamaMetadata();
  m.set("tokenizer.ggml.bos_token_id", gguf::Value::i32(-1));
  EXPECT_EQ(makeTokenizer(m).bos(), -1);
}

TEST(TokenizerErrors, Merges) {
  gguf::Metadata m = gpt2Metadata();
  m.remove("tokenizer.ggml.merges");
  expectError(m, "tokenizer.ggml.merges");
  m.set("tokenizer.ggml.merges", gguf::Value::arrayOfStrings({"h e", "he"}));
  expectError(m, "tokenizer.ggml.merges");
}
