//===- LlamaPtq.cpp - Post-training quantization of a llama model ---------===//

#include "quant/ptq/LlamaPtq.h"

#include "quant/formats/Codec.h"

#include "PtqInternal.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace quant::ptq {

namespace {

using models::blockTensorName;
using models::DecodedMatrix;

MatrixRef ref(const DecodedMatrix &m) {
  return MatrixRef{m.data.data(), size_t(m.rows), size_t(m.cols)};
}

bool endsWith(const std::string &s, const char *suffix) {
  const std::string t(suffix);
  return s.size() >= t.size() &&
         s.compare(s.size() - t.size(), t.size(), t) == 0;
}

/// Σ_r Σ_n (Σ_c (Ŵ_rc − W_rc) x_nc)² and Σ_r Σ_n (Σ_c W_rc x_nc)², with Ŵ
/// given row by row by `approx(r, out)`.
template <typename Approx>
std::pair<double, double> outputErrors(const DecodedMatrix &w,
                                       const InputStats &stats, Approx approx,
                                       unsigned threads) {
  const size_t rows = w.rows, cols = w.cols, n = stats.numSamples();
  std::vector<double> errs(rows, 0), refs(rows, 0);
  detail::parallelFor(rows, threads, 4, [&](size_t rb, size_t re) {
    std::vector<double> a(cols);
    for (size_t r = rb; r < re; ++r) {
      approx(r, a.data());
      const double *wr = w.row(r);
      for (size_t k = 0; k < n; ++k) {
        const double *x = stats.samples.data() + k * cols;
        double y = 0, e = 0;
        for (size_t c = 0; c < cols; ++c) {
          y += wr[c] * x[c];
          e += (a[c] - wr[c]) * x[c];
        }
        errs[r] += e * e;
        refs[r] += y * y;
      }
    }
  });
  double e = 0, y = 0;
  for (size_t r = 0; r < rows; ++r) {
    e += errs[r];
    y += refs[r];
  }
  return {e, y};
}

} // namespace

std::string_view toString(Method m) {
  switch (m) {
  case Method::Rtn:
    return "rtn";
  case Method::Gptq:
    return "gptq";
  case Method::Awq:
    return "awq";
  }
  return "rtn";
}

std::optional<Method> parseMethod(std::string_view name) {
  for (Method m : {Method::Rtn, Method::Gptq, Method::Awq})
    if (toString(m) == name)
      return m;
  return std::nullopt;
}

std::vector<std::string> llamaLinearWeights(const models::LlamaConfig &config) {
  std::vector<std::string> names;
  for (uint32_t l = 0; l < config.layers; ++l)
    for (const char *kind : {"attn_q", "attn_k", "attn_v", "attn_output",
                             "ffn_gate", "ffn_up", "ffn_down"})
      names.push_back(blockTensorName(l, kind));
  if (!config.tiedOutput)
    names.push_back("output.weight");
  return names;
}

