//===- MiniFloat.cpp - Minifloat element encodings ---------------*- C++
//-*-===//
//
// Decoding and round-to-nearest-even encoding of the E2M1, E2M3, E3M2, E4M3FN
// and E5M2 element types. Decoding is by formula; encoding searches the
// sorted table of positive finite values, so that rounding, ties to the even
// code and saturation are correct by construction.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"

#include "FormatsInternal.h"

#include <array>
#include <cmath>
#include <limits>

namespace quant::fmt {

namespace detail {

const MiniFloatInfo &miniFloatInfo(MiniFloat t) {
  // width, exponent bits, mantissa bits, bias, max finite, code of max, NaN.
  static const MiniFloatInfo e2m1{4, 2, 1, 1, 6.0f, 0x7, -1};
  static const MiniFloatInfo e2m3{6, 2, 3, 1, 7.5f, 0x1F, -1};
  static const MiniFloatInfo e3m2{6, 3, 2, 3, 28.0f, 0x1F, -1};
  static const MiniFloatInfo e4m3{8, 4, 3, 7, 448.0f, 0x7E, 0x7F};
  static const MiniFloatInfo e5m2{8, 5, 2, 15, 57344.0f, 0x7B, 0x7E};
  switch (t) {
  case MiniFloat::E2M1:
    return e2m1;
  case MiniFloat::E2M3:
    return e2m3;
  case MiniFloat::E3M2:
    return e3m2;
  case MiniFloat::E4M3FN:
    return e4m3;
  case MiniFloat::E5M2:
    return e5m2;
  }
  return e2m1;
}

} // namespace detail

namespace {

/// Decodes by formula: E == 0 gives the subnormal M * 2^(1 - bias - m),
/// otherwise (1 + M / 2^m) * 2^(E - bias); special codes per format.
float decodeByFormula(MiniFloat t, uint8_t code) {
  const detail::MiniFloatInfo &info = detail::miniFloatInfo(t);
  code &= uint8_t((1u << info.width) - 1u);
  const bool negative = (code >> (info.width - 1)) & 1u;
  const unsigned mag = code & ((1u << (info.width - 1)) - 1u);
  const unsigned expField = mag >> info.mantBits;
  const unsigned mant = mag & ((1u << info.mantBits) - 1u);
  const unsigned expMax = (1u << info.expBits) - 1u;
  float v;
  if (t == MiniFloat::E4M3FN && expField == expMax &&
      mant == (1u << info.mantBits) - 1u) {
    v = std::numeric_limits<float>::quiet_NaN();
  } else if (t == MiniFloat::E5M2 && expField == expMax) {
    v = mant == 0 ? std::numeric_limits<float>::infinity()
                  : std::numeric_limits<float>::quiet_NaN();
  } else if (expField == 0) {
    v = std::ldexp(float(mant), 1 - info.bias - int(info.mantBits));
  } else {
    v = std::ldexp(float((1u << info.mantBits) | mant),
                   int(expField) - info.bias - int(info.mantBits));
  }
  return negative ? -v : v;
}

/// All 256 decoded codes of each minifloat (codes beyond the width repeat).
const std::array<float, 256> &decodeTable(MiniFloat t) {
  static const auto tables = [] {
    std::array<std::array<float, 256>, 5> all{};
    for (unsigned k = 0; k < 5; ++k)
      for (unsigned c = 0; c < 256; ++c)
        all[k][c] = decodeByFormula(MiniFloat(k), uint8_t(c));
    return all;
  }();
  return tables[unsigned(t)];
}

} // namespace

unsigned miniFloatBits(MiniFloat t) { return detail::miniFloatInfo(t).width; }

float miniFloatMaxFinite(MiniFloat t) {
  return detail::miniFloatInfo(t).maxFinite;
}

float decodeMiniFloat(MiniFloat t, uint8_t code) {
  const detail::MiniFloatInfo &info = detail::miniFloatInfo(t);
  return decodeTable(t)[code & ((1u << info.width) - 1u)];
}

uint8_t encodeMiniFloat(MiniFloat t, float x) {
  const detail::MiniFloatInfo &info = detail::miniFloatInfo(t);
  if (std::isnan(x))
    return info.nanCode >= 0 ? uint8_t(info.nanCode) : 0;
  const uint8_t signBit = uint8_t(std::signbit(x) ? 1u << (info.width - 1) : 0);
  const double a = std::fabs(double(x));
  const std::array<float, 256> &values = decodeTable(t);
  // Positive codes 0..maxPosCode are finite and strictly increasing.
  unsigned code;
  if (a >= double(info.maxFinite)) {
    code = info.maxPosCode; // Saturate (Inf included).
  } else {
    // Largest k with values[k] <= a (values[0] == 0 <= a).
    unsigned lo = 0, hi = info.maxPosCode;
    while (lo < hi) {
      unsigned mid = (lo + hi + 1) / 2;
      if (double(values[mid]) <= a)
        lo = mid;
      else
        hi = mid - 1;
    }
    code = lo;
    const double below = values[lo];
    if (a != below) {
      const double above = values[lo + 1];
      const double dBelow = a - below, dAbove = above - a; // Exact in double.
      if (dAbove < dBelow || (dAbove == dBelow && ((lo + 1) & 1u) == 0))
        code = lo + 1;
    }
  }
  return uint8_t(signBit | code);
}

} // namespace quant::fmt
