//===- AwqTest.cpp - AWQ scales, folding and clipping ---------------------===//
//
// (c) Folding the AWQ scales into the norms and matrices (and v -> o,
//     up -> down rows) leaves the float64 model's logits unchanged.
// (d) On a layer whose activations have a few large-magnitude channels (the
//     AWQ paper's motivation), AWQ lowers the output error below RTN's.
// Plus the model-level methods on a synthetic llama model.
//
//===----------------------------------------------------------------------===//

#include "PtqTestUtil.h"

#include "quant/models/LlamaForward.h"
#include "quant/ptq/Awq.h"
#include "quant/ptq/Calibration.h"
#include "quant/ptq/LlamaPtq.h"

#include <gtest/gtest.h>

using namespace quant;
using namespace quant::ptq::test;

namespace {

double maxRelDiff(const std::vector<std::vector<double>> &a,
                  const std::vector<std::vector<double>> &b) {
  double diff = 0, scale = 0;
  for (size_t p = 0; p < a.size(); ++p)
    for (size_t i = 0; i < a[p].size(); ++i) {
      diff = std::max(diff, std::fabs(a[p][i] - b[p][i]));
      scale = std::max(scale, std::fabs(a[p][i]));
    }
  return diff / scale;
}

// (c) with the searched plan and with random scales on every fold.
TEST(Awq, FoldedScalesLeaveTheFloatModelUnchanged) {
  SyntheticModel model; // GQA: 4 heads over 2 key/value heads.
  const models::LlamaConfig &cfg = model.config();
  ASSERT_GT(cfg.groupSize(), 1u);
  models::LlamaWeights original(model.file());
  auto windows = randomWindows(2, 32, cfg.vocabSize, 7);
  ptq::Calibration calib = ptq::calibrate(original, cfg, windows);
  const std::vector<int32_t> tokens = {1, 17, 200, 301, 45, 45, 3, 260, 119};
  auto before = models::llamaForward(original, cfg, tokens);

  ptq::AwqPlan plan = ptq::planAwq(original, cfg, calib, named("q4_0"), {});
  ASSERT_EQ(plan.groups.size(), size_t(cfg.layers) * 4 + 1);
  for (const auto &g : plan.groups)
    std::printf("awq %-40s alpha %.2f loss/rtn %.4f\n", g.name.c_str(), g.alpha,
                g.rtnLoss > 0 ? g.loss / g.rtnLoss : 1.0);
  models::LlamaWeights folded(model.file());
  ptq::applyAwqPlan(folded, plan);
  double d = maxRelDiff(before, models::llamaForward(folded, cfg, tokens));
  std::printf("searched plan: max |logit difference| / max |logit| = %.3g\n",
              d);
  EXPECT_LT(d, 1e-9);

  // Random scales in [0.25, 4] on every fold, so that the check does not
  // depend on which alpha the search picked.
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  auto randomize = [&](std::map<std::string, std::vector<double>> &m) {
    for (auto &kv : m)
      for (double &s : kv.second)
        s = std::exp2(u(rng));
  };
  ptq::AwqPlan random = plan;
  randomize(random.columnScales);
  // Keep each fold consistent: the divisor of the producer equals the
  // scale of the consumer's column.
  for (uint32_t l = 0; l < cfg.layers; ++l) {
    auto n = [&](const char *k) { return models::blockTensorName(l, k); };
    const auto &s1 = random.columnScales[n("attn_q")];
    random.columnScales[n("attn_k")] = s1;
    random.columnScales[n("attn_v")] = s1;
    random.normDivisors[n("attn_norm")] = s1;
    std::vector<double> kv(cfg.kvDim());
    for (double &s : kv)
      s = std::exp2(u(rng));
    std::vector<double> o(cfg.dim);
    for (size_t c = 0; c < cfg.dim; ++c)
      o[c] = kv[(c / cfg.headDim() / cfg.groupSize()) * cfg.headDim() +
                c % cfg.headDim()];
    random.rowDivisors[n("attn_v")] = kv;
    random.columnScales[n("attn_output")] = o;
    const auto &s3 = random.columnScales[n("ffn_gate")];
    random.columnScales[n("ffn_up")] = s3;
    random.normDivisors[n("ffn_norm")] = s3;
    random.rowDivisors[n("ffn_up")] = random.columnScales[n("ffn_down")];
  }
  random.normDivisors["output_norm.weight"] =
      random.columnScales["output.weight"];
  models::LlamaWeights randomFolded(model.file());
  ptq::applyAwqPlan(randomFolded, random);
  d = maxRelDiff(before, models::llamaForward(randomFolded, cfg, tokens));
  std::printf("random scales: max |logit difference| / max |logit| = %.3g\n",
              d);
  EXPECT_LT(d, 1e-9);
  // A wrong fold is visible: drop the attn_v row divisors.
  random.rowDivisors.erase(models::blockTensorName(0, "attn_v"));
  models::LlamaWeights broken(model.file());
  ptq::applyAwqPlan(broken, random);
  EXPECT_GT(maxRelDiff(before, models::llamaForward(broken, cfg, tokens)),
            1e-3);
}

/// Activations with a few channels 30x larger than the rest.
Dense outlierInputs(size_t samples, size_t k, uint32_t seed) {
  Dense x = gaussian(samples, k, 1.0, seed);
  for (size_t c : {3, 70, 150, 201})
    for (size_t r = 0; r < samples; ++r)
      x.at(r, c) *= 30.0;
  return x;
}

// (d)
TEST(Awq, ReducesErrorWithSalientChannels) {
  const size_t rows = 64, cols = 256;
  Dense w = gaussian(rows, cols, 0.05, 31);
  Dense calib = outlierInputs(256, cols, 32),
        heldOut = outlierInputs(512, cols, 33);
  std::vector<double> meanAbs(cols, 0.0);
  for (size_t r = 0; r < calib.rows; ++r)
    for (size_t c = 0; c < cols; ++c)
      meanAbs[c] += std::fabs(calib.at(r, c)) / double(calib.rows);
  for (const fmt::FormatSpec &spec :
       {named("q4_0"), named("int4_g128"), named("q3_k"), int3g128(),
        named("q4_k"), named("iq4_nl"), named("nf4"), named("mxfp4"),
        named("q4_1"), named("q2_k")}) {
    ptq::AwqOptions opt;
    opt.threads = 2;
    ptq::MatrixRef ref{w.v.data(), rows, cols};
    ptq::AwqScaleResult res = ptq::awqSearchScales(spec, {ref}, calib.v.data(),
                                                   calib.rows, meanAbs, opt);
    EXPECT_LE(res.loss, res.rtnLoss);
    EXPECT_DOUBLE_EQ(res.rtnLoss,
                     ptq::awqLoss(spec, {ref}, calib.v.data(), calib.rows, {}));
    // Fold, clip against the scaled samples, quantize.
    Dense ws = w, xs = calib;
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; ++c)
        ws.at(r, c) *= res.scales[c];
    for (size_t r = 0; r < xs.rows; ++r)
      for (size_t c = 0; c < cols; ++c)
        xs.at(r, c) /= res.scales[c];
    Dense scaledOnly = ws;
    ptq::AwqClipResult clip =
        ptq::awqClip(spec, ws.v.data(), rows, cols, xs.v.data(), xs.rows, opt);
    EXPECT_LE(clip.loss, clip.unclippedLoss);
    // Ŵ = Q(W s) / s back in the original model.
    auto error = [&](const Dense &folded, const Dense &x) {
      std::vector<uint8_t> bytes = rtnBytes(spec, folded);
      std::vector<float> q(cols);
      double total = 0;
      for (size_t r = 0; r < rows; ++r) {
        fmt::dequantizeRow(spec, bytes.data() + r * spec.rowBytes(cols), cols,
                           q.data());
        for (size_t n = 0; n < x.rows; ++n) {
          double e = 0;
          for (size_t c = 0; c < cols; ++c)
            e += (double(q[c]) / res.scales[c] - w.at(r, c)) * x.at(n, c);
          total += e * e;
        }
      }
      return std::sqrt(total);
    };
    const double rtn = layerError(spec, w, rtnBytes(spec, w), heldOut);
    const double scaled = error(scaledOnly, heldOut), full = error(ws, heldOut);
    std::printf("awq/rtn output error %-10s alpha %.2f  scales %.4f  "
                "scales+clip %.4f (calibration %.4f, %zu/%zu blocks "
                "clipped)\n",
                spec.name.c_str(), res.alpha, scaled / rtn, full / rtn,
                std::sqrt(clip.loss / res.rtnLoss), clip.clippedBlocks,
                clip.blocks);
    EXPECT_LT(full, rtn) << spec.name;
    if (spec.name == "mxfp4") {
      // FP4 elements have a roughly constant relative precision, so scaling
      // a salient weight up does not shrink its relative error: the search
      // may (and here does) keep alpha = 0; only the clipping helps.
      EXPECT_LE(scaled, rtn);
      continue;
    }
    EXPECT_GT(res.alpha, 0) << spec.name;
    EXPECT_LT(scaled, rtn) << spec.name;
  }
}

