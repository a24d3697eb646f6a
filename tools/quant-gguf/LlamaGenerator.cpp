//===- LlamaGenerator.cpp - Synthetic llama GGUF models -------------------===//

#include "LlamaGenerator.h"

#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"
#include "quant/formats/Half.h"
#include "quant/gguf/Writer.h"
#include "quant/models/Mixing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <unordered_set>

namespace quant::tool {

namespace {

//===-- Pseudo-random numbers ---------------------------------------------===//

using models::splitmix64;

/// 64-bit FNV-1a of a tensor name.
uint64_t hashName(const std::string &name) {
  return models::fnv1a64(name.data(), name.size());
}

/// The generator state of one row: a function of seed, name and row only.
uint64_t rowState(uint64_t seed, const std::string &name, uint64_t row) {
  uint64_t s = seed;
  uint64_t tensorKey = splitmix64(s) ^ hashName(name);
  uint64_t r = tensorKey + row * 0xD1B54A32D192ED03ull;
  splitmix64(r);
  return r;
}

//===-- Tensors -----------------------------------------------------------===//

/// One tensor of the model: name, dims (innermost first), type, and how its
/// values are drawn.
struct TensorPlan {
  std::string name;
  std::vector<uint64_t> dims;
  uint32_t type = gguf::kTypeF32;
  bool isNorm = false;
  /// Standard deviation of matrix elements.
  double scale = 1.0;
};

std::string blockName(uint32_t layer, const char *kind) {
  return "blk." + std::to_string(layer) + "." + kind + ".weight";
}

uint32_t embeddingTypeOf(const SyntheticLlamaOptions &o) {
  return o.embeddingType.value_or(o.matrixType);
}
uint32_t outputTypeOf(const SyntheticLlamaOptions &o) {
  return o.outputType.value_or(o.matrixType);
}

/// Every tensor of the model, in file order.
std::vector<TensorPlan> planTensors(const SyntheticLlamaOptions &o) {
  uint64_t dim = o.dim, kvDim = uint64_t(o.dim / o.heads) * o.kvHeads,
           ffn = o.ffnDim;
  double dimScale = 1.0 / std::sqrt(double(dim));
  double ffnScale = 1.0 / std::sqrt(double(ffn));
  std::vector<TensorPlan> plans;
  plans.push_back({"token_embd.weight", {dim, o.vocab}, embeddingTypeOf(o),
                   false, 1.0});
  for (uint32_t l = 0; l < o.layers; ++l) {
    plans.push_back({blockName(l, "attn_norm"), {dim}, gguf::kTypeF32, true});
    plans.push_back(
        {blockName(l, "attn_q"), {dim, dim}, o.matrixType, false, dimScale});
    plans.push_back(
        {blockName(l, "attn_k"), {dim, kvDim}, o.matrixType, false, dimScale});
    plans.push_back(
        {blockName(l, "attn_v"), {dim, kvDim}, o.matrixType, false, dimScale});
    plans.push_back({blockName(l, "attn_output"),
                     {dim, dim},
                     o.matrixType,
                     false,
                     dimScale});
    plans.push_back({blockName(l, "ffn_norm"), {dim}, gguf::kTypeF32, true});
    plans.push_back(
        {blockName(l, "ffn_gate"), {dim, ffn}, o.matrixType, false, dimScale});
    plans.push_back(
        {blockName(l, "ffn_up"), {dim, ffn}, o.matrixType, false, dimScale});
    plans.push_back(
        {blockName(l, "ffn_down"), {ffn, dim}, o.matrixType, false, ffnScale});
  }
  plans.push_back({"output_norm.weight", {dim}, gguf::kTypeF32, true});
  if (!o.tied)
    plans.push_back({"output.weight", {dim, o.vocab}, outputTypeOf(o), false,
                     dimScale});
  return plans;
}

/// Encodes one float row of `n` elements into `type` at `out`.
void encodeRow(uint32_t type, const float *row, size_t n, uint8_t *out) {
  switch (type) {
  case gguf::kTypeF32:
    std::memcpy(out, row, n * sizeof(float));
    return;
  case gguf::kTypeF16:
  case gguf::kTypeBF16:
    for (size_t i = 0; i < n; ++i) {
      uint16_t h = type == gguf::kTypeF16 ? quant::fmt::floatToHalf(row[i])
                                          : quant::fmt::floatToBf16(row[i]);
      std::memcpy(out + 2 * i, &h, 2);
    }
    return;
  default:
    quant::fmt::quantizeRow(*gguf::blockFormatOf(type), row, n, out);
    return;
  }
}

/// Generates and encodes rows [begin, end) of `plan` into `out`.
void produceRows(const TensorPlan &plan, uint64_t seed, size_t rowBytes,
                 uint64_t begin, uint64_t end, uint8_t *out) {
  size_t cols = static_cast<size_t>(plan.dims[0]);
  std::vector<float> row(cols);
  for (uint64_t r = begin; r < end; ++r) {
    syntheticRow(seed, plan.name, r, plan.isNorm, plan.scale, row.data(),
                 cols);
    encodeRow(plan.type, row.data(), cols, out + r * rowBytes);
  }
}

//===-- Vocabulary --------------------------------------------------------===//

const char *const kSpaceMarker = "\xe2\x96\x81"; // U+2581, SentencePiece's space

/// Frequent-looking English pieces; "_" stands for the word-start marker.
const char *const kEnglishPieces[] = {
    "_t",    "_a",    "he",     "in",    "_the",  "er",    "on",    "re",
    "an",    "at",    "en",     "ed",    "nd",    "ou",    "es",    "or",
    "ing",   "_s",    "_w",     "it",    "is",    "_c",    "_o",    "ar",
    "al",    "_b",    "_f",     "_p",    "_m",    "le",    "ic",    "_d",
    "_h",    "ro",    "ion",    "_of",   "_and",  "_to",   "_in",   "as",
    "om",    "_th",   "ent",    "il",    "_re",   "st",    "ve",    "ly",
    "_is",   "_that", "ation",  "_for",  "ll",    "ch",    "_be",   "_on",
    "_with", "ut",    "_it",    "_was",  "ad",    "ow",    "ce",    "id",
    "_as",   "_he",   "ur",     "ers",   "ec",    "_you",  "_st",   "ay",
    "ter",   "_are",  "ith",    "_an",   "ig",    "_at",   "ver",   "ot",
    "_by",   "_this", "_have",  "_from", "_not",  "_or",   "_we",   "_his",
    "_but",  "_they", "ment",   "ate",   "_can",  "_all",  "_one",  "ould",
    "_will", "_there", "_which", "_their", "_more", "ight", "ous",  "ies",
};

/// The piece with "_" replaced by `space`.
std::string withSpace(const char *piece, const std::string &space) {
  std::string s;
  for (const char *p = piece; *p; ++p) {
    if (*p == '_')
      s += space;
    else
      s += *p;
  }
  return s;
}

/// Calls add(piece) for lower-case letter strings of growing length, each
/// with and without the word-start marker, until add returns false.
template <typename Fn> void generateCombos(const std::string &space, Fn add) {
  for (size_t length = 2; length <= 12; ++length) {
    std::vector<int> letters(length, 0);
    while (true) {
      std::string word;
      for (int c : letters)
        word += char('a' + c);
      if (!add(space + word) || !add(word))
        return;
      size_t i = length;
      while (i > 0 && letters[i - 1] == 25)
        letters[--i] = 0;
      if (i == 0)
        break;
      ++letters[i - 1];
    }
  }
}

SyntheticVocab llamaVocab(uint32_t size) {
  SyntheticVocab v;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string token, int32_t type, float score) {
    if (v.tokens.size() >= size || !seen.insert(token).second)
      return;
    v.tokens.push_back(std::move(token));
    v.types.push_back(type);
    v.scores.push_back(score);
  };
  add("<unk>", 2, 0.0f);
  add("<s>", 3, 0.0f);
  add("</s>", 3, 0.0f);
  for (unsigned b = 0; b < 256; ++b)
    add(::fmt::format("<0x{:02X}>", b), 6, 0.0f);
  auto piece = [&](std::string token) {
    add(std::move(token), 1, -static_cast<float>(v.tokens.size()));
    return v.tokens.size() < size;
  };
  for (char c = 0x21; c < 0x7F; ++c)
    piece(std::string(1, c));
  piece(kSpaceMarker);
  for (char c = 'a'; c <= 'z'; ++c)
    piece(kSpaceMarker + std::string(1, c));
  for (const char *p : kEnglishPieces)
    piece(withSpace(p, kSpaceMarker));
  if (v.tokens.size() < size)
    generateCombos(kSpaceMarker, piece);
  v.unknown = 0;
  v.bos = 1;
  v.eos = 2;
  return v;
}

/// Appends the UTF-8 encoding of code point `cp` (< 0x800) to `out`.
void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  }
}

