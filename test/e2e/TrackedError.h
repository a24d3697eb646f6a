//===- TrackedError.h - running float32 error bounds ----------*- C++ -*-===//
//
// A value computed in double by a reference, carried with a bound on how far
// the program's float32 computation of it can be (Higham, Accuracy and
// Stability of Numerical Algorithms, section 3.3): each operation adds its own
// rounding to the errors its operands propagate.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_E2E_TRACKEDERROR_H
#define QUANT_TEST_E2E_TRACKEDERROR_H

#include "Reference.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace quant::e2e {

/// Roundings a libm call (tanhf, sincosf; exp, tanh, sin and cos in
/// double) may add, in units of u: glibc documents at most 2 ulps for each on
/// x86-64, and 2 ulps of y are at most 4 u |y|. Measured exhaustively on
/// glibc 2.36 (Debian 12) over the arguments SurroundingOpsTest produces:
/// sincosf 1.07 u (|x| <= 64), tanhf 2.84 u (|x| <= 10; that is
/// 2.19 ulps at its worst, more than the documented 2 ulps, but where the
/// result is not just above a power of two).
constexpr int kLibmRoundings = 4;

/// The CPU's f32 exp (qt-cpu-polynomial-exp, not libm), measured against
/// the exact value over every float argument (ExpTest.cpp with
/// QUANT_EXP_TEST_STRIDE=1): at most kExpUlps ulps where the result is a
/// normal float and x < kExpNearOverflow (worst 1.0104, at x = -5.8779),
/// kExpUlpsNearOverflow from there to overflow (results above 2^126.9;
/// worst 5.511), and within kExpSubnormalError below the normal range
/// (worst 8.31e-39: results flushed to 0 or rounded towards it).
constexpr double kExpUlps = 1.02;
constexpr float kExpNearOverflow = 88.0f;
constexpr double kExpUlpsNearOverflow = 5.6;
constexpr double kExpSubnormalError = 0x1.0p-126;

/// Whose arithmetic the program's float32 operations follow.
enum class MathModel {
  /// The CPU: +, -, *, / and sqrt correctly rounded; f32 exp a polynomial
  /// (kExpUlps above); tanh, sin and cos from glibc (kLibmRoundings).
  Libm,
  /// Vulkan: what the Vulkan specification ("Precision and Operation of
  /// SPIR-V Instructions") requires of every device: +, -, * correctly
  /// rounded, OpFDiv 2.5 ulp, InverseSqrt 2 ulp, Exp 3 + 2|x| ulp, Tanh
  /// inherited from (exp(x) - exp(-x)) / (exp(x) + exp(-x)), Sin and Cos
  /// 2^-11 absolute in [-pi, pi] (kernels reduce their arguments into it
  /// first, see codegen/vulkan/ReduceTrigRange.cpp). One ulp of y is at most
  /// 2u|y|.
  Vulkan,
};

/// The model the reference functions below use (set per test).
inline MathModel &mathModel() {
  static MathModel model = MathModel::Libm;
  return model;
}

/// An ulp count as float roundings (2 ulps of y are at most 4 u |y|).
inline int ulpsAsRoundings(double ulps) { return int(std::ceil(2 * ulps)); }

/// A quantity the program computes in float32 and the reference in double:
/// `value` is the reference's result, `error` bounds |float - value|.
struct Tracked {
  double value = 0;
  double error = 0;
};

/// A float the program reads as it is (an input, or an earlier output).
inline Tracked exact(float value) { return {double(value), 0}; }

/// The result `value` of an operation whose operands' errors move it by at
/// most `propagated`, rounded with a relative error of at most
/// gamma_roundings in float (of a result of magnitude at most |value| +
/// propagated) and in double (counted twice for second-order terms), with
/// gradual underflow adding at most 2^-150 per float rounding.
inline Tracked rounded(double value, double propagated, int roundings) {
  double relative = gamma(roundings, kFloatUnitRoundoff) +
                    2 * gamma(roundings, kDoubleUnitRoundoff);
  double magnitude = std::fabs(value) + propagated;
  return {value, propagated + relative * magnitude + roundings * 0x1.0p-150};
}

inline Tracked operator+(Tracked a, Tracked b) {
  return rounded(a.value + b.value, a.error + b.error, 1);
}
inline Tracked operator-(Tracked a, Tracked b) {
  return rounded(a.value - b.value, a.error + b.error, 1);
}
inline Tracked operator-(Tracked a) { return {-a.value, a.error}; }
inline Tracked operator*(Tracked a, Tracked b) {
  return rounded(a.value * b.value,
                 std::fabs(a.value) * b.error + std::fabs(b.value) * a.error +
                     a.error * b.error,
                 1);
}
/// A result within `propagated` + `extra` (absolute) of `value`, plus the
/// double evaluation's roundings.
inline Tracked absolute(double value, double propagated, double extra) {
  return {value, propagated + extra +
                     2 * gamma(4, kDoubleUnitRoundoff) *
                         (std::fabs(value) + propagated + extra)};
}

