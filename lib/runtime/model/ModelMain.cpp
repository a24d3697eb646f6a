//===- ModelMain.cpp - the command line of a compiled language model ------===//
//
//   ./chat -p "Once upon a time" -n 64 [--temp T --top-k K --top-p P --seed S]
//   ./chat --tokens 1,450,4996 --logits logits.npy -n 0
//   ./chat --perplexity held-out.txt
//
//===----------------------------------------------------------------------===//

#include "ModelImage.h"
#include "ModelSession.h"

#include "quant/models/Sampler.h"
#include "quant/models/Tokenizer.h"
#include "quant/runtime/Model.h"
#include "quant/runtime/Npy.h"
#include "quant/runtime/Runtime.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace quant;
using namespace quant::rt;

namespace {

struct ModelOptions {
  std::string prompt;
  bool hasPrompt = false;
  std::vector<int32_t> tokens;
  bool hasTokens = false;
  int64_t generate = 64;
  models::SamplingOptions sampling;
  bool seedGiven = false;
  std::string logitsPath;
  std::string perplexityPath;
  std::string weightsPath;
  int32_t threads = 0;
  bool bos = true;
  bool ignoreEos = false;
  bool mapWeights = false;
  bool help = false;
};

std::string usage(const std::string &program) {
  return "usage: " + program +
         " (-p TEXT | --tokens ID,ID,... | --perplexity FILE.txt) [options]\n"
         "  -p, --prompt TEXT     prompt text (tokenized with the model's "
         "tokenizer)\n"
         "  --tokens IDS          prompt as comma-separated token ids\n"
         "  -n N                  tokens to generate (default 64; 0: none)\n"
         "  --temp T              sampling temperature (default 0.8; 0: "
         "greedy)\n"
         "  --top-k K             keep the K most likely tokens (default 40; "
         "0: all)\n"
         "  --top-p P             nucleus sampling threshold (default 0.95)\n"
         "  --seed S              random seed (default: from the clock)\n"
         "  --no-bos              do not start the prompt with BOS\n"
         "  --ignore-eos          keep generating after an end-of-text "
         "token\n"
         "  --logits FILE.npy     write the logits of every evaluated "
         "position [positions x vocab]\n"
         "  --perplexity FILE     perplexity of a text file (windows of the "
         "context length)\n"
         "  --weights PATH        the GGUF file of a model compiled with "
         "--weights=external\n"
         "  --map-weights         read the weights where they are mapped "
         "instead of\n"
         "                        copying them into huge-page memory (starts "
         "faster,\n"
         "                        decodes slower)\n"
         "  --threads N           worker threads (default: compiled in, or "
         "one per core)\n"
         "  -h, --help            this help\n";
}

bool parseInt(const std::string &text, int64_t &value) {
  char *end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0)
    return false;
  value = parsed;
  return true;
}

bool parseFloat(const std::string &text, float &value) {
  char *end = nullptr;
  errno = 0;
  double parsed = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(parsed))
    return false;
  value = float(parsed);
  return true;
}

