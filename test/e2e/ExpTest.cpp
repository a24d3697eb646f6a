//===- ExpTest.cpp - the CPU's f32 exp against the exact exponential ------===//
//
// The CPU pipeline computes f32 math.exp with a polynomial
// (qt-cpu-polynomial-exp) rather than libm's expf. This test compiles
// `y = exp(x)` over float arguments spread evenly (in bit-pattern order)
// from -110 (results subnormal or 0) to the largest with a finite result,
// plus the edge cases, and measures each result's error in ulps of the exact value
// (std::exp in double, within 1 double ulp: 2^-29 float ulps).
//
// The bound checked, kExpUlps, is the one the other end-to-end tests assume
// for exp (TrackedError.h); set QUANT_EXP_TEST_STRIDE=1 to check every
// float of the domain (about 2^31 arguments, a few minutes).
//
//===----------------------------------------------------------------------===//

#include "E2EUtil.h"
#include "TrackedError.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace quant::e2e {
namespace {

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}
uint32_t toBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

/// Distance of `y` from the exact exp(x), in ulps of the exact value's
/// float binade (2^-149 below the normal range).
double ulpError(float x, float y) {
  double exact = std::exp(double(x));
  if (std::isinf(exact) || exact > std::numeric_limits<float>::max())
    return std::isinf(y) ? 0 : INFINITY;
  int exponent;
  std::frexp(exact, &exponent); // exact = m * 2^exponent, m in [0.5, 1)
  double ulp = std::ldexp(1.0, std::max(exponent - 24, -149));
  return std::fabs(double(y) - exact) / ulp;
}

/// Calls `visit(x)` for every `stride`-th float in bit-pattern order in
/// [0, positive] and in [-negative, 0].
template <typename Visit>
void forEachArgument(float negative, float positive, uint32_t stride,
                     Visit visit) {
  for (uint64_t bits = 0; bits <= toBits(positive); bits += stride)
    visit(fromBits(uint32_t(bits)));
  for (uint64_t bits = 0; bits <= toBits(negative); bits += stride)
    visit(-fromBits(uint32_t(bits)));
}

class Exp : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = freshWorkDir("exp");
    executable = dir + "/exp";
    // Entry points have static shapes: every run passes kCapacity arguments
    // (padded with zeros). The loop runs vectorized with a scalar tail.
    std::string source = dir + "/exp.mlir";
    std::string type = "tensor<" + std::to_string(kCapacity) + "xf32>";
    ASSERT_TRUE(writeTextFile(
        source, "func.func @main(%x: " + type + ") -> " + type + " {\n" +
                    "  %y = math.exp %x : " + type + "\n" +
                    "  return %y : " + type + "\n}\n"));
    ProcessResult compiled = compileProgram(source, executable);
    ASSERT_TRUE(compiled.succeeded()) << compiled.describe();
  }

  /// exp of each of `x`, computed by the compiled program.
  static std::vector<float> run(std::vector<float> x) {
    size_t count = x.size();
    EXPECT_LE(count, size_t(kCapacity));
    x.resize(kCapacity, 0.0f);
    std::string in = dir + "/x.npy", out = dir + "/y.npy";
    std::string error = writeF32Npy(in, {kCapacity}, x);
    EXPECT_EQ(error, "");
    ProcessResult result = runProcess(
        {executable, "--input", in, "--output", out}, dir + "/run");
    EXPECT_TRUE(result.succeeded()) << result.describe();
    std::vector<int64_t> shape;
    std::vector<float> y;
    error = readF32Npy(out, shape, y);
    EXPECT_EQ(error, "");
    EXPECT_EQ(y.size(), x.size());
    y.resize(count);
    return y;
  }

  /// Arguments per run (16 MiB): every 4096th float of the domain is
  /// about 1.1M, so CI's check is one run.
  static constexpr int64_t kCapacity = int64_t(1) << 22;
  static std::string dir, executable;
};
std::string Exp::dir, Exp::executable;

TEST_F(Exp, WithinItsUlpBoundOverTheDomain) {
  // exp(x) is a finite normal float for x in [-87.33, 88.72], subnormal
  // down to -103.97 and 0 below; arguments down to -110 are checked.
  uint32_t stride = 4096;
  if (const char *env = std::getenv("QUANT_EXP_TEST_STRIDE"))
    stride = uint32_t(std::max(1, std::atoi(env)));
  const float largestFinite = 88.72283f;
  const float smallestNormal = -87.33654f;
  double worst = 0, worstNearOverflow = 0, worstSubnormal = 0;
  float worstAt = 0;
  size_t checked = 0, subnormal = 0;
  std::vector<float> x;
  auto check = [&] {
    std::vector<float> y = run(x);
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i] < smallestNormal) {
        // Below the normal range: an absolute error of at most
        // kExpSubnormalError (flushed or rounded towards 0).
        double error = std::fabs(double(y[i]) - std::exp(double(x[i])));
        worstSubnormal = std::max(worstSubnormal, error);
        EXPECT_LE(error, kExpSubnormalError)
            << "exp(" << x[i] << ") = " << y[i];
        ++subnormal;
        continue;
      }
      double ulps = ulpError(x[i], y[i]);
      if (x[i] >= kExpNearOverflow) {
        worstNearOverflow = std::max(worstNearOverflow, ulps);
      } else if (ulps > worst) {
        worst = ulps;
        worstAt = x[i];
      }
      ++checked;
    }
    x.clear();
  };
  forEachArgument(110.0f, largestFinite, stride, [&](float value) {
    x.push_back(value);
    if (x.size() == size_t(kCapacity))
      check();
  });
  check();
  std::printf("exp: every %u-th float, %zu arguments with normal results, "
              "worst %.3f ulp at %.9g (%.3f ulp from %g); %zu below the "
              "normal range, worst absolute error %.3g\n",
              stride, checked, worst, double(worstAt), worstNearOverflow,
              double(kExpNearOverflow), subnormal, worstSubnormal);
  EXPECT_LE(worst, kExpUlps) << "at x = " << worstAt;
  EXPECT_LE(worstNearOverflow, kExpUlpsNearOverflow);
}

TEST_F(Exp, EdgeCases) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {0.0f, -0.0f, inf, -inf, 88.72284f, 89.0f, 1e30f,
                          -1e30f, -200.0f, std::nanf("")};
  std::vector<float> y = run(x);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], 1.0f);
  EXPECT_EQ(y[2], inf);
  EXPECT_EQ(y[3], 0.0f);
  EXPECT_EQ(y[4], inf); // the first argument whose exp overflows
  EXPECT_EQ(y[5], inf);
  EXPECT_EQ(y[6], inf);
  EXPECT_EQ(y[7], 0.0f);
  EXPECT_EQ(y[8], 0.0f);
  EXPECT_TRUE(std::isnan(y[9]));
}

} // namespace
} // namespace quant::e2e