/// |A/B - a/b| <= (|A - a| + |a/b| |B - b|) / |B|, and |B| >= |b| - e_b.
inline Tracked operator/(Tracked a, Tracked b) {
  double quotient = a.value / b.value;
  double margin = std::fabs(b.value) - b.error;
  double propagated = margin > 0
                          ? (a.error + std::fabs(quotient) * b.error) / margin
                          : INFINITY;
  return rounded(quotient, propagated,
                 mathModel() == MathModel::Vulkan ? ulpsAsRoundings(2.5) : 1);
}
/// math.rsqrt is 1 / sqrt on the CPU (two roundings), InverseSqrt (2 ulp) on
/// Vulkan; d/dv v^-1/2 = -v^-3/2 / 2 is largest at the smallest v.
inline Tracked rsqrt(Tracked a) {
  double low = a.value - a.error;
  double propagated = low > 0 ? 0.5 * std::pow(low, -1.5) * a.error : INFINITY;
  return rounded(1.0 / std::sqrt(a.value), propagated,
                 mathModel() == MathModel::Vulkan ? ulpsAsRoundings(2) : 2);
}
/// exp' = exp, largest at the largest v. On the CPU, results that may fall
/// below the normal range (2^-126) add kExpSubnormalError.
inline Tracked exp(Tracked a) {
  double propagated = a.error > 0 ? std::exp(a.value + a.error) * a.error : 0.0;
  double largest = std::fabs(a.value) + a.error;
  if (mathModel() == MathModel::Vulkan)
    return rounded(std::exp(a.value), propagated,
                   ulpsAsRoundings(3 + 2 * largest));
  bool nearOverflow = a.value + a.error >= double(kExpNearOverflow);
  Tracked result =
      rounded(std::exp(a.value), propagated,
              ulpsAsRoundings(nearOverflow ? kExpUlpsNearOverflow : kExpUlps));
  if (std::exp(a.value - a.error) < 0x1.0p-126)
    result.error += kExpSubnormalError;
  return result;
}
/// tanh' = sech^2, largest where |v| is smallest. On Vulkan, with E+ and E-
/// the exponentials (relative errors d+, d- <= d = 2(3 + 2|x|) u), the
/// quotient (E+ - E-) / (E+ + E-) moves by 2 E+ E- (d+ - d-) / ((E+ + E-)
/// (E+' + E-')) <= d / (2 cosh^2 x (1 - d)); the subtraction, addition (one
/// rounding each) and division (2.5 ulp) then add 7 roundings of the result.
inline Tracked tanh(Tracked a) {
  double low = std::max(std::fabs(a.value) - a.error, 0.0);
  double sech = 1.0 / std::cosh(low);
  if (mathModel() == MathModel::Libm)
    return rounded(std::tanh(a.value), sech * sech * a.error, kLibmRoundings);
  double d = 2 * (3 + 2 * (std::fabs(a.value) + a.error)) * kFloatUnitRoundoff;
  double exponentials = d * sech * sech / (2 * (1 - d));
  return rounded(std::tanh(a.value), sech * sech * a.error + exponentials, 7);
}
/// Vulkan sin/cos: the argument reduction's error (ReduceTrigRange.cpp:
/// 3u(pi + |x|/256) + (|x|/2pi + 1) 2^-32 + 2^-22, moving the result by as
/// much at most) plus Sin/Cos's 2^-11.
inline double vulkanTrigError(Tracked a) {
  double x = std::fabs(a.value) + a.error;
  return 3 * kFloatUnitRoundoff * (M_PI + x / 256) +
         (x / (2 * M_PI) + 1) * 0x1.0p-32 + 0x1.0p-22 + 0x1.0p-11;
}
inline Tracked sin(Tracked a) {
  if (mathModel() == MathModel::Vulkan)
    return absolute(std::sin(a.value), a.error, vulkanTrigError(a));
  return rounded(std::sin(a.value), a.error, kLibmRoundings);
}
inline Tracked cos(Tracked a) {
  if (mathModel() == MathModel::Vulkan)
    return absolute(std::cos(a.value), a.error, vulkanTrigError(a));
  return rounded(std::cos(a.value), a.error, kLibmRoundings);
}
/// max is exact: |max(A, B) - max(a, b)| <= max(|A - a|, |B - b|).
inline Tracked maximum(Tracked a, Tracked b) {
  return {std::max(a.value, b.value), std::max(a.error, b.error)};
}
/// A sum of n terms in any order: within gamma_n sum |T_k| of the exact sum
/// of the float terms T_k (Higham eq. 3.5), which is within sum e_k of the
/// sum of the reference terms.
inline Tracked sum(const std::vector<Tracked> &terms) {
  int n = int(terms.size());
  double value = 0, propagated = 0, magnitude = 0;
  for (const Tracked &t : terms) {
    value += t.value;
    propagated += t.error;
    magnitude += std::fabs(t.value) + t.error;
  }
  double relative =
      gamma(n, kFloatUnitRoundoff) + 2 * gamma(n, kDoubleUnitRoundoff);
  return {value, propagated + relative * magnitude + n * 0x1.0p-150};
}


} // namespace quant::e2e

#endif // QUANT_TEST_E2E_TRACKEDERROR_H