/// Parses the command line; returns an empty string or a one-line error.
std::string parseOptions(int argc, char **argv, ModelOptions &options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    auto needValue = [&]() -> bool {
      size_t eq = arg.find('=');
      if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        return true;
      }
      if (i + 1 >= argc)
        return false;
      value = argv[++i];
      return true;
    };
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      continue;
    }
    if (arg == "--no-bos") {
      options.bos = false;
      continue;
    }
    if (arg == "--ignore-eos") {
      options.ignoreEos = true;
      continue;
    }
    if (arg == "--map-weights") {
      options.mapWeights = true;
      continue;
    }
    std::string name = arg.substr(0, arg.find('='));
    static const char *withValue[] = {
        "-p",     "--prompt", "--tokens",     "-n",        "--temp",
        "--top-k", "--top-p", "--seed",       "--logits",  "--perplexity",
        "--weights", "--threads"};
    bool known = false;
    for (const char *option : withValue)
      known |= name == option;
    if (!known)
      return "unknown option '" + arg + "' (see --help)";
    if (!needValue())
      return "option " + name + " needs a value";
    int64_t number = 0;
    if (name == "-p" || name == "--prompt") {
      options.prompt = value;
      options.hasPrompt = true;
    } else if (name == "--tokens") {
      options.hasTokens = true;
      std::stringstream stream(value);
      std::string item;
      while (std::getline(stream, item, ',')) {
        if (!parseInt(item, number) || number < 0 || number > INT32_MAX)
          return "--tokens needs comma-separated token ids, got '" + value +
                 "'";
        options.tokens.push_back(int32_t(number));
      }
      if (options.tokens.empty())
        return "--tokens needs at least one token id";
    } else if (name == "-n") {
      if (!parseInt(value, number) || number < 0)
        return "-n needs a non-negative integer, got '" + value + "'";
      options.generate = number;
    } else if (name == "--temp") {
      if (!parseFloat(value, options.sampling.temperature) ||
          options.sampling.temperature < 0)
        return "--temp needs a non-negative number, got '" + value + "'";
    } else if (name == "--top-k") {
      if (!parseInt(value, number) || number < 0 || number > INT32_MAX)
        return "--top-k needs a non-negative integer, got '" + value + "'";
      options.sampling.topK = int(number);
    } else if (name == "--top-p") {
      if (!parseFloat(value, options.sampling.topP) ||
          options.sampling.topP <= 0 || options.sampling.topP > 1)
        return "--top-p needs a number in (0, 1], got '" + value + "'";
    } else if (name == "--seed") {
      if (!parseInt(value, number) || number < 0)
        return "--seed needs a non-negative integer, got '" + value + "'";
      options.sampling.seed = uint64_t(number);
      options.seedGiven = true;
    } else if (name == "--logits") {
      options.logitsPath = value;
    } else if (name == "--perplexity") {
      options.perplexityPath = value;
    } else if (name == "--weights") {
      options.weightsPath = value;
    } else if (name == "--threads") {
      if (!parseInt(value, number) || number < 1 || number > 1024)
        return "--threads needs an integer from 1 to 1024, got '" + value +
               "'";
      options.threads = int32_t(number);
    }
  }
  if (options.help)
    return "";
  int modes = options.hasPrompt + options.hasTokens +
              !options.perplexityPath.empty();
  if (modes == 0)
    return "nothing to do: give -p TEXT, --tokens IDS or --perplexity FILE "
           "(see --help)";
  if (modes > 1)
    return "give only one of -p, --tokens and --perplexity";
  return "";
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

/// log softmax(logits)[target], in double.
double logProbability(const float *logits, uint32_t vocab, int32_t target) {
  double maximum = logits[0];
  for (uint32_t i = 1; i < vocab; ++i)
    maximum = std::max(maximum, double(logits[i]));
  double sum = 0;
  for (uint32_t i = 0; i < vocab; ++i)
    sum += std::exp(double(logits[i]) - maximum);
  return double(logits[target]) - maximum - std::log(sum);
}

/// Perplexity over `path`: windows of the context length, each starting at
/// position 0; the second half of every window is scored so each scored
/// token sees at least half a window of context.
int runPerplexity(const std::string &program, ModelSession &session,
                  const models::Tokenizer &tokenizer,
                  const ModelOptions &options) {
  std::ifstream file(options.perplexityPath, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "%s: error: cannot read %s\n", program.c_str(),
                 options.perplexityPath.c_str());
    return 1;
  }
  std::stringstream contents;
  contents << file.rdbuf();
  std::vector<int32_t> tokens = tokenizer.encode(contents.str(), false);
  int64_t window = session.contextLength();
  bool bos = options.bos && tokenizer.bos() >= 0;
  int64_t stride = window - (bos ? 1 : 0);
  if (int64_t(tokens.size()) < stride) {
    std::fprintf(stderr,
                 "%s: error: %s has %zu tokens; perplexity needs at least one "
                 "window of %lld\n",
                 program.c_str(), options.perplexityPath.c_str(),
                 tokens.size(), (long long)stride);
    return 1;
  }
  int64_t windows = int64_t(tokens.size()) / stride;
  double nll = 0;
  int64_t scored = 0;
  auto start = std::chrono::steady_clock::now();
  for (int64_t w = 0; w < windows; ++w) {
    std::vector<int32_t> chunk;
    if (bos)
      chunk.push_back(tokenizer.bos());
    chunk.insert(chunk.end(), tokens.begin() + w * stride,
                 tokens.begin() + (w + 1) * stride);
    std::vector<float> logits;
    session.reset();
    if (std::string error = session.evaluate(chunk, &logits); !error.empty()) {
      std::fprintf(stderr, "%s: error: %s\n", program.c_str(), error.c_str());
      return 1;
    }
    uint32_t vocab = session.vocabSize();
    for (size_t i = size_t(window / 2); i + 1 < chunk.size(); ++i) {
      nll -= logProbability(logits.data() + i * vocab, vocab, chunk[i + 1]);
      ++scored;
    }
    std::fprintf(stderr, "[%lld/%lld] perplexity so far %.4f (%.1f s)\n",
                 (long long)(w + 1), (long long)windows,
                 std::exp(nll / double(scored)), secondsSince(start));
  }
  std::printf("perplexity: %.4f\n", std::exp(nll / double(scored)));
  return 0;
}