/// Splits UTF-8 text into its characters.
std::vector<std::string> utf8Chars(const std::string &s) {
  std::vector<std::string> chars;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0xF0)
      len = 4;
    else if (c >= 0xE0)
      len = 3;
    else if (c >= 0xC0)
      len = 2;
    chars.push_back(s.substr(i, len));
    i += len;
  }
  return chars;
}

SyntheticVocab gpt2Vocab(uint32_t size) {
  SyntheticVocab v;
  std::unordered_set<std::string> seen;
  // The base characters in GPT-2's order: the bytes that stand for
  // themselves, then the others.
  std::vector<uint8_t> order;
  for (unsigned b = 0; b < 256; ++b)
    if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)
      order.push_back(uint8_t(b));
  for (unsigned b = 0; b < 256; ++b)
    if (!((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174))
      order.push_back(uint8_t(b));
  for (uint8_t b : order) {
    v.tokens.push_back(gpt2ByteChar(b));
    v.types.push_back(1);
    seen.insert(v.tokens.back());
  }
  uint32_t pieceLimit = size - 1; // the last token is <|endoftext|>
  // Adds `chars` as a token merged from its prefix and last character,
  // adding the prefix first when needed. False when the vocabulary is full
  // or a character is not a base token.
  std::function<bool(const std::vector<std::string> &)> addMerged =
      [&](const std::vector<std::string> &chars) -> bool {
    std::string text;
    for (const std::string &c : chars)
      text += c;
    if (seen.count(text))
      return true;
    if (chars.size() < 2 || v.tokens.size() >= pieceLimit)
      return false;
    std::vector<std::string> prefix(chars.begin(), chars.end() - 1);
    if (!addMerged(prefix) || v.tokens.size() >= pieceLimit)
      return false;
    std::string left;
    for (const std::string &c : prefix)
      left += c;
    v.merges.push_back(left + " " + chars.back());
    v.tokens.push_back(text);
    v.types.push_back(1);
    seen.insert(text);
    return true;
  };
  std::string space = gpt2ByteChar(' ');
  for (const char *p : kEnglishPieces)
    addMerged(utf8Chars(withSpace(p, space)));
  if (v.tokens.size() < pieceLimit)
    generateCombos(space, [&](const std::string &piece) {
      addMerged(utf8Chars(piece));
      return v.tokens.size() < pieceLimit;
    });
  v.bos = v.eos = static_cast<uint32_t>(v.tokens.size());
  v.tokens.push_back("<|endoftext|>");
  v.types.push_back(3);
  return v;
}

