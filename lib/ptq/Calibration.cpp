//===- Calibration.cpp - Linear-layer input statistics --------------------===//
//
// H is accumulated in batches: up to kBatch vectors are buffered transposed
// (channel-major), then the upper triangle gets H[i][j] += Σ_b x_b[i] x_b[j]
// with contiguous inner loops; finish() flushes and mirrors it.
//
//===----------------------------------------------------------------------===//

#include "quant/ptq/Calibration.h"

#include "PtqInternal.h"

#include <cmath>
#include <stdexcept>

namespace quant::ptq {

namespace {

constexpr size_t kBatch = 32;

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The pending state of one input: its sampling stream and the vectors not
/// yet added to H, channel-major (pending[c * kBatch + b]).
struct Pending {
  detail::SplitMix64 rng{0};
  std::vector<double> vectors;
  size_t count = 0;
};

/// Adds the pending vectors to the upper triangle of H.
void flush(InputStats &stats, Pending &p) {
  if (p.count == 0)
    return;
  const size_t n = stats.dim;
  if (!stats.hessian.empty()) {
    for (size_t i = 0; i < n; ++i) {
      const double *xi = p.vectors.data() + i * kBatch;
      double *hi = stats.hessian.data() + i * n;
      for (size_t j = i; j < n; ++j) {
        const double *xj = p.vectors.data() + j * kBatch;
        double s = 0;
        for (size_t b = 0; b < p.count; ++b)
          s += xi[b] * xj[b];
        hi[j] += s;
      }
    }
  }
  p.count = 0;
}

} // namespace

std::vector<double> InputStats::meanAbs() const {
  std::vector<double> m(dim, 0.0);
  if (count)
    for (size_t c = 0; c < dim; ++c)
      m[c] = sumAbs[c] / double(count);
  return m;
}

std::string inputGroupLeader(const std::string &weightName) {
  static const std::pair<const char *, const char *> kFollowers[] = {
      {".attn_k.weight", ".attn_q.weight"},
      {".attn_v.weight", ".attn_q.weight"},
      {".ffn_up.weight", ".ffn_gate.weight"}};
  if (weightName.rfind("blk.", 0) == 0)
    for (const auto &[suffix, leader] : kFollowers)
      if (endsWith(weightName, suffix))
        return weightName.substr(0, weightName.size() -
                                        std::string(suffix).size()) +
               leader;
  return weightName;
}

struct Calibration::Impl {
  CalibrationOptions options;
  std::map<std::string, InputStats> stats;
  std::map<std::string, Pending> pending;
};

Calibration::Calibration(CalibrationOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}
Calibration::~Calibration() = default;
Calibration::Calibration(Calibration &&) noexcept = default;
Calibration &Calibration::operator=(Calibration &&) noexcept = default;

void Calibration::observe(const std::string &weightName, const double *x,
                          size_t n) {
  if (inputGroupLeader(weightName) != weightName)
    return;
  const CalibrationOptions &opt = impl_->options;
  auto it = impl_->stats.find(weightName);
  if (it == impl_->stats.end()) {
    if (opt.filter && !opt.filter(weightName))
      return;
    InputStats fresh;
    fresh.dim = n;
    if (opt.collectHessian)
      fresh.hessian.assign(n * n, 0.0);
    fresh.sumAbs.assign(n, 0.0);
    Pending p;
    p.rng = detail::SplitMix64(opt.seed ^ detail::fnv1a(weightName));
    if (opt.collectHessian)
      p.vectors.assign(n * kBatch, 0.0);
    impl_->pending.emplace(weightName, std::move(p));
    it = impl_->stats.emplace(weightName, std::move(fresh)).first;
  }
  InputStats &s = it->second;
  Pending &p = impl_->pending.at(weightName);
  if (n != s.dim)
    throw std::logic_error("calibration: input of " + weightName + " has " +
                           std::to_string(n) + " values, earlier " +
                           std::to_string(s.dim));
  for (size_t c = 0; c < n; ++c)
    s.sumAbs[c] += std::fabs(x[c]);
  // Reservoir sampling (Algorithm R): the t-th vector (from 0) replaces a
  // random slot with probability maxSamples / (t + 1).
  const uint64_t t = s.count++;
  if (opt.maxSamples > 0) {
    if (t < opt.maxSamples) {
      s.samples.insert(s.samples.end(), x, x + n);
    } else {
      uint64_t slot = p.rng.below(t + 1);
      if (slot < opt.maxSamples)
        std::copy(x, x + n, s.samples.begin() + slot * n);
    }
  }
  if (!s.hessian.empty()) {
    for (size_t c = 0; c < n; ++c)
      p.vectors[c * kBatch + p.count] = x[c];
    if (++p.count == kBatch)
      flush(s, p);
  }
}

void Calibration::finish() {
  for (auto &[name, s] : impl_->stats) {
    flush(s, impl_->pending.at(name));
    // flush() only updates the upper triangle: mirror it.
    const size_t n = s.dim;
    for (size_t i = 0; i < n && !s.hessian.empty(); ++i)
      for (size_t j = 0; j < i; ++j)
        s.hessian[i * n + j] = s.hessian[j * n + i];
  }
}

const InputStats *Calibration::find(const std::string &weightName) const {
  auto it = impl_->stats.find(inputGroupLeader(weightName));
  return it == impl_->stats.end() ? nullptr : &it->second;
}

const std::map<std::string, InputStats> &Calibration::inputs() const {
  return impl_->stats;
}

std::vector<std::vector<int32_t>>
makeCalibrationWindows(const std::vector<int32_t> &tokens, int32_t bos,
                       size_t windowLength, size_t maxWindows) {
  if (windowLength < 2)
    throw std::invalid_argument("calibration windows need a length >= 2");
  const size_t perWindow = bos >= 0 ? windowLength - 1 : windowLength;
  std::vector<std::vector<int32_t>> windows;
  for (size_t at = 0; at < tokens.size(); at += perWindow) {
    if (maxWindows && windows.size() == maxWindows)
      break;
    std::vector<int32_t> w;
    if (bos >= 0)
      w.push_back(bos);
    const size_t end = std::min(tokens.size(), at + perWindow);
    w.insert(w.end(), tokens.begin() + at, tokens.begin() + end);
    windows.push_back(std::move(w));
  }
  return windows;
}

Calibration calibrate(const models::LlamaWeights &weights,
                      const models::LlamaConfig &config,
                      const std::vector<std::vector<int32_t>> &windows,
                      const CalibrationOptions &options) {
  Calibration calib(options);
  models::ForwardOptions fwd;
  fwd.computeLogits = false;
  fwd.observer = [&calib](const std::string &name, const double *x, size_t n) {
    calib.observe(name, x, n);
  };
  for (size_t w = 0; w < windows.size(); ++w) {
    models::llamaForward(weights, config, windows[w], fwd);
    calib.windows = w + 1;
    calib.tokens += windows[w].size();
    if (options.progress)
      options.progress(w + 1, windows.size());
  }
  calib.finish();
  return calib;
}

} // namespace quant::ptq