AwqPlan planAwq(const models::LlamaWeights &weights,
                const models::LlamaConfig &config, const Calibration &calib,
                const fmt::FormatSpec &spec, const AwqOptions &options,
                const std::function<void(const AwqPlan::Group &, size_t,
                                         size_t)> &progress) {
  AwqPlan plan;
  const size_t total = size_t(config.layers) * 4 + (config.tiedOutput ? 0 : 1);
  size_t done = 0;
  auto report = [&](AwqPlan::Group g) {
    ++done;
    if (progress)
      progress(g, done, total);
    plan.groups.push_back(std::move(g));
  };
  // Searches one group; returns false (s = 1) without samples or when the
  // format cannot hold the rows.
  auto search = [&](const std::string &inputOf,
                    const std::vector<const DecodedMatrix *> &mats,
                    const std::vector<double> &meanAbs,
                    const std::vector<size_t> *map, AwqScaleResult &res) {
    const InputStats *st = calib.find(inputOf);
    if (!st || st->numSamples() == 0)
      return false;
    std::vector<MatrixRef> group;
    for (const DecodedMatrix *m : mats) {
      if (!fmt::checkRowLength(spec, m->cols).empty())
        return false;
      group.push_back(ref(*m));
    }
    res = awqSearchScales(spec, group, st->samples.data(), st->numSamples(),
                          meanAbs, options, map);
    return true;
  };
  auto meanAbsOf = [&](const std::string &name) {
    const InputStats *st = calib.find(name);
    return st ? st->meanAbs() : std::vector<double>();
  };

  for (uint32_t l = 0; l < config.layers; ++l) {
    auto name = [&](const char *kind) { return blockTensorName(l, kind); };
    const std::string prefix = "blk." + std::to_string(l) + ".";
    // attn_norm -> q, k, v.
    {
      DecodedMatrix q = weights.matrix(name("attn_q")),
                    k = weights.matrix(name("attn_k")),
                    v = weights.matrix(name("attn_v"));
      AwqScaleResult res;
      AwqPlan::Group g{prefix + "attn_norm -> attn_q,attn_k,attn_v", 0, 0, 0};
      if (search(name("attn_q"), {&q, &k, &v}, meanAbsOf(name("attn_q")),
                 nullptr, res)) {
        for (const char *kind : {"attn_q", "attn_k", "attn_v"})
          plan.columnScales[name(kind)] = res.scales;
        plan.normDivisors[name("attn_norm")] = res.scales;
        g.alpha = res.alpha, g.loss = res.loss, g.rtnLoss = res.rtnLoss;
      }
      report(g);
    }
    // attn_v rows -> attn_output, one scale per key/value channel.
    {
      DecodedMatrix o = weights.matrix(name("attn_output"));
      const uint32_t headDim = config.headDim(), group = config.groupSize();
      const size_t kvDim = config.kvDim();
      std::vector<size_t> map(config.dim);
      for (size_t c = 0; c < config.dim; ++c)
        map[c] = (c / headDim / group) * headDim + c % headDim;
      std::vector<double> full = meanAbsOf(name("attn_output")), free;
      if (!full.empty()) {
        free.assign(kvDim, 0.0);
        for (size_t c = 0; c < config.dim; ++c)
          free[map[c]] += full[c] / double(group);
      }
      AwqScaleResult res;
      AwqPlan::Group g{prefix + "attn_v rows -> attn_output", 0, 0, 0};
      if (search(name("attn_output"), {&o}, free, group > 1 ? &map : nullptr,
                 res)) {
        plan.columnScales[name("attn_output")] = res.scales;
        plan.rowDivisors[name("attn_v")] =
            group > 1 ? awqScalesForAlpha(free, res.alpha) : res.scales;
        g.alpha = res.alpha, g.loss = res.loss, g.rtnLoss = res.rtnLoss;
      }
      report(g);
    }
    // ffn_norm -> gate, up.
    {
      DecodedMatrix gate = weights.matrix(name("ffn_gate")),
                    up = weights.matrix(name("ffn_up"));
      AwqScaleResult res;
      AwqPlan::Group g{prefix + "ffn_norm -> ffn_gate,ffn_up", 0, 0, 0};
      if (search(name("ffn_gate"), {&gate, &up}, meanAbsOf(name("ffn_gate")),
                 nullptr, res)) {
        plan.columnScales[name("ffn_gate")] = res.scales;
        plan.columnScales[name("ffn_up")] = res.scales;
        plan.normDivisors[name("ffn_norm")] = res.scales;
        g.alpha = res.alpha, g.loss = res.loss, g.rtnLoss = res.rtnLoss;
      }
      report(g);
    }
    // ffn_up rows -> ffn_down.
    {
      DecodedMatrix down = weights.matrix(name("ffn_down"));
      AwqScaleResult res;
      AwqPlan::Group g{prefix + "ffn_up rows -> ffn_down", 0, 0, 0};
      if (search(name("ffn_down"), {&down}, meanAbsOf(name("ffn_down")),
                 nullptr, res)) {
        plan.columnScales[name("ffn_down")] = res.scales;
        plan.rowDivisors[name("ffn_up")] = res.scales;
        g.alpha = res.alpha, g.loss = res.loss, g.rtnLoss = res.rtnLoss;
      }
      report(g);
    }
  }
  if (!config.tiedOutput) {
    DecodedMatrix out = weights.matrix("output.weight");
    AwqScaleResult res;
    AwqPlan::Group g{"output_norm -> output", 0, 0, 0};
    if (search("output.weight", {&out}, meanAbsOf("output.weight"), nullptr,
               res)) {
      plan.columnScales["output.weight"] = res.scales;
      plan.normDivisors["output_norm.weight"] = res.scales;
      g.alpha = res.alpha, g.loss = res.loss, g.rtnLoss = res.rtnLoss;
    }
    report(g);
  }
  return plan;
}

DecodedMatrix awqTransformed(const models::LlamaWeights &weights,
                             const AwqPlan &plan, const std::string &name) {
  DecodedMatrix m = weights.matrix(name);
  if (auto it = plan.normDivisors.find(name); it != plan.normDivisors.end()) {
    for (uint64_t r = 0; r < m.rows; ++r)
      for (uint64_t c = 0; c < m.cols; ++c)
        m.row(r)[c] /= it->second[c];
    return m;
  }
  if (auto it = plan.columnScales.find(name); it != plan.columnScales.end())
    for (uint64_t r = 0; r < m.rows; ++r)
      for (uint64_t c = 0; c < m.cols; ++c)
        m.row(r)[c] *= it->second[c];
  if (auto it = plan.rowDivisors.find(name); it != plan.rowDivisors.end())
    for (uint64_t r = 0; r < m.rows; ++r)
      for (uint64_t c = 0; c < m.cols; ++c)
        m.row(r)[c] /= it->second[r];
  return m;
}