/// "f32", "q4_0", ...
std::string typeText(uint32_t type) { return gguf::typeName(type); }

/// Checks that `type` is known and that rows of `length` fit its blocks.
std::string checkRows(uint32_t type, const char *formatFlag, uint64_t length,
                      const char *lengthFlag) {
  if (!gguf::isKnownType(type))
    return ::fmt::format("{}: unknown tensor type {}", formatFlag,
                         typeText(type));
  uint64_t block = gguf::typeBlockSize(type);
  if (length % block != 0)
    return ::fmt::format("{} {}: row length {} ({}) is not a multiple of the "
                         "{} block size {}",
                         formatFlag, typeText(type), length, lengthFlag,
                         typeText(type), block);
  return "";
}

} // namespace

//===-- Public functions --------------------------------------------------===//

std::string gpt2ByteChar(uint8_t b) {
  bool self = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
  uint32_t cp = b;
  if (!self) {
    uint32_t n = 0;
    for (unsigned c = 0; c < b; ++c)
      if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174))
        ++n;
    cp = 256 + n;
  }
  std::string s;
  appendUtf8(s, cp);
  return s;
}

SyntheticVocab syntheticVocab(SyntheticTokenizer tokenizer, uint32_t size) {
  return tokenizer == SyntheticTokenizer::Llama ? llamaVocab(size)
                                                : gpt2Vocab(size);
}

