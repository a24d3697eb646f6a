//===- MakeLlama.cpp - quant-gguf make-llama: a synthetic llama model -----===//
//
// Writes a llama-architecture GGUF file with deterministic pseudo-random
// weights (LlamaGenerator.h): any shape from a tiny test model to a
// TinyLlama-sized one, matrices in any GGUF type the library knows. Tensors
// are generated and encoded one at a time while the file is written.
//
//===----------------------------------------------------------------------===//

#include "LlamaGenerator.h"
#include "Tool.h"

#include "quant/gguf/Tensor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace quant::tool {

namespace {
const char *const kMakeLlamaHelp =
    R"(usage: quant-gguf make-llama OUT.gguf [options]

Writes a llama-architecture GGUF model with deterministic pseudo-random
weights (matrices with std 1/sqrt(fan_in), token embedding std 1, norm
weights 1 + U(-0.1, 0.1) in f32) and a synthetic tokenizer. The weights
depend only on the seed, the tensor name and the shapes, not on the formats.
Tensors are generated one at a time; OUT is written to a temporary file and
renamed into place on success.

options:
  --dim N                 model width (default 64)
  --layers N              transformer blocks (default 2)
  --heads N               attention heads (default 4)
  --kv-heads N            key/value heads, dividing --heads (default 2)
  --ffn N                 feed-forward width (default 128)
  --vocab N               vocabulary size (default 320; llama tokenizer at
                          least 262, gpt2 at least 257)
  --context N             context length (default 128)
  --rope-base X           RoPE frequency base (default 10000)
  --rms-eps X             RMSNorm epsilon (default 1e-5)
  --format F              type of the 2-D weight matrices (default q8_0):
                          {}
  --output-format F       type of output.weight (default: --format)
  --embedding-format F    type of token_embd.weight (default: --format)
  --tied                  no output.weight: the output projection reuses
                          token_embd.weight
  --tokenizer llama|gpt2  tokenizer vocabulary (default llama)
  --seed N                seed of the weights (default 1)
  --threads N             threads encoding rows (default: all cores)
  -h, --help              show this help
)";

/// Every type name make-llama accepts: the plain types, then the formats.
std::vector<std::string> typeNames() {
  std::vector<std::string> names = {"f32", "f16", "bf16"};
  for (const std::string &n : ggufWritableFormats())
    names.push_back(n);
  return names;
}

/// Parses an unsigned decimal integer; false on anything else.
bool parseUnsigned(const std::string &text, uint64_t max, uint64_t &out) {
  if (text.empty() || text.size() > 20)
    return false;
  for (char c : text)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  errno = 0;
  char *end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v > max)
    return false;
  out = v;
  return true;
}

/// Parses a finite decimal or scientific number; false on anything else.
bool parseNumber(const std::string &text, double &out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    return false;
  errno = 0;
  char *end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || *end != '\0' || !std::isfinite(v))
    return false;
  out = v;
  return true;
}

