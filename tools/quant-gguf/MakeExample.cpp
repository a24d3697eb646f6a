//===- MakeExample.cpp - quant-gguf make-example: a small f32 GGUF file ---===//
//
// Writes a deterministic llama-style f32 file: 2-D tensors whose row lengths
// exercise every block size (256, 32 only, neither), a 1-D norm vector, and
// metadata of several types including string and nested arrays. Used by the
// README demo and the tool tests.
//
//===----------------------------------------------------------------------===//

#include "Tool.h"

#include "quant/gguf/Writer.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace quant::tool {

namespace {
const char *const kMakeExampleHelp =
    R"(usage: quant-gguf make-example OUT.gguf [--seed N]

Writes a small deterministic llama-style GGUF file with f32 tensors:
  token_embd.weight        64 x 256   (row length 256: every format applies)
  blk.0.attn_norm.weight   256        (1-D: never quantized)
  blk.0.attn_q.weight      256 x 256
  blk.0.ffn_down.weight    64 x 512
  blk.0.attn_k.weight      32 x 96    (row length 96: 32-blocks only)
  blk.0.attn_v.weight      12 x 100   (row length 100: never quantized)
and metadata including string, f32, i32 and nested arrays.

options:
  --seed N     seed of the generator (default 1)
  -h, --help   show this help
)";

/// A small deterministic generator (xorshift64*), independent of the C++
/// library's distributions so that files are identical everywhere.
class Rng {
public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Approximately standard normal (Box-Muller).
  double normal() {
    double u = uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(1.0 - u)) *
           std::cos(6.283185307179586 * v);
  }

private:
  uint64_t state_;
};

/// Weights: normal with std `scale`, each row with its own magnitude, and a
/// few outliers as in trained models.
std::vector<float> weights(Rng &rng, size_t rows, size_t cols, double scale) {
  std::vector<float> w(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    double rowScale = scale * (0.5 + rng.uniform());
    for (size_t c = 0; c < cols; ++c) {
      double x = rng.normal() * rowScale;
      if (rng.uniform() < 0.002)
        x *= 8.0;
      w[r * cols + c] = static_cast<float>(x);
    }
  }
  return w;
}
} // namespace

int runMakeExample(const std::vector<std::string> &argv) {
  Args args;
  int exitCode = 0;
  if (!parseArgs("make-example", argv, {{"--seed", "", true}}, args, exitCode))
    return exitCode;
  if (args.help) {
    std::fputs(kMakeExampleHelp, stdout);
    return 0;
  }
  if (args.positional.size() != 1)
    return reportUsageError("make-example", args.positional.empty()
                                                ? "missing OUT.gguf"
                                                : "too many arguments");
  uint64_t seed = 1;
  if (auto it = args.options.find("--seed"); it != args.options.end()) {
    char *end = nullptr;
    errno = 0;
    seed = std::strtoull(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end != '\0' || errno != 0 ||
        it->second[0] == '-')
      return reportUsageError("make-example",
                              ::fmt::format("--seed expects a non-negative "
                                            "integer, got '{}'",
                                            it->second));
  }
  const std::string &outPath = args.positional[0];

  gguf::Writer writer;
  gguf::Metadata &md = writer.metadata();
  md.set("general.architecture", gguf::Value::string("llama"));
  md.set("general.name", gguf::Value::string("quant example"));
  md.set("general.file_type", gguf::Value::u32(0)); // all f32
  md.set("llama.context_length", gguf::Value::u32(128));
  md.set("llama.embedding_length", gguf::Value::u32(256));
  md.set("llama.block_count", gguf::Value::u32(1));
  md.set("llama.feed_forward_length", gguf::Value::u32(512));
  md.set("llama.rope.dimension_count", gguf::Value::u32(64));
  md.set("llama.attention.head_count", gguf::Value::u32(4));
  md.set("llama.attention.head_count_kv", gguf::Value::u32(4));
  md.set("llama.attention.layer_norm_rms_epsilon", gguf::Value::f32(1e-5f));
  md.set("llama.rope.freq_base", gguf::Value::f32(10000.0f));
  md.set("tokenizer.ggml.model", gguf::Value::string("llama"));
  std::vector<std::string> tokens = {"<unk>",
                                     "<s>",
                                     "</s>",
                                     "\xe2\x96\x81the",
                                     "\xe2\x96\x81"
                                     "a",
                                     "s",
                                     "ing",
                                     "."};
  std::vector<float> scores;
  std::vector<int32_t> tokenTypes;
  for (size_t i = 0; i < tokens.size(); ++i) {
    scores.push_back(i < 3 ? 0.0f : -static_cast<float>(i));
    tokenTypes.push_back(i == 0 ? 2 : i < 3 ? 3 : 1);
  }
  md.set("tokenizer.ggml.tokens", gguf::Value::arrayOfStrings(tokens));
  md.set("tokenizer.ggml.scores", gguf::Value::arrayOf(scores));
  md.set("tokenizer.ggml.token_type", gguf::Value::arrayOf(tokenTypes));
  md.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(1));
  md.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(2));
  md.set("example.nested",
         gguf::Value::arrayOfArrays(
             {gguf::Value::arrayOf<int32_t>({1, 2, 3}),
              gguf::Value::arrayOfStrings({"nested", "strings"})}));
  md.set("example.seed", gguf::Value::u64(seed));

  struct Spec {
    const char *name;
    size_t rows, cols;
    double scale;
  };
  const Spec specs[] = {{"token_embd.weight", 64, 256, 0.02},
                        {"blk.0.attn_norm.weight", 0, 256, 0.0},
                        {"blk.0.attn_q.weight", 256, 256, 0.03},
                        {"blk.0.ffn_down.weight", 64, 512, 0.02},
                        {"blk.0.attn_k.weight", 32, 96, 0.05},
                        {"blk.0.attn_v.weight", 12, 100, 0.05}};
  Rng rng(seed);
  std::vector<std::vector<float>> data;
  data.reserve(std::size(specs));
  for (const Spec &s : specs) {
    if (s.rows == 0) {
      // A norm weight vector around 1.
      std::vector<float> v(s.cols);
      for (float &x : v)
        x = static_cast<float>(1.0 + 0.1 * rng.normal());
      data.push_back(std::move(v));
    } else {
      data.push_back(weights(rng, s.rows, s.cols, s.scale));
    }
  }
  for (size_t i = 0; i < std::size(specs); ++i) {
    const Spec &s = specs[i];
    std::vector<uint64_t> dims = {s.cols};
    if (s.rows)
      dims.push_back(s.rows);
    if (gguf::Error e =
            writer.addTensor(s.name, dims, gguf::kTypeF32, data[i].data(),
                             data[i].size() * sizeof(float)))
      return reportError(::fmt::format("{}: {}", outPath, e.message()));
  }
  if (gguf::Error e = writer.writeFile(outPath))
    return reportError(e.message());
  ::fmt::print("wrote {}: {} tensors, {} metadata keys\n", outPath,
               std::size(specs), md.size());
  return 0;
}

} // namespace quant::tool
