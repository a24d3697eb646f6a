//===- KQuantEncode.cpp - Reference encoders of the K-quants -----*- C++
//-*-===//
//
// A round-to-nearest encoder with coverage guarantees (bytes need not match
// other tools; decoding is the GGUF definition in KQuantLayout.cpp).
//
// Affine layouts (Q2_K: L = 3, K = 15; Q4_K: L = 15, K = 63; Q5_K: L = 31,
// K = 63), x = S_j q - M_j with q in [0, L]:
//   per sub-block lo_j = min(0, min x), hi_j = max x, b_j = -lo_j;
//   dmin = the smallest f16 >= max_j b_j / K;  m_j = ceil(b_j / dmin) <= K,
//   so M_j = dmin m_j >= b_j covers the sub-block minimum;
//   need_j = (hi_j + M_j) / L;  d = the smallest f16 >= max_j need_j / K;
//   sc_j = ceil(need_j / d) <= K, so S_j L - M_j >= hi_j covers the maximum;
//   q = clamp(round((x + M_j) / S_j), 0, L).
// Then every x lies in [-M_j, S_j L - M_j], its error is <= S_j / 2 and
//   S_j <= need_j + d <= (hi_j - lo_j + dmin) / L + d.
// With d and dmin fixed, each sub-block then also tries m_j - 1 and 0 (with
// the matching covering sc_j) and keeps the pair of smallest maximum error
// (no worse than the covering pair: the bound above still holds); offsets below
// the f16 granularity of dmin (denormal inputs) are not paid for.
// Symmetric layouts (Q3_K: v in [-4, 3], |s| <= 31; Q6_K: v in [-32, 31],
// |s| <= 127), x = S_j v: a_j = max_j / vmin (max_j = the sub-block's
// largest-magnitude element, sign kept, mapped to the negative end);
// d = the smallest f16 >= max_j |a_j| / smax; s_j = sign(a_j) ceil(|a_j| / d),
// so |S_j| >= |a_j| and every t = x / S_j lies in [vmin, -vmin]: the error is
// <= |S_j| / 2, and <= |S_j| for t in (vmax + 1/2, -vmin]; |S_j| <= |a_j| + d.
// Non-finite inputs follow the codec policy (Codec.h); super-block scales
// beyond 65504 are clamped, and the codes then saturate.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Half.h"

#include "FormatsInternal.h"
#include "KQuantInternal.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace quant::fmt::detail {