std::string lower(std::string s) {
  for (char &c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
} // namespace

int runMakeLlama(const std::vector<std::string> &argv) {
  const char *const command = "make-llama";
  Args args;
  int exitCode = 0;
  std::vector<OptionSpec> specs = {
      {"--dim", "", true},        {"--layers", "", true},
      {"--heads", "", true},      {"--kv-heads", "", true},
      {"--ffn", "", true},        {"--vocab", "", true},
      {"--context", "", true},    {"--rope-base", "", true},
      {"--rms-eps", "", true},    {"--format", "-f", true},
      {"--output-format", "", true}, {"--embedding-format", "", true},
      {"--tied", "", false},      {"--tokenizer", "", true},
      {"--seed", "", true},       {"--threads", "", true},
  };
  if (!parseArgs(command, argv, specs, args, exitCode))
    return exitCode;
  std::string typeList = ::fmt::format("{}", ::fmt::join(typeNames(), ", "));
  if (args.help) {
    ::fmt::print(kMakeLlamaHelp, typeList);
    return 0;
  }
  if (args.positional.size() != 1)
    return reportUsageError(command, args.positional.empty()
                                         ? "missing OUT.gguf"
                                         : "too many arguments");
  const std::string &outPath = args.positional[0];

  SyntheticLlamaOptions options;
  auto option = [&](const char *name) -> const std::string * {
    auto it = args.options.find(name);
    return it == args.options.end() ? nullptr : &it->second;
  };
  struct SizeOption {
    const char *name;
    uint32_t *field;
  } sizes[] = {{"--dim", &options.dim},         {"--layers", &options.layers},
               {"--heads", &options.heads},     {"--kv-heads", &options.kvHeads},
               {"--ffn", &options.ffnDim},      {"--vocab", &options.vocab},
               {"--context", &options.contextLength}};
  for (const SizeOption &s : sizes) {
    const std::string *text = option(s.name);
    if (!text)
      continue;
    uint64_t v = 0;
    if (!parseUnsigned(*text, kMaxSyntheticSize, v) || v == 0)
      return reportUsageError(
          command, ::fmt::format("{} expects an integer from 1 to {}, got '{}'",
                                 s.name, kMaxSyntheticSize,
                                 gguf::escapeForDisplay(*text)));
    *s.field = static_cast<uint32_t>(v);
  }
  struct FloatOption {
    const char *name;
    float *field;
  } floats[] = {{"--rope-base", &options.ropeFreqBase},
                {"--rms-eps", &options.rmsEpsilon}};
  for (const FloatOption &f : floats) {
    const std::string *text = option(f.name);
    if (!text)
      continue;
    double v = 0;
    if (!parseNumber(*text, v) || !(v > 0) || v > 3.0e38)
      return reportUsageError(
          command, ::fmt::format("{} expects a positive number, got '{}'",
                                 f.name, gguf::escapeForDisplay(*text)));
    *f.field = static_cast<float>(v);
    if (!(*f.field > 0))
      return reportUsageError(command,
                              ::fmt::format("{} {} underflows float32", f.name,
                                            gguf::escapeForDisplay(*text)));
  }
  if (const std::string *text = option("--seed")) {
    if (!parseUnsigned(*text, UINT64_MAX, options.seed))
      return reportUsageError(
          command,
          ::fmt::format("--seed expects a non-negative integer, got '{}'",
                        gguf::escapeForDisplay(*text)));
  }
  if (const std::string *text = option("--threads")) {
    uint64_t v = 0;
    if (!parseUnsigned(*text, 1024, v) || v == 0)
      return reportUsageError(
          command, ::fmt::format("--threads expects an integer from 1 to "
                                 "1024, got '{}'",
                                 gguf::escapeForDisplay(*text)));
    options.threads = static_cast<unsigned>(v);
  }
  struct TypeOption {
    const char *name;
    std::optional<uint32_t> *field;
  };
  std::optional<uint32_t> matrixType;
  TypeOption types[] = {{"--format", &matrixType},
                        {"--output-format", &options.outputType},
                        {"--embedding-format", &options.embeddingType}};
  for (const TypeOption &t : types) {
    const std::string *text = option(t.name);
    if (!text)
      continue;
    std::optional<uint32_t> id = gguf::typeFromName(lower(*text));
    if (!id)
      return reportError(::fmt::format("{}: unknown format '{}' (formats: {})",
                                       t.name, gguf::escapeForDisplay(*text),
                                       typeList));
    *t.field = *id;
  }
  if (matrixType)
    options.matrixType = *matrixType;
  options.tied = option("--tied") != nullptr;
  if (const std::string *text = option("--tokenizer")) {
    if (*text == "llama")
      options.tokenizer = SyntheticTokenizer::Llama;
    else if (*text == "gpt2")
      options.tokenizer = SyntheticTokenizer::Gpt2;
    else
      return reportUsageError(
          command, ::fmt::format("--tokenizer expects llama or gpt2, got '{}'",
                                 gguf::escapeForDisplay(*text)));
  }
  if (std::string why = checkSyntheticLlama(options); !why.empty())
    return reportError(why);

  // Progress: one line per tensor, its head when it starts and its size
  // when it is written.
  size_t nameWidth =
      ::fmt::format("blk.{}.attn_output.weight", options.layers - 1).size();
  uint64_t parameters = 0, bytes = 0;
  bool lineOpen = false;
  auto start = std::chrono::steady_clock::now();
  auto progress = [&](size_t index, size_t count,
                      const gguf::TensorInfo &tensor, bool done) {
    if (!done) {
      size_t countWidth = ::fmt::format("{}", count).size();
      ::fmt::print("[{:>{}}/{}] {:<{}}  {:<6}  {:<13}  ...", index + 1,
                   countWidth, count, tensor.name, nameWidth,
                   gguf::typeName(tensor.type), tensor.shapeString());
      lineOpen = true;
    } else {
      parameters += tensor.numElements();
      bytes += tensor.byteSize;
      double seconds = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      ::fmt::print(" {}  ({:.1f} s)\n", humanBytes(tensor.byteSize), seconds);
      lineOpen = false;
    }
    std::fflush(stdout);
  };
  if (gguf::Error e = writeSyntheticLlama(outPath, options, progress)) {
    // End a progress line left open by a failing tensor.
    if (lineOpen)
      std::fputs("\n", stdout);
    std::fflush(stdout);
    return reportError(e.message());
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ::fmt::print("wrote {}: {} layers, dim {}, {} parameters, tensor data {}, "
               "{:.1f} s\n",
               outPath, options.layers, options.dim, parameters,
               humanBytes(bytes), seconds);
  return 0;
}

} // namespace quant::tool
