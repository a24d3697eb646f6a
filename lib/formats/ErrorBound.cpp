//===- ErrorBound.cpp - Round-trip error bound of Generic blocks -*- C++
//-*-===//
//
// Derivation. Let s, m be the working scale and min the codes are chosen with
// (BlockParams::workScale/workMin; m = 0 without a Min offset) and s', m' the
// stored ones. Every Generic decode is y = s' v + m' with v in the value set
// V (codeValueSet). The encoder picks the v nearest to t = (x - m) / s (ggml
// rules: round half up of t + bias, or roundf; stored rule: roundf, the
// nearest codebook entry, or round-to-nearest-even minifloat; all clamp to
// the ends of V), so |s v + m - x| = |s| |v - t| = |s| dist(t, V). Hence
//   |y - x| <= |s| dist(t, V) + |s' - s| |v| + |m' - m|,  |v| <= max|V|.
// dist(t, V) is at most half the local spacing of V inside its range (1/2 for
// integer codes) and the distance to the nearer end outside it (e.g. Q4_0's
// elements of the sign opposite to the block maximum, t in (7.5, 8]).
// The |s' - s| term is the scale's own rounding (f16: 2^-11 relative; zero for
// the stored rule and for E8M0, whose codes use the stored scale).
//
// Float32 arithmetic: the encoder computes t with relative error <= 2^-22
// (x * (1/s), x / s, x - m) plus, for the ggml rules, half an ulp of the sum
// t + bias + 1/2: in all |t_computed - t| <= delta = 2^-21 (|t| + c) with
// c = bias + 1 (GgmlSym), 1 (GgmlMin) or 0 (GgmlSInt, Stored: no addition).
// So a code may be the farther of the two values bracketing t when t is
// within delta of their midpoint: distanceToSet(V, t, delta) returns that
// farther distance there, the nearest distance elsewhere. The decoder
// rounds s' v and s' v + m' (|s' v| <= |y| + |m'|, |y| <= |x| + e): it adds
// <= 2^-22 (|x| + e + |m'|), and 2^-140 covers subnormal results.
// A stored scale of 0 decodes every element to m' exactly: the bound is
// |x - m'|.
//
//===----------------------------------------------------------------------===//

#include "FormatsInternal.h"

#include <algorithm>
#include <cmath>

namespace quant::fmt::detail {

double genericBlockErrorBound(const FormatSpec &spec, const float *x,
                              size_t n) {
  const BlockParams p = computeBlockParams(spec, x, n);
  const std::vector<double> values = codeValueSet(spec, p.zeroPoint);
  const double vmax =
      std::max(std::fabs(values.front()), std::fabs(values.back()));
  const bool hasMin = spec.offset == OffsetKind::Min;
  const double ws = p.workScale, wm = hasMin ? p.workMin : 0.0;
  const double ss = p.scale, sm = hasMin ? p.min : 0.0;
  const double c = p.rule == CodeRule::GgmlSym   ? spec.bias + 1.0
                   : p.rule == CodeRule::GgmlMin ? 1.0
                                                 : 0.0;
  const double k21 = std::ldexp(1.0, -21), k22 = std::ldexp(1.0, -22);
  const double tiny = std::ldexp(1.0, -140);

  double bound = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]))
      continue;
    const double xi = x[i];
    double e;
    if (ss == 0 || ws == 0) {
      e = std::fabs(xi - sm);
    } else {
      const double t = (xi - wm) / ws;
      const double delta = k21 * (std::fabs(t) + c);
      const double pre = std::fabs(ws) * distanceToSet(values, t, delta) +
                         std::fabs(ss - ws) * vmax + std::fabs(sm - wm);
      e = pre + k22 * (std::fabs(xi) + pre + std::fabs(sm)) + tiny;
    }
    bound = std::max(bound, e);
  }
  return bound;
}

} // namespace quant::fmt::detail
