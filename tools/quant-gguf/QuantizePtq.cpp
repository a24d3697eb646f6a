//===- QuantizePtq.cpp - quantize --method gptq|awq -----------------------===//

#include "QuantizePtq.h"

#include "quant/formats/Codec.h"
#include "quant/gguf/Tensor.h"
#include "quant/models/Llama.h"
#include "quant/models/Tokenizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace quant::tool {

namespace {

bool parseCount(const std::string &text, uint64_t lo, uint64_t hi,
                uint64_t &out) {
  if (text.empty() || text.size() > 12)
    return false;
  uint64_t v = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v < lo || v > hi)
    return false;
  out = v;
  return true;
}

} // namespace

std::vector<OptionSpec> ptqOptionSpecs() {
  return {{"--method", "-m", true},      {"--calib", "", true},
          {"--calib-windows", "", true}, {"--calib-context", "", true},
          {"--damp", "", true},          {"--no-act-order", "", false},
          {"--threads", "-t", true}};
}

bool parsePtqOptions(const Args &args, PtqCliOptions &out, int &exitCode) {
  auto get = [&](const char *name) -> const std::string * {
    auto it = args.options.find(name);
    return it == args.options.end() ? nullptr : &it->second;
  };
  auto usage = [&](const std::string &message) {
    exitCode = reportUsageError("quantize", message);
    return false;
  };
  if (const std::string *m = get("--method")) {
    std::optional<ptq::Method> method = ptq::parseMethod(*m);
    if (!method) {
      exitCode = reportError(
          ::fmt::format("unknown method '{}' (methods: rtn, gptq, awq)",
                        gguf::escapeForDisplay(*m)));
      return false;
    }
    out.method = *method;
  }
  const std::string methodName(ptq::toString(out.method));
  if (out.method == ptq::Method::Rtn) {
    for (const char *opt : {"--calib", "--calib-windows", "--calib-context",
                            "--damp", "--no-act-order"})
      if (get(opt))
        return usage(::fmt::format(
            "{} is only used by --method gptq or awq (the method is rtn)",
            opt));
  } else {
    const std::string *calib = get("--calib");
    if (!calib || calib->empty())
      return usage(::fmt::format(
          "--method {} needs --calib FILE.txt (calibration text)", methodName));
    out.calibPath = *calib;
    if (out.method != ptq::Method::Gptq)
      for (const char *opt : {"--damp", "--no-act-order"})
        if (get(opt))
          return usage(::fmt::format("{} is only used by --method gptq", opt));
  }
  uint64_t v = 0;
  if (const std::string *s = get("--calib-windows")) {
    if (!parseCount(*s, 1, 1u << 20, v))
      return usage("--calib-windows expects an integer from 1 to 1048576");
    out.windows = size_t(v);
  }
  if (const std::string *s = get("--calib-context")) {
    if (!parseCount(*s, 2, 1u << 20, v))
      return usage("--calib-context expects an integer from 2 to 1048576");
    out.context = size_t(v);
  }
  if (const std::string *s = get("--threads")) {
    if (!parseCount(*s, 1, 1024, v))
      return usage("--threads expects an integer from 1 to 1024");
    out.threads = unsigned(v);
  }
  if (const std::string *s = get("--damp")) {
    char *end = nullptr;
    errno = 0;
    double d = std::strtod(s->c_str(), &end);
    if (s->empty() || *end != '\0' || errno != 0 || !std::isfinite(d) ||
        d < 0 || d > 10)
      return usage("--damp expects a number from 0 to 10");
    out.damp = d;
  }
  out.actOrder = get("--no-act-order") == nullptr;
  return true;
}