void syntheticRow(uint64_t seed, const std::string &tensorName, uint64_t row,
                  bool isNorm, double scale, float *out, size_t cols) {
  uint64_t state = rowState(seed, tensorName, row);
  if (isNorm) {
    for (size_t i = 0; i < cols; ++i) {
      double u = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
      out[i] = static_cast<float>(1.0 + 0.1 * (2.0 * u - 1.0));
    }
    return;
  }
  // Irwin-Hall with four uniforms (the four 16-bit quarters of one draw):
  // mean 2, variance 4/12, so (sum - 2) * sqrt(3) has unit variance.
  const double k = std::sqrt(3.0) * scale;
  for (size_t i = 0; i < cols; ++i) {
    uint64_t bits = splitmix64(state);
    double sum = 0;
    for (int q = 0; q < 4; ++q)
      sum += (static_cast<double>((bits >> (16 * q)) & 0xFFFF) + 0.5) *
             (1.0 / 65536.0);
    out[i] = static_cast<float>((sum - 2.0) * k);
  }
}

std::string checkSyntheticLlama(const SyntheticLlamaOptions &o) {
  struct Size {
    const char *flag;
    uint32_t value;
  } sizes[] = {{"--dim", o.dim},         {"--layers", o.layers},
               {"--heads", o.heads},     {"--kv-heads", o.kvHeads},
               {"--ffn", o.ffnDim},      {"--vocab", o.vocab},
               {"--context", o.contextLength}};
  for (const Size &s : sizes)
    if (s.value == 0 || s.value > kMaxSyntheticSize)
      return ::fmt::format("{} {} is out of range (1 to {})", s.flag, s.value,
                           kMaxSyntheticSize);
  if (o.dim % o.heads != 0)
    return ::fmt::format("--dim {} is not a multiple of --heads {}", o.dim,
                         o.heads);
  if (o.heads % o.kvHeads != 0)
    return ::fmt::format("--heads {} is not a multiple of --kv-heads {}",
                         o.heads, o.kvHeads);
  if ((o.dim / o.heads) % 2 != 0)
    return ::fmt::format("head dimension {} (--dim {} / --heads {}) must be "
                         "even for RoPE",
                         o.dim / o.heads, o.dim, o.heads);
  if (!(o.ropeFreqBase > 0) || !std::isfinite(o.ropeFreqBase))
    return ::fmt::format("--rope-base {} must be positive and finite",
                         o.ropeFreqBase);
  if (!(o.rmsEpsilon > 0) || !std::isfinite(o.rmsEpsilon))
    return ::fmt::format("--rms-eps {} must be positive and finite",
                         o.rmsEpsilon);
  uint32_t minVocab = o.tokenizer == SyntheticTokenizer::Llama ? kMinLlamaVocab
                                                               : kMinGpt2Vocab;
  if (o.vocab < minVocab)
    return ::fmt::format("--vocab {} is too small for the {} tokenizer (at "
                         "least {})",
                         o.vocab,
                         o.tokenizer == SyntheticTokenizer::Llama ? "llama"
                                                                  : "gpt2",
                         minVocab);
  if (o.tied && o.outputType)
    return "--output-format cannot be used with --tied (the output "
           "projection is token_embd.weight)";
  std::string why = checkRows(o.matrixType, "--format", o.dim, "--dim");
  if (why.empty())
    why = checkRows(o.matrixType, "--format", o.ffnDim, "--ffn");
  if (why.empty())
    why = checkRows(embeddingTypeOf(o), "--embedding-format", o.dim, "--dim");
  if (why.empty() && !o.tied)
    why = checkRows(outputTypeOf(o), "--output-format", o.dim, "--dim");
  if (!why.empty())
    return why;
  for (const TensorPlan &p : planTensors(o)) {
    gguf::Expected<uint64_t> bytes = gguf::tensorByteSize(p.type, p.dims);
    if (!bytes)
      return ::fmt::format("tensor {}: {}", p.name, bytes.message());
    if (*bytes > kMaxSyntheticTensorBytes)
      return ::fmt::format("tensor {} would take {} bytes (at most {} per "
                           "tensor)",
                           p.name, *bytes, kMaxSyntheticTensorBytes);
  }
  return "";
}