TEST(Awq, ScalesForAlpha) {
  std::vector<double> m = {1, 4, 16, 0};
  std::vector<double> s0 = ptq::awqScalesForAlpha(m, 0);
  EXPECT_EQ(s0, std::vector<double>(4, 1.0));
  std::vector<double> s = ptq::awqScalesForAlpha(m, 0.5);
  // m floored at 1e-5 * 16; s normalised so that max * min = 1.
  const double lo = std::sqrt(16e-5), hi = 4;
  EXPECT_NEAR(s[1] / s[0], 2.0, 1e-12);
  EXPECT_NEAR(s[2] * s[3], 1.0, 1e-12);
  EXPECT_NEAR(s[2] / s[3], hi / lo, 1e-9);
  EXPECT_EQ(ptq::awqScalesForAlpha({0, 0}, 0.5), std::vector<double>(2, 1.0));
}

// The model-level methods on a synthetic model: GPTQ and AWQ against RTN on
// the calibration samples of every linear weight, and the logits of the
// stored quantized model (quantized matrices, AWQ's rescaled norms; the
// embedding kept in float) against the float model on held-out tokens.
void checkMethods(const tool::SyntheticLlamaOptions &options,
                  const std::vector<const char *> &formats,
                  size_t calibrationWindows) {
  SyntheticModel model(options);
  const models::LlamaConfig &cfg = model.config();
  models::LlamaWeights weights(model.file());
  // GPTQ needs more calibration vectors than input channels (H of full
  // rank), else it fits the calibration inputs at the expense of others.
  auto windows = randomWindows(calibrationWindows, 128, cfg.vocabSize, 9);
  ptq::Calibration calib = ptq::calibrate(weights, cfg, windows);
  auto heldOut = randomWindows(2, 48, cfg.vocabSize, 10);
  std::vector<std::vector<std::vector<double>>> reference;
  for (const auto &w : heldOut)
    reference.push_back(models::llamaForward(weights, cfg, w));
  const std::vector<std::string> linear = ptq::llamaLinearWeights(cfg);
  for (const char *format : formats) {
    const fmt::FormatSpec spec = named(format);
    ptq::AwqPlan plan = ptq::planAwq(weights, cfg, calib, spec, {});
    double rtnLogitError = 0;
    for (ptq::Method m :
         {ptq::Method::Rtn, ptq::Method::Gptq, ptq::Method::Awq}) {
      ptq::PtqOptions opt;
      opt.method = m;
      models::LlamaWeights stored(model.file());
      if (m == ptq::Method::Awq)
        for (const auto &kv : plan.normDivisors)
          stored.setOverride(kv.first,
                             ptq::awqTransformed(weights, plan, kv.first));
      double err = 0, rtn = 0;
      for (const std::string &name : linear) {
        const gguf::TensorInfo *t = model.file().findTensor(name);
        const size_t cols = t->rowLength(), rowBytes = spec.rowBytes(cols);
        std::vector<uint8_t> out(t->numRows() * rowBytes);
        ptq::MatrixReport rep;
        ASSERT_EQ(ptq::quantizeLlamaMatrix(weights, &calib, &plan, spec, name,
                                           opt, out.data(), &rep),
                  "");
        EXPECT_EQ(rep.applied, std::string(ptq::toString(m)));
        ASSERT_GE(rep.relError, 0);
        if (m == ptq::Method::Gptq) {
          EXPECT_LT(rep.relError, rep.rtnRelError) << name;
        }
        err += rep.relError;
        rtn += rep.rtnRelError;
        models::DecodedMatrix q{t->numRows(), cols, {}};
        std::vector<float> row(cols);
        for (uint64_t r = 0; r < q.rows; ++r) {
          fmt::dequantizeRow(spec, out.data() + r * rowBytes, cols,
                             row.data());
          q.data.insert(q.data.end(), row.begin(), row.end());
        }
        stored.setOverride(name, std::move(q));
      }
      double num = 0, den = 0;
      for (size_t w = 0; w < heldOut.size(); ++w) {
        auto l = models::llamaForward(stored, cfg, heldOut[w]);
        for (size_t p = 0; p < l.size(); ++p)
          for (size_t i = 0; i < l[p].size(); ++i) {
            const double d = l[p][i] - reference[w][p][i];
            num += d * d;
            den += reference[w][p][i] * reference[w][p][i];
          }
      }
      const double logitError = std::sqrt(num / den);
      if (m == ptq::Method::Rtn)
        rtnLogitError = logitError;
      std::printf("%-6s %-4s layer output error (calibration) %.5f, rtn "
                  "%.5f; held-out logits: relative RMS error %.5f (%.3f of "
                  "rtn)\n",
                  format, std::string(ptq::toString(m)).c_str(),
                  err / double(linear.size()), rtn / double(linear.size()),
                  logitError, logitError / rtnLogitError);
      if (m != ptq::Method::Rtn) {
        EXPECT_LT(err, rtn) << format;
        EXPECT_LT(logitError, rtnLogitError) << format;
      }
    }
  }
}

TEST(LlamaPtq, MethodsOnASyntheticModel) {
  checkMethods(SyntheticModel::defaults(), {"q4_0", "q4_1", "iq4_nl", "nf4"},
               8);
}

TEST(LlamaPtq, MethodsOnASyntheticModelWithKQuants) {
  tool::SyntheticLlamaOptions o = SyntheticModel::defaults();
  o.dim = 256;
  o.ffnDim = 512;
  o.layers = 1;
  checkMethods(o, {"q4_k", "q3_k"}, 16);
}

} // namespace
