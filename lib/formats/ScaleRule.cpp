//===- ScaleRule.cpp - The reference quantizer's per-block scale -*- C++
//-*-===//
//
// The scale rule of the reference quantizer for Generic layouts: which scale
// (and min or zero point) a block gets, and with which rounding its codes are
// then chosen. Shared by the encoder and the error bound, so that the bound
// describes the parameters the encoder really stores.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"
#include "quant/formats/Half.h"

#include "FormatsInternal.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace quant::fmt::detail {

namespace {

/// Statistics over the finite elements of a block.
struct BlockStats {
  float amax = 0;      ///< Largest |x|.
  float maxSigned = 0; ///< The first element with the largest |x|, sign kept.
  float min = 0, max = 0;
};

BlockStats finiteStats(const float *x, size_t n) {
  BlockStats s;
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    float v = x[i];
    if (!std::isfinite(v))
      continue;
    if (s.amax < std::fabs(v)) {
      s.amax = std::fabs(v);
      s.maxSigned = v;
    }
    if (!any) {
      s.min = s.max = v;
      any = true;
    } else {
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
    }
  }
  return s;
}

/// The codebook entry the largest-magnitude input maps to: the entry of
/// largest magnitude, preferring the sign of `maxSigned` on a tie.
float codebookEnd(const std::vector<float> &cb, float maxSigned) {
  float best = 0;
  for (float e : cb) {
    float a = std::fabs(e), b = std::fabs(best);
    if (a > b ||
        (a == b && a != 0 && std::signbit(e) == std::signbit(maxSigned) &&
         std::signbit(best) != std::signbit(maxSigned)))
      best = e;
  }
  return best;
}

/// The magnitude V whose exponent floor(log2 V) an E8M0 scale aligns the
/// block maximum with (OCP MX: emax of the element type).
double e8m0ElementMax(const FormatSpec &spec) {
  const int qmax = (1 << spec.bits) - 1;
  switch (spec.codeKind) {
  case CodeKind::UInt: {
    int lo = -spec.bias, hi = qmax - spec.bias;
    // Symmetric use of a two-sided range; else its larger side.
    return (lo < 0 && hi > 0) ? std::min(-lo, hi) : std::max(-lo, hi);
  }
  case CodeKind::SInt:
    return spec.bits == 1 ? 1.0 : double((1 << (spec.bits - 1)) - 1);
  case CodeKind::Codebook: {
    double m = 0;
    for (float e : spec.codebook)
      m = std::max(m, std::fabs(double(e)));
    return m;
  }
  case CodeKind::MiniFloat:
    return miniFloatMaxFinite(spec.miniFloat);
  }
  return 1.0;
}

} // namespace

