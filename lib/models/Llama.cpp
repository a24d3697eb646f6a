//===- Llama.cpp - llama-family model description from GGUF -------------===//

#include "quant/models/Llama.h"

#include "quant/gguf/Tensor.h"

#include <string>

using namespace quant;
using namespace quant::models;

namespace {

/// Collects the first problem found; reads keys of one architecture prefix.
class ConfigReader {
public:
  ConfigReader(const gguf::File &file, std::string prefix)
      : file(file), prefix(std::move(prefix)) {}

  /// A required positive integer `<prefix>.<key>`.
  uint32_t count(std::string_view key) {
    std::string name = prefix + "." + std::string(key);
    auto value = file.metadata().getUnsigned(name);
    if (!value.hasValue())
      return fail(value.message()), 0;
    if (*value == 0 || *value > (1u << 30))
      return fail("metadata " + name + " = " + std::to_string(*value) +
                  " is out of range"),
             0;
    return uint32_t(*value);
  }

  /// An optional positive float `<prefix>.<key>`.
  float positive(std::string_view key, float fallback) {
    std::string name = prefix + "." + std::string(key);
    if (!file.metadata().contains(name))
      return fallback;
    auto value = file.metadata().getFloat(name);
    if (!value.hasValue())
      return fail(value.message()), fallback;
    if (!(*value > 0) || *value > 1e30)
      return fail("metadata " + name + " = " + std::to_string(*value) +
                  " must be positive"),
             fallback;
    return float(*value);
  }

  void fail(const std::string &message) {
    if (problem.empty())
      problem = message;
  }

  const gguf::File &file;
  std::string prefix;
  std::string problem;
};

std::string shapeOf(const std::vector<uint64_t> &dims) {
  std::string text;
  for (size_t i = dims.size(); i-- > 0;)
    text += std::to_string(dims[i]) + (i ? " x " : "");
  return text;
}

/// Checks that `name` exists with `dims` (innermost first) and a type the
/// compiler supports for its role.
std::string checkTensor(const gguf::File &file, const std::string &name,
                        std::vector<uint64_t> dims, bool isNorm) {
  const gguf::TensorInfo *tensor = file.findTensor(name);
  if (!tensor)
    return "missing tensor " + name;
  if (tensor->dims != dims)
    return "tensor " + name + " has shape " + tensor->shapeString() +
           ", expected " + shapeOf(dims);
  if (isNorm) {
    if (tensor->type != gguf::kTypeF32)
      return "tensor " + name + " is " + gguf::typeName(tensor->type) +
             "; norm weights must be f32";
    return {};
  }
  if (!gguf::isKnownType(tensor->type))
    return "tensor " + name + " has unsupported type " +
           gguf::typeName(tensor->type);
  return {};
}

} // namespace

std::string models::blockTensorName(uint32_t layer, std::string_view kind) {
  return "blk." + std::to_string(layer) + "." + std::string(kind) + ".weight";
}

std::string_view models::outputTensorName(const LlamaConfig &config) {
  return config.tiedOutput ? "token_embd.weight" : "output.weight";
}

gguf::Expected<LlamaConfig> models::readLlamaConfig(const gguf::File &file) {
  auto failure = [&](const std::string &message) {
    return gguf::Error::failure(file.name() + ": " + message);
  };
  auto architecture = file.metadata().getString("general.architecture");
  if (!architecture.hasValue())
    return failure(architecture.message());
  std::string arch(*architecture);
  if (arch != "llama" && arch != "mistral")
    return failure("unsupported architecture '" + arch +
                   "' (supported: llama, mistral)");

  ConfigReader reader(file, arch);
  LlamaConfig config;
  config.contextLength = reader.count("context_length");
  config.dim = reader.count("embedding_length");
  config.layers = reader.count("block_count");
  config.ffnDim = reader.count("feed_forward_length");
  config.heads = reader.count("attention.head_count");
  config.kvHeads = file.metadata().contains(arch + ".attention.head_count_kv")
                       ? reader.count("attention.head_count_kv")
                       : config.heads;
  config.rmsEpsilon =
      reader.positive("attention.layer_norm_rms_epsilon", 1e-5f);
  config.ropeFreqBase = reader.positive("rope.freq_base", 10000.0f);
  if (!reader.problem.empty())
    return failure(reader.problem);
  if (config.dim % config.heads != 0)
    return failure("embedding_length " + std::to_string(config.dim) +
                   " is not a multiple of head_count " +
                   std::to_string(config.heads));
  if (config.heads % config.kvHeads != 0)
    return failure("head_count " + std::to_string(config.heads) +
                   " is not a multiple of head_count_kv " +
                   std::to_string(config.kvHeads));
  config.ropeDim = file.metadata().contains(arch + ".rope.dimension_count")
                       ? reader.count("rope.dimension_count")
                       : config.headDim();
  if (!reader.problem.empty())
    return failure(reader.problem);
  if (config.ropeDim > config.headDim() || config.ropeDim % 2 != 0)
    return failure("rope.dimension_count " + std::to_string(config.ropeDim) +
                   " must be even and at most the head dimension " +
                   std::to_string(config.headDim()));

  const gguf::TensorInfo *embedding = file.findTensor("token_embd.weight");
  if (!embedding)
    return failure("missing tensor token_embd.weight");
  if (embedding->dims.size() != 2 || embedding->dims[0] != config.dim)
    return failure("tensor token_embd.weight has shape " +
                   embedding->shapeString() + ", expected <vocab> x " +
                   std::to_string(config.dim));
  if (embedding->dims[1] > (1u << 30))
    return failure("vocabulary of " + std::to_string(embedding->dims[1]) +
                   " tokens is too large");
  config.vocabSize = uint32_t(embedding->dims[1]);
  config.tiedOutput = file.findTensor("output.weight") == nullptr;

  uint64_t dim = config.dim, kvDim = config.kvDim(), ffn = config.ffnDim;
  std::string problem = checkTensor(file, "token_embd.weight",
                                    {dim, config.vocabSize}, false);
  if (problem.empty())
    problem = checkTensor(file, "output_norm.weight", {dim}, true);
  if (problem.empty() && !config.tiedOutput)
    problem = checkTensor(file, "output.weight", {dim, config.vocabSize},
                          false);
  for (uint32_t layer = 0; layer < config.layers && problem.empty();
       ++layer) {
    struct Expected {
      const char *kind;
      std::vector<uint64_t> dims;
      bool isNorm;
    } tensors[] = {
        {"attn_norm", {dim}, true},       {"attn_q", {dim, dim}, false},
        {"attn_k", {dim, kvDim}, false},  {"attn_v", {dim, kvDim}, false},
        {"attn_output", {dim, dim}, false}, {"ffn_norm", {dim}, true},
        {"ffn_gate", {dim, ffn}, false},  {"ffn_up", {dim, ffn}, false},
        {"ffn_down", {ffn, dim}, false},
    };
    for (const auto &tensor : tensors) {
      problem = checkTensor(file, blockTensorName(layer, tensor.kind),
                            tensor.dims, tensor.isNorm);
      if (!problem.empty())
        break;
    }
  }
  if (!problem.empty())
    return failure(problem);
  return config;
}
