//===- ModelTest.cpp - compiled llama models against the float64 reference ===//
//
// Writes small synthetic llama models (2 layers, GQA, every weight format)
// with the project's GGUF writer, compiles each with `quant-compile
// model.gguf`, runs greedy generation with `--logits`, and compares the
// logits of every position (a batched prompt, single-token prompt steps and
// 32 generated tokens) with the independent float64 forward pass in
// test/models/ReferenceLlama.cpp on the same decoded weights. The Vulkan
// cases (--target=vulkan) run on lavapipe with the validation layer (see
// CMakeLists.txt: any validation message fails the run).
//
//===----------------------------------------------------------------------===//

#include "DeviceReplay.h"
#include "E2EUtil.h"

#include "LlamaGenerator.h"
#include "ReferenceLlama.h"

#include "quant/gguf/Reader.h"
#include "quant/gguf/Tensor.h"
#include "quant/models/Llama.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace quant;
using namespace quant::e2e;

namespace {

/// KV-cache positions and prompt batch the test models are compiled with.
constexpr int64_t kContext = 64;
constexpr int64_t kBatch = 8;
/// 20 prompt tokens: two batched steps of 8, then 4 single-token steps.
constexpr int kPromptTokens = 20;
/// Greedy steps checked against the reference.
constexpr int kGeneratedTokens = 32;

/// Tolerance on |compiled − reference| logits, relative to 1 + max|logit|.
///
/// Float strategy (and Vulkan): the compiled model decodes the same weights
/// bit-exactly (QuantDequantEmitterTests, both decoders) and differs only by
/// float32 rounding. A dot
/// product of K ≤ 128 terms has |error| ≤ K·u·Σ|x·w| with u = 2⁻²⁴, i.e.
/// ≤ 7.7e-6 of Σ|x·w|; RMSNorm, RoPE (in f64), softmax and SwiGLU add a few
/// u each. Two layers chain about 12 such steps, each amplifying an
/// incoming relative error by at most its gain (≲ 10 for these weights with
/// std 1/√K and unit-scale norms), which stays below 1e-3. On Vulkan RoPE
/// rotates in float32 (tables still from float64 cos/sin: 2 more u per
/// element) and exp may be 3 + 2|x| ulp (GLSL.std.450) for the |x| ≲ 20 of
/// these softmax and SiLU arguments, ≤ 43 u = 2.6e-6 relative per
/// exponential: both far inside the same bound.
constexpr double kFloatTolerance = 1e-3;
/// Int8 strategy: activations are rounded to int8 per 32 elements, an error
/// of at most amax/254 per element (0.4 % of the block's largest value), a
/// modelling difference rather than rounding. Summed over K with weights of
/// std 1/√K it perturbs each linear output by about √K·(amax/x_rms)/254 of its
/// scale in the worst case (≈ 0.05 for K = 64, amax/x_rms ≈ 3 typical of these
/// Gaussian activations, uncorrelated signs giving far less); the errors of
/// the ~10 linear layers on the path add, bounded by 0.1 here.
constexpr double kInt8Tolerance = 0.1;

struct ModelCase {
  std::string name;
  tool::SyntheticLlamaOptions options;
  /// --matmul-strategy for quant-compile.
  std::string strategy = "float";
  /// Extra quant-compile flags (--target=vulkan, --vulkan-bytes).
  std::vector<std::string> flags;
};

ModelCase makeCase(const std::string &format, const std::string &strategy) {
  ModelCase c;
  c.options.matrixType = *gguf::typeFromName(format);
  c.options.contextLength = uint32_t(kContext);
  // K-quant rows are 256-element blocks: those models are wider.
  if (format.size() == 4 && format[2] == '_' && format[3] == 'k') {
    c.options.dim = 256;
    c.options.ffnDim = 512;
  }
  c.strategy = strategy;
  c.name = format + "_" + strategy;
  return c;
}

/// Every weight format the GGUF writer produces.
constexpr const char *kFormats[] = {"f32",  "f16",  "bf16", "q4_0",  "q4_1",
                                    "q5_0", "q5_1", "q8_0", "q2_k",  "q3_k",
                                    "q4_k", "q5_k", "q6_k", "iq4_nl", "mxfp4"};

/// Tied output, a mixed-format model, plain multi-head attention and the
/// byte-level BPE tokenizer (with a vocabulary size no kernel tile divides).
void addModelVariants(std::vector<ModelCase> &cases) {
  ModelCase tied = makeCase("q8_0", "float");
  tied.options.tied = true;
  tied.name = "tied_q8_0";
  cases.push_back(tied);
  ModelCase mixed = makeCase("q4_k", "float");
  mixed.options.outputType = *gguf::typeFromName("q6_k");
  mixed.options.embeddingType = *gguf::typeFromName("f16");
  mixed.name = "mixed_q4_k_q6_k_f16";
  cases.push_back(mixed);
  ModelCase mha = makeCase("q4_0", "float");
  mha.options.kvHeads = mha.options.heads;
  mha.name = "multi_head_q4_0";
  cases.push_back(mha);
  ModelCase gpt2 = makeCase("q5_k", "float");
  gpt2.options.tokenizer = tool::SyntheticTokenizer::Gpt2;
  gpt2.options.vocab = 300;
  gpt2.name = "gpt2_vocab_q5_k";
  cases.push_back(gpt2);
}

std::vector<ModelCase> cpuCases() {
  std::vector<ModelCase> cases;
  for (const char *format : kFormats)
    cases.push_back(makeCase(format, "float"));
  // The default strategy on machines with VNNI for the integer block
  // formats, K-quants included (sub-blocks of 32 and of 16).
  for (const char *format : {"q4_0", "q4_1", "q5_0", "q8_0", "q4_k", "q6_k"})
    cases.push_back(makeCase(format, "int8"));
  addModelVariants(cases);
  // Every host loop nest large enough to split runs on the thread pool
  // (ParallelizeLoopsPass), however small these models are.
  for (ModelCase &c : cases)
    c.flags.push_back("--parallel-loops-min-work=1");
  // With a threshold of 128 iterations, the host decides at run time for
  // the loops over the attention's length: a decode step's softmax loops
  // (kv heads 2 × group 2 × length) run inline up to length 31 and on the
  // pool from 32, within the test's 52 positions.
  ModelCase decided = makeCase("q8_0", "float");
  decided.name = "run_time_split_q8_0";
  decided.flags.push_back("--parallel-loops-min-work=128");
  cases.push_back(decided);
  return cases;
}

/// Every format and variant on Vulkan, and one model whose kernels read
/// bytes from 32-bit words (--vulkan-bytes=emulated).
std::vector<ModelCase> vulkanCases() {
  std::vector<ModelCase> cases;
  for (const char *format : kFormats)
    cases.push_back(makeCase(format, "float"));
  addModelVariants(cases);
  ModelCase emulated = makeCase("q4_0", "float");
  emulated.flags = {"--vulkan-bytes=emulated"};
  emulated.name = "emulated_bytes_q4_0";
  cases.push_back(emulated);
  for (ModelCase &c : cases) {
    c.flags.insert(c.flags.begin(), "--target=vulkan");
    c.name = "vulkan_" + c.name;
  }
  return cases;
}

/// Test names instead of gtest's byte dump of a failing parameter.
void PrintTo(const ModelCase &c, std::ostream *os) { *os << c.name; }

class ModelTest : public ::testing::TestWithParam<ModelCase> {};

TEST_P(ModelTest, LogitsAndGreedyTokensMatchReference) {
  const ModelCase &c = GetParam();
  std::string dir = freshWorkDir("model_" + c.name);
  std::string modelPath = dir + "/model.gguf", exe = dir + "/chat";
  tool::SyntheticLlamaOptions options = c.options;
  options.name = c.name;
  ASSERT_EQ(tool::checkSyntheticLlama(options), "");
  gguf::Error written = tool::writeSyntheticLlama(modelPath, options);
  ASSERT_FALSE(written.isFailure()) << written.message();

  std::vector<std::string> compile = {
      compilerPath(), modelPath, "-o", exe, "--quiet",
      "--context=" + std::to_string(kContext),
      "--batch=" + std::to_string(kBatch), "--matmul-strategy=" + c.strategy};
  compile.insert(compile.end(), c.flags.begin(), c.flags.end());
  ProcessResult compiled = runProcess(compile, dir + "/compile");
  ASSERT_TRUE(compiled.succeeded()) << compiled.describe();

  // A prompt of distinct pseudo-random tokens (BOS first).
  Rng rng(hashString(c.name));
  std::vector<int32_t> tokens{1};
  while (tokens.size() < size_t(kPromptTokens))
    tokens.push_back(int32_t(3 + rng.next() % (options.vocab - 3)));
  std::string list;
  for (int32_t t : tokens)
    list += (list.empty() ? "" : ",") + std::to_string(t);
  std::string logitsPath = outputFile(dir, "logits.npy");
  ProcessResult ran = runRecorded(
      dir, "run",
      {exe, "--tokens", list, "-n", std::to_string(kGeneratedTokens + 1),
       "--temp", "0", "--ignore-eos", "--logits", dir + "/logits.npy",
       "--threads", "2"});
  ASSERT_TRUE(ran.succeeded()) << ran.describe();
  EXPECT_NE(ran.err.find("tok/s"), std::string::npos) << ran.err;

  std::vector<int64_t> shape;
  std::vector<float> logits;
  ASSERT_EQ(readF32Npy(logitsPath, shape, logits), "");
  int64_t vocab = options.vocab;
  ASSERT_EQ(shape.size(), 2u);
  ASSERT_EQ(shape[1], vocab);
  int64_t rows = shape[0];
  ASSERT_GE(rows, kPromptTokens);

  // The greedy tokens the executable chose are the argmax of its logits
  // (--ignore-eos: an end-of-text token does not end generation, so a
  // near-tie with one cannot shorten the run).
  for (int64_t row = kPromptTokens - 1; row + 1 < rows; ++row) {
    const float *r = logits.data() + row * vocab;
    tokens.push_back(int32_t(std::max_element(r, r + vocab) - r));
  }
  EXPECT_EQ(rows, kPromptTokens + kGeneratedTokens)
      << "generation stopped early";

  auto file = gguf::openFile(modelPath);
  ASSERT_TRUE(file.hasValue()) << file.message();
  auto config = models::readLlamaConfig(*file);
  ASSERT_TRUE(config.hasValue()) << config.message();
  std::vector<std::vector<double>> expected =
      reference::referenceLogits(*file, *config, tokens);
  ASSERT_EQ(int64_t(expected.size()), int64_t(tokens.size()));

  double tolerance = c.strategy == "float" ? kFloatTolerance : kInt8Tolerance;
  double worst = 0;
  int mismatchedTokens = 0;
  for (int64_t row = 0; row < rows; ++row) {
    const std::vector<double> &want = expected[size_t(row)];
    double scale = 1;
    for (double v : want)
      scale = std::max(scale, 1 + std::abs(v));
    for (int64_t i = 0; i < vocab; ++i) {
      double error = std::abs(double(logits[row * vocab + i]) - want[i]);
      worst = std::max(worst, error / scale);
      ASSERT_LE(error, tolerance * scale)
          << "position " << row << " logit " << i << ": compiled "
          << logits[row * vocab + i] << ", reference " << want[i];
    }
    // Greedy agreement wherever the reference's choice is not within the
    // tolerance of a tie.
    if (row >= kPromptTokens - 1 && row + 1 < rows) {
      std::vector<double> sorted = want;
      std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(),
                        std::greater<double>());
      int32_t chosen = tokens[size_t(row) + 1];
      bool clear = sorted[0] - sorted[1] > 2 * tolerance * scale;
      if (clear && want[size_t(chosen)] != sorted[0])
        ++mismatchedTokens;
    }
  }
  EXPECT_EQ(mismatchedTokens, 0);
  ::testing::Test::RecordProperty("worst_relative_logit_error",
                                  std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(Cpu, ModelTest, ::testing::ValuesIn(cpuCases()),
                         [](const auto &info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(Vulkan, ModelTest,
                         ::testing::ValuesIn(vulkanCases()),
                         [](const auto &info) { return info.param.name; });

} // namespace
