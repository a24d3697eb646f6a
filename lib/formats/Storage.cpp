//===- Storage.cpp - Scale fields and code packing ---------------*- C++
//-*-===//
//
// How a Generic block stores its scale and its codes: little-endian scale
// fields and the Linear and Ggml code orders documented on Packing.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Half.h"

#include "FormatsInternal.h"

#include <cassert>
#include <cfloat>
#include <cmath>

namespace quant::fmt::detail {

float roundScale(ScaleType t, float v, bool &clamped) {
  clamped = false;
  float r = v;
  switch (t) {
  case ScaleType::F32:
    r = v;
    break;
  case ScaleType::F16:
    r = halfToFloat(floatToHalf(v));
    break;
  case ScaleType::BF16:
    r = bf16ToFloat(floatToBf16(v));
    break;
  case ScaleType::None:
  case ScaleType::E8M0:
    assert(false && "roundScale handles float scale types only");
    return v;
  }
  if (std::isinf(r)) {
    clamped = true;
    float maxFinite = t == ScaleType::F16    ? 65504.0f
                      : t == ScaleType::BF16 ? bf16ToFloat(0x7F7F)
                                             : FLT_MAX;
    r = std::signbit(r) ? -maxFinite : maxFinite;
  }
  return r;
}

void storeScale(ScaleType t, float v, uint8_t *out) {
  switch (t) {
  case ScaleType::None:
    return;
  case ScaleType::F32: {
    uint32_t b = floatToBits(v);
    for (int i = 0; i < 4; ++i)
      out[i] = uint8_t(b >> (8 * i));
    return;
  }
  case ScaleType::F16:
  case ScaleType::BF16: {
    uint16_t b = t == ScaleType::F16 ? floatToHalf(v) : floatToBf16(v);
    out[0] = uint8_t(b);
    out[1] = uint8_t(b >> 8);
    return;
  }
  case ScaleType::E8M0:
    assert(false && "E8M0 scales are stored by exponent");
    return;
  }
}

float loadScale(ScaleType t, const uint8_t *in) {
  switch (t) {
  case ScaleType::None:
    return 1.0f;
  case ScaleType::F32:
    return bitsToFloat(uint32_t(in[0]) | uint32_t(in[1]) << 8 |
                       uint32_t(in[2]) << 16 | uint32_t(in[3]) << 24);
  case ScaleType::F16:
    return halfToFloat(uint16_t(in[0] | in[1] << 8));
  case ScaleType::BF16:
    return bf16ToFloat(uint16_t(in[0] | in[1] << 8));
  case ScaleType::E8M0:
    return e8m0ToFloat(in[0]);
  }
  return 0.0f;
}

void packCodes(const FormatSpec &spec, const uint8_t *codes, size_t n,
               uint8_t *out) {
  const unsigned bits = spec.bits;
  if (spec.packing == Packing::Ggml && bits != 8) {
    assert(n % 2 == 0 && (bits == 4 || n % 8 == 0));
    size_t half = n / 2;
    uint8_t *qs = out;
    if (bits == 5) {
      // The high-bit plane: bit j (little-endian over n/8 bytes) = bit 4 of
      // element j.
      for (size_t i = 0; i < n / 8; ++i)
        out[i] = 0;
      for (size_t j = 0; j < n; ++j)
        out[j / 8] |= uint8_t(((codes[j] >> 4) & 1u) << (j % 8));
      qs = out + n / 8;
    }
    for (size_t j = 0; j < half; ++j)
      qs[j] = uint8_t((codes[j] & 0xFu) | (codes[j + half] & 0xFu) << 4);
    return;
  }
  // Linear (and 8-bit Ggml, which is the same): LSB first, straddling bytes.
  const size_t nBytes = (n * bits + 7) / 8;
  for (size_t i = 0; i < nBytes; ++i)
    out[i] = 0;
  const unsigned mask = (1u << bits) - 1u;
  for (size_t i = 0; i < n; ++i) {
    size_t bit = i * bits;
    unsigned v = (codes[i] & mask) << (bit % 8);
    out[bit / 8] |= uint8_t(v);
    if ((bit % 8) + bits > 8)
      out[bit / 8 + 1] |= uint8_t(v >> 8);
  }
}

void unpackCodes(const FormatSpec &spec, const uint8_t *in, size_t n,
                 uint8_t *codes) {
  const unsigned bits = spec.bits;
  if (spec.packing == Packing::Ggml && bits != 8) {
    size_t half = n / 2;
    const uint8_t *qs = bits == 5 ? in + n / 8 : in;
    for (size_t j = 0; j < half; ++j) {
      codes[j] = qs[j] & 0xFu;
      codes[j + half] = qs[j] >> 4;
    }
    if (bits == 5)
      for (size_t j = 0; j < n; ++j)
        codes[j] |= uint8_t(((in[j / 8] >> (j % 8)) & 1u) << 4);
    return;
  }
  const unsigned mask = (1u << bits) - 1u;
  for (size_t i = 0; i < n; ++i) {
    size_t bit = i * bits;
    unsigned v = in[bit / 8] >> (bit % 8);
    if ((bit % 8) + bits > 8)
      v |= unsigned(in[bit / 8 + 1]) << (8 - bit % 8);
    codes[i] = uint8_t(v & mask);
  }
}

} // namespace quant::fmt::detail