BlockParams computeBlockParams(const FormatSpec &spec, const float *x,
                               size_t n) {
  const BlockStats st = finiteStats(x, n);
  const int qmax = (1 << spec.bits) - 1;
  BlockParams p;

  if (spec.scaleType == ScaleType::None) {
    p.scale = p.workScale = 1.0f;
    return p;
  }

  if (spec.scaleType == ScaleType::E8M0) {
    // OCP MX: e = floor(log2(amax)) - emax_elem, biased by 127 and clamped
    // to the finite E8M0 range; an all-zero block gets e = 0.
    int e = 0;
    double vmax = e8m0ElementMax(spec);
    if (st.amax > 0 && vmax > 0)
      e = std::clamp(std::ilogb(st.amax) - std::ilogb(vmax) + 127, 0, 254);
    p.e8m0 = uint8_t(e);
    p.scale = p.workScale = e8m0ToFloat(p.e8m0);
    return p;
  }

  // F32 / F16 / BF16 scales.
  float d = 0;
  bool clamped = false;
  switch (spec.codeKind) {
  case CodeKind::UInt:
    if (spec.offset == OffsetKind::Min) {
      // Q4_1: d = (max - min) / qmax, m = min, codes from the unrounded d.
      d = (st.max - st.min) / float(qmax);
      p.rule = CodeRule::GgmlMin;
      bool minClamped = false;
      p.min = roundScale(spec.scaleType, st.min, minClamped);
      p.workMin = st.min;
      p.scale = roundScale(spec.scaleType, d, clamped);
      clamped = clamped || minClamped || !std::isfinite(d);
      break;
    }
    if (spec.offset == OffsetKind::ZeroPoint) {
      // Range including 0, s = range / qmax, z = round(-lo / s).
      float lo = std::min(st.min, 0.0f), hi = std::max(st.max, 0.0f);
      p.scale = p.workScale =
          roundScale(spec.scaleType, (hi - lo) / float(qmax), clamped);
      if (p.scale > 0)
        p.zeroPoint =
            int(std::clamp(std::round(-lo / p.scale), 0.0f, float(qmax)));
      return p;
    }
    {
      // Q4_0: the signed maximum maps to the larger end of [-bias, qmax-bias].
      int lo = -spec.bias, hi = qmax - spec.bias;
      int end = (-lo >= hi) ? lo : hi;
      d = st.maxSigned / float(end);
      p.rule = CodeRule::GgmlSym;
      p.scale = roundScale(spec.scaleType, d, clamped);
    }
    break;
  case CodeKind::SInt:
    // Q8_0: d = amax / (2^(bits-1) - 1); 1-bit codes {-1, 0}: d = max / -1.
    d = spec.bits == 1 ? st.maxSigned / -1.0f
                       : st.amax / float((1 << (spec.bits - 1)) - 1);
    p.rule = CodeRule::GgmlSInt;
    p.scale = roundScale(spec.scaleType, d, clamped);
    break;
  case CodeKind::Codebook: {
    float end = codebookEnd(spec.codebook, st.maxSigned);
    d = end != 0 ? st.maxSigned / end : 0.0f;
    p.scale = p.workScale = roundScale(spec.scaleType, d, clamped);
    return p;
  }
  case CodeKind::MiniFloat:
    d = st.amax / miniFloatMaxFinite(spec.miniFloat);
    p.scale = p.workScale = roundScale(spec.scaleType, d, clamped);
    return p;
  }

  // A ggml rule: codes from the unrounded scale, unless storing clamped it;
  // then the clamped (stored) parameters choose the codes, so that inputs
  // saturate instead of being rescaled.
  if (clamped) {
    p.rule = CodeRule::Stored;
    p.workScale = p.scale;
    p.workMin = p.min;
    return p;
  }
  p.workScale = d;
  p.workInv = d != 0 ? 1.0f / d : 0.0f;
  return p;
}

std::vector<double> codeValueSet(const FormatSpec &spec, int zeroPoint) {
  std::vector<double> v;
  const int numCodes = 1 << spec.bits;
  switch (spec.codeKind) {
  case CodeKind::UInt: {
    int shift = spec.offset == OffsetKind::ZeroPoint ? zeroPoint
                : spec.offset == OffsetKind::Min     ? 0
                                                     : spec.bias;
    for (int q = 0; q < numCodes; ++q)
      v.push_back(double(q - shift));
    break;
  }
  case CodeKind::SInt:
    for (int q = -numCodes / 2; q < numCodes / 2; ++q)
      v.push_back(double(q));
    break;
  case CodeKind::Codebook:
    for (float e : spec.codebook)
      v.push_back(double(e));
    break;
  case CodeKind::MiniFloat:
    for (int c = 0; c < numCodes; ++c) {
      float f = decodeMiniFloat(spec.miniFloat, uint8_t(c));
      if (std::isfinite(f))
        v.push_back(double(f) == 0.0 ? 0.0 : double(f));
    }
    break;
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

double distanceToSet(const std::vector<double> &v, double t, double delta) {
  assert(!v.empty());
  if (t <= v.front())
    return v.front() - t;
  if (t >= v.back())
    return t - v.back();
  auto it = std::upper_bound(v.begin(), v.end(), t); // v[k-1] <= t < v[k]
  const double below = t - *(it - 1), above = *it - t;
  // Within 2 delta of the midpoint the computed t may fall on either side.
  if (std::fabs(below - above) <= 2 * delta)
    return std::max(below, above);
  return std::min(below, above);
}

} // namespace quant::fmt::detail
