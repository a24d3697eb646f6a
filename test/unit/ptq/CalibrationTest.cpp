//===- CalibrationTest.cpp - Calibration windows and input statistics -----===//

#include "PtqTestUtil.h"

#include "quant/models/LlamaForward.h"
#include "quant/ptq/Calibration.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace quant;
using namespace quant::ptq::test;

namespace {

TEST(Calibration, GroupLeaders) {
  EXPECT_EQ(ptq::inputGroupLeader("blk.3.attn_k.weight"),
            "blk.3.attn_q.weight");
  EXPECT_EQ(ptq::inputGroupLeader("blk.3.attn_v.weight"),
            "blk.3.attn_q.weight");
  EXPECT_EQ(ptq::inputGroupLeader("blk.3.attn_q.weight"),
            "blk.3.attn_q.weight");
  EXPECT_EQ(ptq::inputGroupLeader("blk.12.ffn_up.weight"),
            "blk.12.ffn_gate.weight");
  EXPECT_EQ(ptq::inputGroupLeader("blk.0.ffn_down.weight"),
            "blk.0.ffn_down.weight");
  EXPECT_EQ(ptq::inputGroupLeader("blk.0.attn_output.weight"),
            "blk.0.attn_output.weight");
  EXPECT_EQ(ptq::inputGroupLeader("output.weight"), "output.weight");
}

TEST(Calibration, Windows) {
  std::vector<int32_t> tokens = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
  auto w = ptq::makeCalibrationWindows(tokens, 1, 4, 0);
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0], (std::vector<int32_t>{1, 10, 11, 12}));
  EXPECT_EQ(w[2], (std::vector<int32_t>{1, 16, 17, 18}));
  EXPECT_EQ(w[3], (std::vector<int32_t>{1, 19}));
  EXPECT_EQ(ptq::makeCalibrationWindows(tokens, 1, 4, 2).size(), 2u);
  auto noBos = ptq::makeCalibrationWindows(tokens, -1, 4, 0);
  ASSERT_EQ(noBos.size(), 3u);
  EXPECT_EQ(noBos[0], (std::vector<int32_t>{10, 11, 12, 13}));
  EXPECT_TRUE(ptq::makeCalibrationWindows({}, 1, 4, 0).empty());
}

// The observer sees every matrix-vector product; the statistics equal those
// recomputed from all the vectors it saw.
TEST(Calibration, StatisticsMatchTheObservedInputs) {
  SyntheticModel model;
  const models::LlamaConfig &cfg = model.config();
  models::LlamaWeights weights(model.file());
  auto windows = randomWindows(3, 24, cfg.vocabSize, 3);

  std::map<std::string, std::vector<std::vector<double>>> seen;
  models::ForwardOptions fwd;
  fwd.computeLogits = false;
  fwd.observer = [&](const std::string &name, const double *x, size_t n) {
    seen[name].emplace_back(x, x + n);
  };
  for (const auto &w : windows)
    EXPECT_TRUE(models::llamaForward(weights, cfg, w, fwd).empty());
  // 7 matrices per layer plus the output projection.
  EXPECT_EQ(seen.size(), size_t(cfg.layers) * 7 + 1);
  EXPECT_EQ(seen.at("blk.1.ffn_down.weight").front().size(), cfg.ffnDim);
  EXPECT_EQ(seen.at("output.weight").size(), 3u * 24u);
  EXPECT_EQ(seen.at("blk.0.attn_k.weight"), seen.at("blk.0.attn_q.weight"));

  ptq::CalibrationOptions opt;
  opt.maxSamples = 50;
  size_t progressCalls = 0;
  opt.progress = [&](size_t done, size_t total) {
    ++progressCalls;
    EXPECT_EQ(total, 3u);
    EXPECT_EQ(done, progressCalls);
  };
  ptq::Calibration calib = ptq::calibrate(weights, cfg, windows, opt);
  EXPECT_EQ(progressCalls, 3u);
  EXPECT_EQ(calib.windows, 3u);
  EXPECT_EQ(calib.tokens, 72u);
  // One entry per distinct input: q/k/v and gate/up share.
  EXPECT_EQ(calib.inputs().size(), size_t(cfg.layers) * 4 + 1);
  for (const char *name : {"blk.0.attn_v.weight", "blk.1.ffn_up.weight",
                           "blk.1.attn_output.weight", "output.weight"}) {
    const ptq::InputStats *st = calib.find(name);
    ASSERT_NE(st, nullptr) << name;
    const auto &vecs = seen.at(name);
    const size_t n = st->dim;
    ASSERT_EQ(n, vecs.front().size());
    EXPECT_EQ(st->count, vecs.size());
    double worst = 0, scale = 0;
    for (size_t i = 0; i < n; ++i)
      for (size_t j = 0; j < n; ++j) {
        double h = 0;
        for (const auto &x : vecs)
          h += x[i] * x[j];
        worst = std::max(worst, std::fabs(h - st->hessian[i * n + j]));
        scale = std::max(scale, std::fabs(h));
      }
    EXPECT_LT(worst, 1e-12 * scale) << name;
    std::vector<double> mean = st->meanAbs();
    for (size_t c = 0; c < n; ++c) {
      double m = 0;
      for (const auto &x : vecs)
        m += std::fabs(x[c]);
      EXPECT_NEAR(mean[c], m / double(vecs.size()), 1e-12 * (1 + m));
    }
    // A bounded subsample of the vectors, without duplicates of one vector.
    ASSERT_EQ(st->numSamples(), 50u);
    std::set<std::vector<double>> all(vecs.begin(), vecs.end()), picked;
    for (size_t k = 0; k < st->numSamples(); ++k) {
      std::vector<double> s(st->samples.begin() + k * n,
                            st->samples.begin() + (k + 1) * n);
      EXPECT_TRUE(all.count(s)) << name;
      picked.insert(s);
    }
    EXPECT_GT(picked.size(), 40u);
  }
  // Deterministic: the same seed samples the same vectors.
  opt.progress = nullptr;
  ptq::Calibration again = ptq::calibrate(weights, cfg, windows, opt);
  EXPECT_EQ(again.find("output.weight")->samples,
            calib.find("output.weight")->samples);
  // Without H, with a filter.
  opt.collectHessian = false;
  opt.filter = [](const std::string &n) { return n == "output.weight"; };
  ptq::Calibration light = ptq::calibrate(weights, cfg, windows, opt);
  EXPECT_EQ(light.inputs().size(), 1u);
  EXPECT_TRUE(light.find("output.weight")->hessian.empty());
  EXPECT_EQ(light.find("blk.0.attn_q.weight"), nullptr);
}

} // namespace