std::unique_ptr<PtqSession> PtqSession::create(const gguf::File &in,
                                               const fmt::FormatSpec &spec,
                                               const PtqCliOptions &options,
                                               std::string &error) {
  const std::string method(ptq::toString(options.method));
  // The calibration text first: the cheapest check.
  std::ifstream stream(options.calibPath, std::ios::binary);
  if (!stream) {
    error = ::fmt::format("{}: cannot open calibration file: {}",
                          options.calibPath, std::strerror(errno));
    return nullptr;
  }
  std::ostringstream buffer;
  buffer << stream.rdbuf();
  const std::string text = buffer.str();
  bool blank = true;
  for (char c : text)
    blank = blank && std::isspace(static_cast<unsigned char>(c));
  if (blank) {
    error = ::fmt::format("{}: calibration file is empty", options.calibPath);
    return nullptr;
  }

  gguf::Expected<models::LlamaConfig> config = models::readLlamaConfig(in);
  if (!config) {
    error = ::fmt::format("--method {} needs a llama model: {}", method,
                          config.message());
    return nullptr;
  }
  std::unique_ptr<PtqSession> s(new PtqSession(in, spec));
  s->options_.method = options.method;
  s->options_.gptq.damp = options.damp;
  s->options_.gptq.actOrder = options.actOrder;
  s->options_.gptq.threads = options.threads;
  s->options_.awq.threads = options.threads;
  for (const std::string &name : ptq::llamaLinearWeights(*config)) {
    const gguf::TensorInfo *t = in.findTensor(name);
    if (!gguf::isPlainType(t->type)) {
      error = ::fmt::format("{}: --method {} needs f32, f16 or bf16 weights, "
                            "but {} is {}",
                            in.name(), method, name, gguf::typeName(t->type));
      return nullptr;
    }
    if (fmt::checkRowLength(spec, t->rowLength()).empty())
      s->linear_.insert(name);
  }

  gguf::Expected<models::Tokenizer> tok =
      models::Tokenizer::fromMetadata(in.metadata());
  if (!tok) {
    error = ::fmt::format("{}: cannot tokenize the calibration text: {}",
                          in.name(), tok.message());
    return nullptr;
  }
  std::vector<int32_t> tokens = tok->encode(text, /*addBos=*/false);
  if (tokens.empty()) {
    error = ::fmt::format("{}: calibration file is empty", options.calibPath);
    return nullptr;
  }
  size_t window = options.context;
  if (window == 0)
    window = std::max<size_t>(
        2, std::min<size_t>(config->contextLength, kDefaultCalibContext));
  else if (window > config->contextLength) {
    error = ::fmt::format("--calib-context {} exceeds the model's context "
                          "length {}",
                          window, config->contextLength);
    return nullptr;
  }
  std::vector<std::vector<int32_t>> windows =
      ptq::makeCalibrationWindows(tokens, tok->bos(), window, options.windows);
  size_t used = 0;
  for (const auto &w : windows)
    used += w.size();
  ::fmt::print("calibration: {} window{} of up to {} tokens ({} tokens, {} "
               "of the {} text tokens of {})\n",
               windows.size(), windows.size() == 1 ? "" : "s", window, used,
               used - (tok->bos() >= 0 ? windows.size() : 0), tokens.size(),
               options.calibPath);
  std::fflush(stdout);

  ptq::CalibrationOptions copt;
  copt.collectHessian = options.method == ptq::Method::Gptq;
  copt.progress = [](size_t done, size_t total) {
    ::fmt::print("calibration: window {}/{}\n", done, total);
    std::fflush(stdout);
  };
  try {
    s->calib_ = std::make_unique<ptq::Calibration>(
        ptq::calibrate(s->weights_, *config, windows, copt));
    // GPTQ on fewer calibration vectors than input channels works with a
    // rank-deficient H and fits the calibration text (the damping is then
    // the only regulariser).
    size_t widest = 0;
    for (const auto &kv : s->calib_->inputs())
      widest = std::max(widest, kv.second.dim);
    if (options.method == ptq::Method::Gptq && s->calib_->tokens < widest)
      ::fmt::print("note: {} calibration tokens for linear inputs of up to "
                   "{} channels: GPTQ may overfit the calibration text; give "
                   "more text (--calib-windows, --calib-context)\n",
                   s->calib_->tokens, widest);
    if (options.method == ptq::Method::Awq)
      s->plan_ = ptq::planAwq(
          s->weights_, *config, *s->calib_, spec, s->options_.awq,
          [](const ptq::AwqPlan::Group &g, size_t done, size_t total) {
            ::fmt::print("awq: [{}/{}] {}: alpha {:.2f}, loss {:.4f} of rtn\n",
                         done, total, g.name, g.alpha,
                         g.rtnLoss > 0 ? g.loss / g.rtnLoss : 1.0);
            std::fflush(stdout);
          });
  } catch (const std::exception &e) {
    error = ::fmt::format("{}: calibration failed: {}", in.name(), e.what());
    return nullptr;
  }
  return s;
}

bool PtqSession::rewritesAsF32(const std::string &name) const {
  if (options_.method != ptq::Method::Awq)
    return false;
  if (plan_.normDivisors.count(name))
    return true;
  return !isLinear(name) &&
         (plan_.columnScales.count(name) || plan_.rowDivisors.count(name));
}

gguf::Error PtqSession::quantize(const std::string &name, uint8_t *out,
                                 size_t size, std::string &note) const {
  const gguf::TensorInfo *t = weights_.file().findTensor(name);
  if (!t || size != spec_.rowBytes(t->rowLength()) * t->numRows())
    return gguf::Error::failure("internal error: size mismatch for " + name);
  ptq::MatrixReport rep;
  std::string err = ptq::quantizeLlamaMatrix(weights_, calib_.get(), &plan_,
                                             spec_, name, options_, out, &rep);
  if (!err.empty())
    return gguf::Error::failure(err);
  note = rep.applied;
  if (rep.relError >= 0)
    note += ::fmt::format(", output error {:.4g} (rtn {:.4g})", rep.relError,
                          rep.rtnRelError);
  if (rep.applied == "gptq" && rep.gptq.dampRetries)
    note += ::fmt::format(", damp raised to {:g}", rep.gptq.damp);
  if (rep.clip.clippedBlocks)
    note += ::fmt::format(", {}/{} blocks clipped", rep.clip.clippedBlocks,
                          rep.clip.blocks);
  return gguf::Error::success();
}

gguf::Error PtqSession::writeF32(const std::string &name, uint8_t *out,
                                 size_t size) const {
  models::DecodedMatrix m = ptq::awqTransformed(weights_, plan_, name);
  if (size != m.data.size() * 4)
    return gguf::Error::failure("internal error: size mismatch for " + name);
  for (size_t i = 0; i < m.data.size(); ++i) {
    const float f = float(m.data[i]);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    for (int b = 0; b < 4; ++b)
      out[4 * i + b] = uint8_t(bits >> (8 * b));
  }
  return gguf::Error::success();
}

} // namespace quant::tool