gguf::Error buildSyntheticLlama(gguf::Writer &writer,
                                const SyntheticLlamaOptions &o,
                                SyntheticProgress progress) {
  if (std::string why = checkSyntheticLlama(o); !why.empty())
    return gguf::Error::failure(why);

  gguf::Metadata &md = writer.metadata();
  std::string name = o.name.empty()
                         ? ::fmt::format("synthetic llama {}x{} {}",
                                         o.layers, o.dim,
                                         typeText(o.matrixType))
                         : o.name;
  md.set("general.architecture", gguf::Value::string("llama"));
  md.set("general.name", gguf::Value::string(name));
  if (gguf::Error e = writer.setAlignment(32))
    return e;
  md.set("general.quantization_version", gguf::Value::u32(2));
  md.set("llama.context_length", gguf::Value::u32(o.contextLength));
  md.set("llama.embedding_length", gguf::Value::u32(o.dim));
  md.set("llama.block_count", gguf::Value::u32(o.layers));
  md.set("llama.feed_forward_length", gguf::Value::u32(o.ffnDim));
  md.set("llama.rope.dimension_count", gguf::Value::u32(o.dim / o.heads));
  md.set("llama.attention.head_count", gguf::Value::u32(o.heads));
  md.set("llama.attention.head_count_kv", gguf::Value::u32(o.kvHeads));
  md.set("llama.attention.layer_norm_rms_epsilon",
         gguf::Value::f32(o.rmsEpsilon));
  md.set("llama.rope.freq_base", gguf::Value::f32(o.ropeFreqBase));

  SyntheticVocab vocab = syntheticVocab(o.tokenizer, o.vocab);
  bool llama = o.tokenizer == SyntheticTokenizer::Llama;
  md.set("tokenizer.ggml.model", gguf::Value::string(llama ? "llama" : "gpt2"));
  md.set("tokenizer.ggml.tokens",
         gguf::Value::arrayOfStrings(std::move(vocab.tokens)));
  if (llama)
    md.set("tokenizer.ggml.scores", gguf::Value::arrayOf(vocab.scores));
  md.set("tokenizer.ggml.token_type", gguf::Value::arrayOf(vocab.types));
  if (!llama)
    md.set("tokenizer.ggml.merges",
           gguf::Value::arrayOfStrings(std::move(vocab.merges)));
  md.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(vocab.bos));
  md.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(vocab.eos));
  if (vocab.unknown)
    md.set("tokenizer.ggml.unknown_token_id", gguf::Value::u32(*vocab.unknown));

  std::vector<TensorPlan> plans = planTensors(o);
  unsigned threads =
      o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  uint64_t seed = o.seed;
  for (size_t i = 0; i < plans.size(); ++i) {
    gguf::TensorInfo info;
    info.name = plans[i].name;
    info.dims = plans[i].dims;
    info.type = plans[i].type;
    info.byteSize = *gguf::tensorByteSize(info.type, info.dims);
    size_t count = plans.size();
    gguf::TensorProducer producer = [plan = plans[i], info, i, count, seed,
                                     threads, progress](uint8_t *out,
                                                        size_t size) {
      if (progress)
        progress(i, count, info, false);
      uint64_t rows = info.numRows();
      if (size != info.byteSize)
        return gguf::Error::failure("internal error: size mismatch");
      size_t rowBytes = static_cast<size_t>(size / rows);
      unsigned n = static_cast<unsigned>(std::min<uint64_t>(threads, rows));
      if (info.numElements() < (1u << 16))
        n = 1;
      if (n <= 1) {
        produceRows(plan, seed, rowBytes, 0, rows, out);
      } else {
        std::vector<std::thread> pool;
        uint64_t chunk = (rows + n - 1) / n;
        for (unsigned t = 0; t < n; ++t) {
          uint64_t begin = t * chunk, end = std::min(rows, begin + chunk);
          if (begin < end)
            pool.emplace_back(
                [&, begin, end] {
                  produceRows(plan, seed, rowBytes, begin, end, out);
                });
        }
        for (std::thread &th : pool)
          th.join();
      }
      if (progress)
        progress(i, count, info, true);
      return gguf::Error::success();
    };
    if (gguf::Error e = writer.addTensor(info.name, info.dims, info.type,
                                         std::move(producer)))
      return e;
  }
  return gguf::Error::success();
}

gguf::Error writeSyntheticLlama(const std::string &path,
                                const SyntheticLlamaOptions &options,
                                SyntheticProgress progress) {
  gguf::Writer writer;
  if (gguf::Error e = buildSyntheticLlama(writer, options, std::move(progress)))
    return e.withPrefix(path + ": ");
  return writer.writeFile(path);
}

} // namespace quant::tool