namespace {

/// The smallest f16 value >= v (v >= 0), clamped to 65504.
float roundUpHalf(float v) {
  if (!(v > 0))
    return 0;
  if (v >= 65504.0f)
    return 65504.0f;
  uint16_t h = floatToHalf(v);
  if (halfToFloat(h) < v)
    ++h;
  return halfToFloat(h);
}

void storeHalf(float v, uint8_t *p) {
  uint16_t h = floatToHalf(v);
  p[0] = uint8_t(h);
  p[1] = uint8_t(h >> 8);
}

int clampRound(float t, int lo, int hi) {
  float r = std::round(t);
  if (!(r >= float(lo)))
    return lo;
  if (r >= float(hi))
    return hi;
  return int(r);
}

/// Sub-block scale indices and codes of one super-block.
struct KChoice {
  float d = 0, dmin = 0;
  int sc[16] = {}; ///< Q3_K: signed s_j; Q6_K: signed; others unsigned.
  int m[16] = {};
  int q[256] = {}; ///< Unsigned stored codes (Q3_K: v + 4, Q6_K: v + 32).
};

KChoice chooseAffine(Layout l, const float *x) {
  const KGeometry g = kGeometry(l);
  const int L = g.vmax, K = l == Layout::Q2_K ? 15 : 63;
  float lo[16], hi[16];
  float maxB = 0;
  for (unsigned j = 0; j < g.numSub; ++j) {
    float mn = 0, mx = 0;
    bool any = false;
    for (unsigned i = 0; i < g.subSize; ++i) {
      float v = x[j * g.subSize + i];
      if (!std::isfinite(v))
        continue;
      mn = any ? std::min(mn, v) : v;
      mx = any ? std::max(mx, v) : v;
      any = true;
    }
    lo[j] = std::min(mn, 0.0f);
    hi[j] = mx;
    maxB = std::max(maxB, -lo[j]);
  }
  KChoice c;
  c.dmin = roundUpHalf(maxB / float(K));
  float M[16], need[16], maxNeed = 0;
  for (unsigned j = 0; j < g.numSub; ++j) {
    c.m[j] =
        c.dmin > 0 ? int(std::min(float(K), std::ceil(-lo[j] / c.dmin))) : 0;
    M[j] = c.dmin * float(c.m[j]);
    need[j] = std::max(0.0f, (hi[j] + M[j]) / float(L));
    maxNeed = std::max(maxNeed, need[j]);
  }
  c.d = roundUpHalf(maxNeed / float(K));
  for (unsigned j = 0; j < g.numSub; ++j) {
    // Candidates (m, sc): the covering pair first, then smaller mins (a
    // min offset below the f16 granularity of dmin costs more than it
    // saves, e.g. for denormal inputs). Keep the smallest maximum error (on
    // a tie the covering pair): never worse than the covering pair, so the
    // a-priori bound still holds.
    const float *xs = x + j * g.subSize;
    double bestErr = INFINITY;
    const int mCandidates[3] = {c.m[j], c.m[j] - 1, 0};
    for (int mc : mCandidates) {
      if (mc < 0)
        continue;
      const float Mc = c.dmin * float(mc);
      const float needC = std::max(0.0f, (hi[j] + Mc) / float(L));
      const int sc =
          c.d > 0 ? int(std::min(float(K), std::ceil(needC / c.d))) : 0;
      const float S = c.d * float(sc);
      double err = 0;
      int q[32];
      for (unsigned i = 0; i < g.subSize; ++i) {
        const float v = std::isnan(xs[i]) ? 0.0f : xs[i];
        q[i] = S > 0 ? clampRound((v + Mc) / S, 0, L) : 0;
        if (std::isfinite(v))
          err = std::max(err, std::fabs(double(S * float(q[i]) - Mc) - v));
      }
      if (err < bestErr) {
        bestErr = err;
        c.m[j] = mc;
        c.sc[j] = sc;
        for (unsigned i = 0; i < g.subSize; ++i)
          c.q[j * g.subSize + i] = q[i];
      }
    }
  }
  return c;
}

KChoice chooseSymmetric(Layout l, const float *x) {
  const KGeometry g = kGeometry(l);
  const int smax = l == Layout::Q3_K ? 31 : 127;
  float a[16], maxA = 0;
  for (unsigned j = 0; j < g.numSub; ++j) {
    float amax = 0, maxSigned = 0;
    for (unsigned i = 0; i < g.subSize; ++i) {
      float v = x[j * g.subSize + i];
      if (std::isfinite(v) && amax < std::fabs(v)) {
        amax = std::fabs(v);
        maxSigned = v;
      }
    }
    a[j] = maxSigned / float(g.vmin);
    maxA = std::max(maxA, std::fabs(a[j]));
  }
  KChoice c;
  c.d = roundUpHalf(maxA / float(smax));
  for (unsigned j = 0; j < g.numSub; ++j) {
    int s = c.d > 0
                ? int(std::min(float(smax), std::ceil(std::fabs(a[j]) / c.d)))
                : 0;
    c.sc[j] = a[j] < 0 ? -s : s;
    const float S = c.d * float(c.sc[j]);
    for (unsigned i = 0; i < g.subSize; ++i) {
      const unsigned e = j * g.subSize + i;
      const float v = std::isnan(x[e]) ? 0.0f : x[e];
      int val = S != 0 ? clampRound(v / S, g.vmin, g.vmax) : 0;
      c.q[e] = val - g.vmin;
    }
  }
  return c;
}

void writeBlock(Layout l, const KChoice &c, uint8_t *b) {
  std::memset(b, 0, kQuantBlockBytes(l));
  for (unsigned e = 0; e < 256; ++e) {
    const unsigned h = e / 128, k = (e % 128) / 32, lo = e % 32;
    const unsigned q = unsigned(c.q[e]);
    switch (l) {
    case Layout::Q2_K:
      b[16 + 32 * h + lo] |= uint8_t((q & 3) << (2 * k));
      break;
    case Layout::Q3_K:
      b[32 + 32 * h + lo] |= uint8_t((q & 3) << (2 * k));
      b[lo] |= uint8_t(((q >> 2) & 1) << (4 * h + k));
      break;
    case Layout::Q4_K:
    case Layout::Q5_K: {
      uint8_t *qs = b + (l == Layout::Q4_K ? 16 : 48);
      const unsigned r = e % 64;
      qs[32 * (e / 64) + r % 32] |= uint8_t((q & 0xF) << (r < 32 ? 0 : 4));
      if (l == Layout::Q5_K)
        b[16 + lo] |= uint8_t(((q >> 4) & 1) << (e / 32));
      break;
    }
    case Layout::Q6_K:
      b[64 * h + lo + 32 * (k & 1)] |= uint8_t((q & 0xF) << (k < 2 ? 0 : 4));
      b[128 + 32 * h + lo] |= uint8_t(((q >> 4) & 3) << (2 * k));
      break;
    case Layout::Generic:
      return;
    }
  }
  switch (l) {
  case Layout::Q2_K:
    for (unsigned j = 0; j < 16; ++j)
      b[j] = uint8_t(c.sc[j] | c.m[j] << 4);
    storeHalf(c.d, b + 80);
    storeHalf(c.dmin, b + 82);
    break;
  case Layout::Q3_K: {
    uint8_t *s = b + 96;
    for (unsigned j = 0; j < 16; ++j) {
      const unsigned sc6 = unsigned(c.sc[j] + 32);
      if (j < 8)
        s[j] |= uint8_t(sc6 & 0xF);
      else
        s[j - 8] |= uint8_t((sc6 & 0xF) << 4);
      s[8 + j % 4] |= uint8_t((sc6 >> 4) << (2 * (j / 4)));
    }
    storeHalf(c.d, b + 108);
    break;
  }
  case Layout::Q4_K:
  case Layout::Q5_K: {
    storeHalf(c.d, b);
    storeHalf(c.dmin, b + 2);
    uint8_t *s = b + 4;
    for (unsigned k = 0; k < 4; ++k) {
      s[k] = uint8_t(c.sc[k] | (c.sc[k + 4] >> 4) << 6);
      s[k + 4] = uint8_t(c.m[k] | (c.m[k + 4] >> 4) << 6);
      s[k + 8] = uint8_t((c.sc[k + 4] & 0xF) | (c.m[k + 4] & 0xF) << 4);
    }
    break;
  }
  case Layout::Q6_K:
    for (unsigned j = 0; j < 16; ++j)
      b[192 + j] = uint8_t(int8_t(c.sc[j]));
    storeHalf(c.d, b + 208);
    break;
  case Layout::Generic:
    break;
  }
}

} // namespace