/// Evaluates the prompt, then samples and streams up to -n tokens.
int runGeneration(const std::string &program, ModelSession &session,
                  const models::Tokenizer &tokenizer,
                  const ModelOptions &options) {
  std::vector<int32_t> prompt = options.tokens;
  if (options.hasPrompt)
    prompt = tokenizer.encode(options.prompt, options.bos);
  if (prompt.empty()) {
    std::fprintf(stderr, "%s: error: the prompt is empty\n", program.c_str());
    return 1;
  }
  std::vector<float> allLogits;
  std::vector<float> *keep = options.logitsPath.empty() ? nullptr : &allLogits;
  for (int32_t token : prompt)
    if (token >= 0 && size_t(token) < tokenizer.vocabSize())
      std::fputs(tokenizer.tokenText(token).c_str(), stdout);
  std::fflush(stdout);

  auto fail = [&](const std::string &error) {
    std::fprintf(stdout, "\n");
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), error.c_str());
    return 1;
  };
  auto promptStart = std::chrono::steady_clock::now();
  if (std::string error = session.evaluate(prompt, keep); !error.empty())
    return fail(error);
  double promptSeconds = secondsSince(promptStart);

  models::SamplingOptions sampling = options.sampling;
  if (!options.seedGiven)
    sampling.seed = uint64_t(
        std::chrono::system_clock::now().time_since_epoch().count());
  models::Sampler sampler(sampling);
  int64_t generated = 0;
  auto generationStart = std::chrono::steady_clock::now();
  while (generated < options.generate) {
    int32_t next = sampler.sample(session.lastLogits(), session.vocabSize());
    if (!options.ignoreEos && tokenizer.isEndOfGeneration(next))
      break;
    std::fputs(tokenizer.tokenText(next).c_str(), stdout);
    std::fflush(stdout);
    if (++generated == options.generate)
      break; // The last token's logits are not needed.
    if (session.position() >= session.contextLength()) {
      std::fprintf(stderr,
                   "\n%s: the context is full (%lld positions): stopped "
                   "after %lld tokens\n",
                   program.c_str(), (long long)session.contextLength(),
                   (long long)generated);
      break;
    }
    if (std::string error = session.evaluate({next}, keep); !error.empty())
      return fail(error);
  }
  double generationSeconds = secondsSince(generationStart);
  std::fprintf(stdout, "\n");
  std::fflush(stdout);

  if (keep) {
    std::string error;
    int64_t rows = int64_t(allLogits.size() / session.vocabSize());
    if (!writeNpy(options.logitsPath, NpyDType::F32,
                  {rows, int64_t(session.vocabSize())}, allLogits.data(),
                  error))
      return fail(error);
  }
  std::fprintf(stderr, "prompt %.1f tok/s, generation %.1f tok/s\n",
               double(prompt.size()) / std::max(promptSeconds, 1e-9),
               generated ? double(generated) /
                               std::max(generationSeconds, 1e-9)
                         : 0.0);
  return 0;
}

} // namespace

extern "C" int qrt_model_main(const qrt_model_desc *desc, int argc,
                              char **argv) {
  std::string program = argc > 0 ? argv[0] : "model";
  if (size_t slash = program.rfind('/'); slash != std::string::npos)
    program = program.substr(slash + 1);
  ModelOptions options;
  options.threads = desc->default_threads;
  if (std::string error = parseOptions(argc, argv, options); !error.empty()) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), error.c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(usage(program).c_str(), stdout);
    return 0;
  }
  if (options.threads > 0)
    qrt_set_num_threads(options.threads);

  ModelImage image;
  WeightMemory memory =
      options.mapWeights ? WeightMemory::Mapped : WeightMemory::Copied;
  if (std::string error =
          openModelImage(*desc, options.weightsPath, memory, image);
      !error.empty()) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(), error.c_str());
    return 1;
  }
  auto tokenizer = models::Tokenizer::fromMetadata(image.file.metadata());
  if (!tokenizer.hasValue()) {
    std::fprintf(stderr, "%s: error: %s\n", program.c_str(),
                 tokenizer.message().c_str());
    return 1;
  }
  std::unique_ptr<ModelSession> session;
  try {
    session = std::make_unique<ModelSession>(*desc, image);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr,
                 "%s: error: no memory for the KV cache of %lld positions "
                 "(compile with a smaller --context)\n",
                 program.c_str(), (long long)desc->context_length);
    return 1;
  }
  if (!options.perplexityPath.empty())
    return runPerplexity(program, *session, *tokenizer, options);
  return runGeneration(program, *session, *tokenizer, options);
}
