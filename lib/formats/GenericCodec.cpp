//===- GenericCodec.cpp - Codec of the Generic block layout ------*- C++
//-*-===//
//
// Block = [scale][offset field][codes]; element x = s * value(q) (+ m), see
// Format.h. The encoder applies the scale rule of ScaleRule.cpp and then
// picks each element's code with that rule's rounding.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"

#include "FormatsInternal.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace quant::fmt::detail {

namespace {

/// Truncates `f` toward zero after clamping it to [lo, hi] (NaN gives lo).
int clampTrunc(float f, int lo, int hi) {
  if (!(f >= float(lo)))
    return lo;
  if (f >= float(hi))
    return hi;
  return int(f);
}

/// The codebook index nearest to `t` (ties: the lowest index). `t` is first
/// clamped to the table's range, so that +-Inf and values far outside it
/// (whose distances would all round alike) pick the largest / smallest entry.
uint8_t nearestCodebookIndex(const std::vector<float> &cb, float t) {
  const auto [lo, hi] = std::minmax_element(cb.begin(), cb.end());
  const double c = std::clamp(double(t), double(*lo), double(*hi));
  size_t best = 0;
  double bestDist = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < cb.size(); ++k) {
    double dist = std::fabs(c - double(cb[k]));
    if (dist < bestDist) {
      bestDist = dist;
      best = k;
    }
  }
  return uint8_t(best);
}

/// Scales `v` by the rule's working scale: v * inv (ggml) or v / scale.
float scaled(const BlockParams &p, float v) {
  return std::isfinite(p.workInv) ? v * p.workInv : v / p.workScale;
}

uint8_t chooseCode(const FormatSpec &spec, const BlockParams &p, float v) {
  const int qmax = (1 << spec.bits) - 1;
  const int half = 1 << (spec.bits - 1);
  switch (p.rule) {
  case CodeRule::GgmlSym:
    if (p.workInv == 0)
      return uint8_t(spec.bias);
    return uint8_t(
        clampTrunc(scaled(p, v) + (float(spec.bias) + 0.5f), 0, qmax));
  case CodeRule::GgmlSInt:
    if (p.workInv == 0)
      return 0;
    return uint8_t(clampTrunc(std::round(scaled(p, v)), -half, half - 1) &
                   qmax);
  case CodeRule::GgmlMin:
    if (p.workInv == 0)
      return 0;
    return uint8_t(clampTrunc(scaled(p, v - p.workMin) + 0.5f, 0, qmax));
  case CodeRule::Stored:
    break;
  }
  float t = 0;
  if (p.workScale != 0)
    t = (spec.offset == OffsetKind::Min ? v - p.workMin : v) / p.workScale;
  switch (spec.codeKind) {
  case CodeKind::UInt: {
    int shift = spec.offset == OffsetKind::ZeroPoint ? p.zeroPoint
                : spec.offset == OffsetKind::Min     ? 0
                                                     : spec.bias;
    // Clamp before adding the shift so that huge t cannot overflow an int.
    float r = std::round(t);
    return uint8_t(clampTrunc(r, -shift, qmax - shift) + shift);
  }
  case CodeKind::SInt:
    return uint8_t(clampTrunc(std::round(t), -half, half - 1) & qmax);
  case CodeKind::Codebook:
    return nearestCodebookIndex(spec.codebook, t);
  case CodeKind::MiniFloat:
    return encodeMiniFloat(spec.miniFloat, t);
  }
  return 0;
}

} // namespace

void quantizeGenericBlock(const FormatSpec &spec, const float *x, size_t n,
                          uint8_t *out) {
  const BlockParams p = computeBlockParams(spec, x, n);
  uint8_t *o = out;
  if (spec.scaleType == ScaleType::E8M0)
    storeE8M0(p.e8m0, o);
  else
    storeScale(spec.scaleType, p.scale, o);
  o += spec.scaleBytes();
  if (spec.offset == OffsetKind::Min)
    storeScale(spec.scaleType, p.min, o);
  else if (spec.offset == OffsetKind::ZeroPoint)
    o[0] = uint8_t(p.zeroPoint);
  o += spec.offsetBytes();

  std::vector<uint8_t> codes(n);
  for (size_t i = 0; i < n; ++i) {
    float v = std::isnan(x[i]) ? 0.0f : x[i]; // NaN: the code of 0.
    codes[i] = chooseCode(spec, p, v);
  }
  packCodes(spec, codes.data(), n, o);
}

void dequantizeGenericBlock(const FormatSpec &spec, const uint8_t *in, size_t n,
                            float *out) {
  const float s = loadScale(spec.scaleType, in);
  const uint8_t *o = in + spec.scaleBytes();
  float m = 0;
  int z = 0;
  if (spec.offset == OffsetKind::Min)
    m = loadScale(spec.scaleType, o);
  else if (spec.offset == OffsetKind::ZeroPoint)
    z = o[0];
  o += spec.offsetBytes();

  std::vector<uint8_t> codes(n);
  unpackCodes(spec, o, n, codes.data());
  for (size_t i = 0; i < n; ++i)
    out[i] = decodeGenericCode(spec, s, m, z, codes[i]);
}

} // namespace quant::fmt::detail
