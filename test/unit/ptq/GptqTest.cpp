//===- GptqTest.cpp - GPTQ on synthetic layers ----------------------------===//
//
// (a) On a 64 x 256 layer with correlated calibration inputs (X = Z A), GPTQ
//     lowers the layer-output error ‖(Q(W) − W) Xᵀ‖ below RTN's, on the
//     calibration inputs and on held-out inputs of the same distribution.
// (b) The bytes GPTQ writes decode exactly to the values it committed to,
//     for every format (per-group headers recomputed inside each block).
// Plus the linear algebra it relies on, dead input channels and errors.
//
//===----------------------------------------------------------------------===//

#include "PtqInternal.h"
#include "PtqTestUtil.h"

#include "quant/formats/Codec.h"
#include "quant/ptq/Gptq.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

using namespace quant;
using namespace quant::ptq::test;

namespace {

constexpr size_t kRows = 64, kCols = 256;

struct Layer {
  Dense w, calib, heldOut;
  std::vector<double> h;
  Layer()
      : w(gaussian(kRows, kCols, 0.05, 11)),
        calib(correlatedInputs(1024, kCols, 21, 1)),
        heldOut(correlatedInputs(512, kCols, 21, 2)) {
    h = hessianOf(calib);
  }
};

const Layer &layer() {
  static const Layer l;
  return l;
}

struct Outcome {
  double calibRatio, heldOutRatio;
};

Outcome runGptq(const fmt::FormatSpec &spec, bool actOrder = true) {
  const Layer &l = layer();
  std::vector<float> wf = toFloat(l.w);
  std::vector<uint8_t> bytes(kRows * spec.rowBytes(kCols));
  ptq::GptqOptions opt;
  opt.actOrder = actOrder;
  std::string err = ptq::gptqQuantize(spec, wf.data(), kRows, kCols, l.h.data(),
                                      opt, bytes.data());
  EXPECT_EQ(err, "");
  std::vector<uint8_t> rtn = rtnBytes(spec, l.w);
  Outcome o;
  o.calibRatio = layerError(spec, l.w, bytes, l.calib) /
                 layerError(spec, l.w, rtn, l.calib);
  o.heldOutRatio = layerError(spec, l.w, bytes, l.heldOut) /
                   layerError(spec, l.w, rtn, l.heldOut);
  return o;
}

TEST(GptqLinearAlgebra, UpperCholeskyOfInverse) {
  const size_t n = 40;
  Dense x = correlatedInputs(200, n, 5, 5);
  std::vector<double> h = hessianOf(x);
  std::vector<double> u;
  ASSERT_TRUE(ptq::detail::upperCholeskyOfInverse(h, n, u, 2));
  // Upper triangular with a positive diagonal, and Uᵀ U H = I.
  for (size_t i = 0; i < n; ++i) {
    EXPECT_GT(u[i * n + i], 0);
    for (size_t j = 0; j < i; ++j)
      EXPECT_EQ(u[i * n + j], 0.0);
  }
  double worst = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0;
      for (size_t k = 0; k < n; ++k) {
        double inv = 0; // (Uᵀ U)[i][k]
        for (size_t m = 0; m < n; ++m)
          inv += u[m * n + i] * u[m * n + k];
        s += inv * h[k * n + j];
      }
      worst = std::max(worst, std::fabs(s - (i == j ? 1.0 : 0.0)));
    }
  EXPECT_LT(worst, 1e-8);
  // Not positive definite: refused.
  std::vector<double> bad(4, 0.0);
  bad[0] = 1;
  bad[3] = -1;
  EXPECT_FALSE(ptq::detail::upperCholeskyOfInverse(bad, 2, u, 1));
}

// (a) A strict reduction of the output error against RTN.
TEST(Gptq, ReducesLayerErrorVersusRtn) {
  for (const fmt::FormatSpec &spec :
       {named("q4_0"), named("int4_g128"), named("q3_k"), int3g128(),
        named("q4_k")}) {
    ASSERT_TRUE(spec.validate().empty()) << spec.name;
    Outcome o = runGptq(spec);
    std::printf("gptq/rtn output error %-10s calibration %.4f  held-out "
                "%.4f\n",
                spec.name.c_str(), o.calibRatio, o.heldOutRatio);
    EXPECT_LT(o.calibRatio, 0.95) << spec.name;
    EXPECT_LT(o.heldOutRatio, 1.0) << spec.name;
  }
}

// Every named format (and int3 g128): GPTQ is better than RTN on the
// calibration data, with and without act-order.
TEST(Gptq, EveryFormatBetterThanRtn) {
  std::vector<fmt::FormatSpec> specs = fmt::namedFormats();
  specs.push_back(int3g128());
  for (const fmt::FormatSpec &spec : specs) {
    Outcome o = runGptq(spec);
    Outcome plain = runGptq(spec, /*actOrder=*/false);
    std::printf("gptq/rtn output error %-10s act-order %.4f (held-out %.4f)"
                "  in order %.4f (held-out %.4f)\n",
                spec.name.c_str(), o.calibRatio, o.heldOutRatio,
                plain.calibRatio, plain.heldOutRatio);
    EXPECT_LT(o.calibRatio, 1.0) << spec.name;
    EXPECT_LT(plain.calibRatio, 1.0) << spec.name;
  }
}