void quantizeKBlock(Layout l, const float *x, uint8_t *out) {
  const bool symmetric = l == Layout::Q3_K || l == Layout::Q6_K;
  writeBlock(l, symmetric ? chooseSymmetric(l, x) : chooseAffine(l, x), out);
}

// The bound of Codec.h for K-quants, with the sub-block parameters the
// encoder stored: each code is the nearest in [vmin, vmax] to
// t = (x + M_j) / S_j, so |y - x| <= |S_j| dist(t, {vmin..vmax}). The float32
// terms are those derived in ErrorBound.cpp: t is computed with relative
// error <= 2^-23 (one addition, one division), so a code may be the other
// neighbour within delta = 2^-21 |t| of a midpoint (distanceToSet); decoding
// rounds S_j v and S_j v - M_j (+ 2^-22 (|x| + e + |M_j|) + 2^-140).
// S_j = 0 decodes to -M_j exactly.
double kBlockErrorBound(Layout l, const float *x) {
  uint8_t block[210];
  quantizeKBlock(l, x, block);
  float S[16], M[16];
  kSubBlockParams(l, block, S, M);
  const KGeometry g = kGeometry(l);
  const double k21 = std::ldexp(1.0, -21), k22 = std::ldexp(1.0, -22);
  std::vector<double> values;
  for (int v = g.vmin; v <= g.vmax; ++v)
    values.push_back(double(v));
  double bound = 0;
  for (unsigned e = 0; e < 256; ++e) {
    if (!std::isfinite(x[e]))
      continue;
    const unsigned j = e / g.subSize;
    const double xi = x[e], s = S[j], m = M[j];
    double err;
    if (s == 0) {
      err = std::fabs(xi + m);
    } else {
      const double t = (xi + m) / s;
      const double pre =
          std::fabs(s) * distanceToSet(values, t, k21 * std::fabs(t));
      err = pre + k22 * (std::fabs(xi) + pre + std::fabs(m)) +
            std::ldexp(1.0, -140);
    }
    bound = std::max(bound, err);
  }
  return bound;
}

} // namespace quant::fmt::detail