void applyAwqPlan(models::LlamaWeights &weights, const AwqPlan &plan) {
  std::vector<std::string> names;
  for (const auto *m :
       {&plan.columnScales, &plan.rowDivisors, &plan.normDivisors})
    for (const auto &kv : *m)
      names.push_back(kv.first);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::vector<DecodedMatrix> values;
  for (const std::string &n : names)
    values.push_back(awqTransformed(weights, plan, n));
  for (size_t i = 0; i < names.size(); ++i)
    weights.setOverride(names[i], std::move(values[i]));
}

std::string quantizeLlamaMatrix(const models::LlamaWeights &weights,
                                const Calibration *calib, const AwqPlan *plan,
                                const fmt::FormatSpec &spec,
                                const std::string &name,
                                const PtqOptions &options, uint8_t *out,
                                MatrixReport *report) {
  MatrixReport local;
  MatrixReport &rep = report ? *report : local;
  rep = MatrixReport();
  DecodedMatrix w;
  try {
    w = weights.matrix(name);
  } catch (const std::exception &e) {
    return e.what();
  }
  const size_t rows = w.rows, cols = w.cols;
  if (std::string why = fmt::checkRowLength(spec, cols); !why.empty())
    return name + ": " + why;
  const size_t rowBytes = spec.rowBytes(cols);
  const InputStats *stats = calib ? calib->find(name) : nullptr;
  const unsigned threads =
      detail::threadCount(options.method == Method::Awq ? options.awq.threads
                                                        : options.gptq.threads);

  std::vector<float> wf(rows * cols);
  for (size_t i = 0; i < rows * cols; ++i)
    wf[i] = float(w.data[i]);
  auto rtn = [&](const float *src, uint8_t *dst) {
    detail::parallelFor(rows, threads, 16, [&](size_t rb, size_t re) {
      for (size_t r = rb; r < re; ++r)
        fmt::quantizeRow(spec, src + r * cols, cols, dst + r * rowBytes);
    });
  };

  // Back to the original model: Ŵ_rc = q_rc * d_r / s_c (AWQ), else q_rc.
  const std::vector<double> *colScales = nullptr, *rowDivs = nullptr;
  rep.applied = "rtn";
  switch (options.method) {
  case Method::Rtn:
    rtn(wf.data(), out);
    break;
  case Method::Gptq:
    if (!stats || stats->hessian.empty() || stats->count == 0) {
      rep.applied = "rtn (no calibration data)";
      rtn(wf.data(), out);
      break;
    }
    rep.applied = "gptq";
    if (std::string err =
            gptqQuantize(spec, wf.data(), rows, cols, stats->hessian.data(),
                         options.gptq, out, nullptr, &rep.gptq);
        !err.empty())
      return name + ": " + err;
    break;
  case Method::Awq: {
    if (!plan)
      return name + ": awq needs a plan (planAwq)";
    rep.applied = "awq";
    DecodedMatrix t = awqTransformed(weights, *plan, name);
    if (auto it = plan->columnScales.find(name); it != plan->columnScales.end())
      colScales = &it->second;
    if (auto it = plan->rowDivisors.find(name); it != plan->rowDivisors.end())
      rowDivs = &it->second;
    const bool qk =
        endsWith(name, ".attn_q.weight") || endsWith(name, ".attn_k.weight");
    if (options.awq.clip && !qk && stats && stats->numSamples() > 0) {
      // The input as the folded matrix sees it: x / s.
      std::vector<double> xs = stats->samples;
      if (colScales)
        for (size_t k = 0; k < stats->numSamples(); ++k)
          for (size_t c = 0; c < cols; ++c)
            xs[k * cols + c] /= (*colScales)[c];
      rep.clip = awqClip(spec, t.data.data(), rows, cols, xs.data(),
                         stats->numSamples(), options.awq);
    }
    std::vector<float> tf(rows * cols);
    for (size_t i = 0; i < rows * cols; ++i)
      tf[i] = float(t.data[i]);
    rtn(tf.data(), out);
    break;
  }
  }

  if (stats && stats->numSamples() > 0 && stats->dim == cols) {
    auto decodeInto = [&](const uint8_t *bytes, size_t r, double *a,
                          bool undoAwq) {
      std::vector<float> q(cols);
      fmt::dequantizeRow(spec, bytes + r * rowBytes, cols, q.data());
      for (size_t c = 0; c < cols; ++c) {
        double v = q[c];
        if (undoAwq && rowDivs)
          v *= (*rowDivs)[r];
        if (undoAwq && colScales)
          v /= (*colScales)[c];
        a[c] = v;
      }
    };
    auto [e, y] = outputErrors(
        w, *stats, [&](size_t r, double *a) { decodeInto(out, r, a, true); },
        threads);
    rep.relError = y > 0 ? e / y : 0;
    if (options.method == Method::Rtn) {
      rep.rtnRelError = rep.relError;
    } else {
      std::vector<uint8_t> base(rows * rowBytes);
      rtn(wf.data(), base.data());
      auto [e0, y0] = outputErrors(
          w, *stats,
          [&](size_t r, double *a) { decodeInto(base.data(), r, a, false); },
          threads);
      rep.rtnRelError = y0 > 0 ? e0 / y0 : 0;
    }
  }
  return "";
}

} // namespace quant::ptq
