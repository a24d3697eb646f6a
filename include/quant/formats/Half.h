//===- Half.h - fp16, bf16 and e8m0 scalar conversions -----------*- C++
//-*-===//
//
// Bit-exact conversions between IEEE binary32 and the 16-bit and 8-bit scale
// encodings used by block formats. Pure integer bit manipulation: the results
// do not depend on the host's F16C support or on compiler flags.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_FORMATS_HALF_H
#define QUANT_FORMATS_HALF_H

#include <cstdint>
#include <cstring>

namespace quant::fmt {

/// Reinterprets the bits of a binary32 value.
inline uint32_t floatToBits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof(b));
  return b;
}

/// Builds a binary32 value from its bits.
inline float bitsToFloat(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof(f));
  return f;
}

/// Converts IEEE binary16 bits to binary32. Exact for every input: subnormals
/// are normalized, Inf stays Inf, a NaN keeps its sign and payload.
inline float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  if (exp == 0x1F) // Inf or NaN: widen the payload.
    return bitsToFloat(sign | 0x7F800000u | (mant << 13));
  if (exp == 0) {
    if (mant == 0)
      return bitsToFloat(sign);
    // Subnormal: mant * 2^-24. Shift the leading one up to bit 10; after s
    // shifts the value is 1.f * 2^(-14-s), binary32 exponent field 113 - s.
    uint32_t shifts = 0;
    while (!(mant & 0x400u)) {
      mant <<= 1;
      ++shifts;
    }
    return bitsToFloat(sign | ((113u - shifts) << 23) |
                       ((mant & 0x3FFu) << 13));
  }
  return bitsToFloat(sign | ((exp + 112u) << 23) | (mant << 13));
}

/// Converts binary32 to IEEE binary16 bits, rounding to nearest, ties to even.
/// Values whose magnitude rounds past 65504 become Inf (IEEE overflow); a NaN
/// stays a NaN with its sign and the top 10 payload bits (quiet bit set if
/// those are all zero).
inline uint16_t floatToHalf(float f) {
  uint32_t x = floatToBits(f);
  uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  uint32_t a = x & 0x7FFFFFFFu;
  if (a >= 0x7F800000u) {
    if (a == 0x7F800000u)
      return sign | 0x7C00u;
    uint32_t payload = (a >> 13) & 0x3FFu;
    return uint16_t(sign | 0x7C00u | (payload ? payload : 0x200u));
  }
  if (a >= 0x47800000u) // >= 65536: beyond the last rounding interval.
    return sign | 0x7C00u;
  if (a >= 0x38800000u) { // >= 2^-14: a normal half (or rounds up to Inf).
    uint32_t r = a - (112u << 23); // Rebias the exponent 127 -> 15.
    uint32_t h = r >> 13, rem = r & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
      ++h; // A carry into the exponent field is the correct result.
    return uint16_t(sign | h);
  }
  if (a <= 0x33000000u) // <= 2^-25: ties to even at 2^-25 give zero.
    return sign;
  // Subnormal half: count units of 2^-24. The binary32 value is
  // mant * 2^(e-150) = mant * 2^(e-126) units, e in [102, 112].
  uint32_t e = a >> 23;
  uint32_t mant = (a & 0x7FFFFFu) | 0x800000u;
  uint32_t shift = 126u - e; // in [14, 24]
  uint32_t h = mant >> shift;
  uint32_t rem = mant & ((1u << shift) - 1u), half = 1u << (shift - 1u);
  if (rem > half || (rem == half && (h & 1u)))
    ++h; // May become 0x400, the smallest normal: correct.
  return uint16_t(sign | h);
}

/// Converts bfloat16 bits to binary32 (exact).
inline float bf16ToFloat(uint16_t b) { return bitsToFloat(uint32_t(b) << 16); }

/// Converts binary32 to bfloat16 bits, rounding to nearest, ties to even
/// (overflow gives Inf). A NaN stays a NaN (quiet bit set when the kept
/// payload bits would otherwise be zero).
inline uint16_t floatToBf16(float f) {
  uint32_t x = floatToBits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) {
    uint16_t hi = uint16_t(x >> 16);
    return (hi & 0x7Fu) ? hi : uint16_t(hi | 0x40u);
  }
  uint32_t rounded = x + 0x7FFFu + ((x >> 16) & 1u);
  return uint16_t(rounded >> 16);
}

/// Converts an OCP E8M0 scale to binary32: 2^(e-127); 0xFF is NaN. e = 0 gives
/// the binary32 subnormal 2^-127.
inline float e8m0ToFloat(uint8_t e) {
  if (e == 0xFF)
    return bitsToFloat(0x7FC00000u);
  if (e == 0)
    return bitsToFloat(0x00400000u);
  return bitsToFloat(uint32_t(e) << 23);
}

} // namespace quant::fmt

#endif // QUANT_FORMATS_HALF_H