bool sameFloat(float a, float b) {
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x == y;
}

// (b) The bytes decode to exactly the committed values.
TEST(Gptq, BytesDecodeToCommittedValues) {
  const Layer &l = layer();
  std::vector<fmt::FormatSpec> specs = fmt::namedFormats();
  specs.push_back(int3g128());
  std::vector<float> wf = toFloat(l.w);
  for (const fmt::FormatSpec &spec : specs)
    for (bool actOrder : {true, false}) {
      const size_t rowBytes = spec.rowBytes(kCols);
      std::vector<uint8_t> bytes(kRows * rowBytes);
      std::vector<float> committed(kRows * kCols, -12345.0f), q(kCols);
      ptq::GptqOptions opt;
      opt.actOrder = actOrder;
      opt.threads = 2;
      ASSERT_EQ(ptq::gptqQuantize(spec, wf.data(), kRows, kCols, l.h.data(),
                                  opt, bytes.data(), committed.data()),
                "");
      size_t mismatches = 0;
      for (size_t r = 0; r < kRows; ++r) {
        fmt::dequantizeRow(spec, bytes.data() + r * rowBytes, kCols, q.data());
        for (size_t c = 0; c < kCols; ++c)
          mismatches += !sameFloat(q[c], committed[r * kCols + c]);
      }
      EXPECT_EQ(mismatches, 0u) << spec.name << " act-order " << actOrder;
    }
}

// The result does not depend on the thread count.
TEST(Gptq, DeterministicAcrossThreads) {
  const Layer &l = layer();
  const fmt::FormatSpec spec = named("q4_k");
  std::vector<float> wf = toFloat(l.w);
  std::vector<uint8_t> one(kRows * spec.rowBytes(kCols)), four(one.size());
  ptq::GptqOptions opt;
  opt.threads = 1;
  ASSERT_EQ(ptq::gptqQuantize(spec, wf.data(), kRows, kCols, l.h.data(), opt,
                              one.data()),
            "");
  opt.threads = 4;
  ASSERT_EQ(ptq::gptqQuantize(spec, wf.data(), kRows, kCols, l.h.data(), opt,
                              four.data()),
            "");
  EXPECT_EQ(one, four);
}

// Input channels that are always zero: H has zero rows there. They are
// rounded on their own (no error feedback in or out) and the rest improves.
TEST(Gptq, DeadColumns) {
  const Layer &l = layer();
  Dense x = l.calib;
  for (size_t r = 0; r < x.rows; ++r)
    for (size_t c = 0; c < kCols; c += 9)
      x.at(r, c) = 0;
  std::vector<double> h = hessianOf(x);
  const fmt::FormatSpec spec = named("q4_0");
  std::vector<float> wf = toFloat(l.w), committed(kRows * kCols);
  std::vector<uint8_t> bytes(kRows * spec.rowBytes(kCols));
  ptq::GptqReport report;
  ASSERT_EQ(ptq::gptqQuantize(spec, wf.data(), kRows, kCols, h.data(), {},
                              bytes.data(), committed.data(), &report),
            "");
  EXPECT_EQ(report.deadColumns, (kCols + 8) / 9);
  for (float v : committed)
    ASSERT_TRUE(std::isfinite(v));
  EXPECT_LT(layerError(spec, l.w, bytes, x),
            layerError(spec, l.w, rtnBytes(spec, l.w), x));
  // With no calibration data at all (H = 0) every column is dead: each
  // element is the nearest value under the header of its block, i.e. the
  // values stay within the format's RTN error bound.
  std::vector<double> zero(kCols * kCols, 0.0);
  ASSERT_EQ(ptq::gptqQuantize(spec, wf.data(), kRows, kCols, zero.data(), {},
                              bytes.data(), committed.data(), &report),
            "");
  EXPECT_EQ(report.deadColumns, kCols);
  for (size_t r = 0; r < kRows; ++r)
    EXPECT_LE(std::fabs(committed[r * kCols] - wf[r * kCols]),
              fmt::rowErrorBound(spec, wf.data() + r * kCols, kCols));
}

TEST(Gptq, Errors) {
  const Layer &l = layer();
  std::vector<float> wf = toFloat(l.w);
  std::vector<uint8_t> bytes(kRows * 1024);
  // 256 columns is no multiple of nothing here; use 250 for q4_0.
  std::vector<double> h250(250 * 250, 0.0);
  std::string err = ptq::gptqQuantize(named("q4_0"), wf.data(), 1, 250,
                                      h250.data(), {}, bytes.data());
  EXPECT_NE(err.find("not a multiple of the block size 32"), std::string::npos)
      << err;
  std::vector<double> h = l.h;
  h[5] = NAN;
  err = ptq::gptqQuantize(named("q4_0"), wf.data(), kRows, kCols, h.data(), {},
                          bytes.data());
  EXPECT_NE(err.find("non-finite"), std::string::npos) << err;
}

} // namespace
