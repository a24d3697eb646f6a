//===- KQuantLayout.cpp - GGUF K-quant super-block layouts -------*- C++
//-*-===//
//
// Byte layouts and decoding of Q2_K..Q6_K (256 elements per super-block,
// little-endian, `half` = IEEE fp16):
//   Q2_K (84):  u8 scales[16]; u8 qs[64]; half d, dmin.
//               16 sub-blocks of 16; scales[j] = sc | m << 4.
//   Q3_K (110): u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d.
//               16 sub-blocks of 16; 6-bit scales offset by 32.
//   Q4_K (144): half d, dmin; u8 scales[12]; u8 qs[128].
//               8 sub-blocks of 32; 6-bit sc and m packed in scales[12].
//   Q5_K (176): half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128].
//   Q6_K (210): u8 ql[128]; u8 qh[64]; i8 scales[16]; half d.
// Element e (0..255) of each layout, with h = e / 128, k = (e % 128) / 32,
// l = e % 32 and the sub-block j = e / 16 (Q2/Q3/Q6) or e / 32 (Q4/Q5):
//   Q2_K: q = (qs[32h + l] >> 2k) & 3; x = (d*(sc&15))*q - dmin*(sc>>4).
//   Q3_K: q = ((qs[32h + l] >> 2k) & 3) | bit (4h + k) of hmask[l] << 2;
//         x = (d*(sc6 - 32))*(q - 4), sc6 = low nibble (j < 8: scales[j] & 15,
//         else scales[j - 8] >> 4) | ((scales[8 + j % 4] >> 2(j / 4)) & 3)
//         << 4.
//   Q4_K: byte qs[32(e / 64) + l], low nibble when e % 64 < 32, else high;
//         x = (d*sc)*q - dmin*m, (sc, m) of sub-block j as in getScaleMinK4.
//   Q5_K: as Q4_K plus bit j of qh[l] as the code's bit 4.
//   Q6_K: q = (nibble k<2 ? low : high of ql[64h + l + 32(k & 1)])
//             | ((qh[32h + l] >> 2k) & 3) << 4;  x = (d*sc[j])*(q - 32).
// Every decode is y = S_j * v - M_j in float32 with S_j = d * sc and
// M_j = dmin * m computed first, as in the GGUF reference.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Half.h"

#include "FormatsInternal.h"
#include "KQuantInternal.h"

#include <cassert>

namespace quant::fmt::detail {

namespace {

float loadHalf(const uint8_t *p) {
  return halfToFloat(uint16_t(p[0] | p[1] << 8));
}

} // namespace

unsigned kQuantBits(Layout l) {
  switch (l) {
  case Layout::Generic:
    return 0;
  case Layout::Q2_K:
    return 2;
  case Layout::Q3_K:
    return 3;
  case Layout::Q4_K:
    return 4;
  case Layout::Q5_K:
    return 5;
  case Layout::Q6_K:
    return 6;
  }
  return 0;
}

size_t kQuantBlockBytes(Layout l) {
  switch (l) {
  case Layout::Generic:
    return 0;
  case Layout::Q2_K:
    return 84;
  case Layout::Q3_K:
    return 110;
  case Layout::Q4_K:
    return 144;
  case Layout::Q5_K:
    return 176;
  case Layout::Q6_K:
    return 210;
  }
  return 0;
}

size_t kQuantScaleBytes(Layout l) {
  switch (l) {
  case Layout::Generic:
    return 0;
  case Layout::Q2_K:
    return 16 + 4; // scales[16], d, dmin
  case Layout::Q3_K:
    return 12 + 2; // scales[12], d
  case Layout::Q4_K:
  case Layout::Q5_K:
    return 4 + 12; // d, dmin, scales[12]
  case Layout::Q6_K:
    return 16 + 2; // scales[16], d
  }
  return 0;
}

KGeometry kGeometry(Layout l) {
  switch (l) {
  case Layout::Q2_K:
    return {16, 16, 0, 3};
  case Layout::Q3_K:
    return {16, 16, -4, 3};
  case Layout::Q4_K:
    return {8, 32, 0, 15};
  case Layout::Q5_K:
    return {8, 32, 0, 31};
  case Layout::Q6_K:
    return {16, 16, -32, 31};
  case Layout::Generic:
    break;
  }
  assert(false && "not a K-quant layout");
  return {1, 256, 0, 0};
}

void getScaleMinK4(unsigned j, const uint8_t *scales, uint8_t &sc, uint8_t &m) {
  if (j < 4) {
    sc = scales[j] & 63;
    m = scales[j + 4] & 63;
  } else {
    sc = uint8_t((scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4));
    m = uint8_t((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
  }
}

unsigned q3kScale6(unsigned j, const uint8_t *scales) {
  unsigned low = j < 8 ? scales[j] & 0xFu : unsigned(scales[j - 8]) >> 4;
  unsigned high = (unsigned(scales[8 + j % 4]) >> (2 * (j / 4))) & 3u;
  return low | high << 4;
}

void kSubBlockParams(Layout l, const uint8_t *b, float *S, float *M) {
  switch (l) {
  case Layout::Q2_K: {
    const float d = loadHalf(b + 80), dmin = loadHalf(b + 82);
    for (unsigned j = 0; j < 16; ++j) {
      S[j] = d * float(b[j] & 0xF);
      M[j] = dmin * float(b[j] >> 4);
    }
    return;
  }
  case Layout::Q3_K: {
    const float d = loadHalf(b + 108);
    for (unsigned j = 0; j < 16; ++j) {
      S[j] = d * float(int(q3kScale6(j, b + 96)) - 32);
      M[j] = 0;
    }
    return;
  }
  case Layout::Q4_K:
  case Layout::Q5_K: {
    const float d = loadHalf(b), dmin = loadHalf(b + 2);
    for (unsigned j = 0; j < 8; ++j) {
      uint8_t sc, m;
      getScaleMinK4(j, b + 4, sc, m);
      S[j] = d * float(sc);
      M[j] = dmin * float(m);
    }
    return;
  }
  case Layout::Q6_K: {
    const float d = loadHalf(b + 208);
    for (unsigned j = 0; j < 16; ++j) {
      S[j] = d * float(int8_t(b[192 + j]));
      M[j] = 0;
    }
    return;
  }
  case Layout::Generic:
    break;
  }
  assert(false && "not a K-quant layout");
}

void kCodeValues(Layout l, const uint8_t *b, int *v) {
  for (unsigned e = 0; e < 256; ++e) {
    const unsigned h = e / 128, k = (e % 128) / 32, lo = e % 32;
    switch (l) {
    case Layout::Q2_K:
      v[e] = (b[16 + 32 * h + lo] >> (2 * k)) & 3;
      break;
    case Layout::Q3_K: {
      int q = (b[32 + 32 * h + lo] >> (2 * k)) & 3;
      q |= ((b[lo] >> (4 * h + k)) & 1) << 2;
      v[e] = q - 4;
      break;
    }
    case Layout::Q4_K:
    case Layout::Q5_K: {
      const uint8_t *qs = b + (l == Layout::Q4_K ? 16 : 48);
      const unsigned r = e % 64;
      uint8_t byte = qs[32 * (e / 64) + r % 32];
      int q = r < 32 ? byte & 0xF : byte >> 4;
      if (l == Layout::Q5_K)
        q |= ((b[16 + lo] >> (e / 32)) & 1) << 4;
      v[e] = q;
      break;
    }
    case Layout::Q6_K: {
      uint8_t qlByte = b[64 * h + lo + 32 * (k & 1)];
      int low = k < 2 ? qlByte & 0xF : qlByte >> 4;
      int high = (b[128 + 32 * h + lo] >> (2 * k)) & 3;
      v[e] = (low | high << 4) - 32;
      break;
    }
    case Layout::Generic:
      assert(false && "not a K-quant layout");
      return;
    }
  }
}

unsigned kElementCode(Layout l, const uint8_t *b, unsigned e) {
  const unsigned h = e / 128, k = (e % 128) / 32, lo = e % 32;
  switch (l) {
  case Layout::Q2_K:
    return (b[16 + 32 * h + lo] >> (2 * k)) & 3u;
  case Layout::Q3_K:
    return ((b[32 + 32 * h + lo] >> (2 * k)) & 3u) |
           ((b[lo] >> (4 * h + k)) & 1u) << 2;
  case Layout::Q4_K:
  case Layout::Q5_K: {
    const uint8_t *qs = b + (l == Layout::Q4_K ? 16 : 48);
    const unsigned r = e % 64;
    const uint8_t byte = qs[32 * (e / 64) + r % 32];
    unsigned q = r < 32 ? byte & 0xFu : unsigned(byte) >> 4;
    if (l == Layout::Q5_K)
      q |= ((b[16 + lo] >> (e / 32)) & 1u) << 4;
    return q;
  }
  case Layout::Q6_K: {
    const uint8_t qlByte = b[64 * h + lo + 32 * (k & 1)];
    const unsigned low = k < 2 ? qlByte & 0xFu : unsigned(qlByte) >> 4;
    return low | ((b[128 + 32 * h + lo] >> (2 * k)) & 3u) << 4;
  }
  case Layout::Generic:
    break;
  }
  assert(false && "not a K-quant layout");
  return 0;
}

void kSetElementCode(Layout l, uint8_t *b, unsigned e, unsigned q) {
  const unsigned h = e / 128, k = (e % 128) / 32, lo = e % 32;
  // Clears the `width` bits at `shift` of `byte` and stores `v` there.
  auto put = [](uint8_t &byte, unsigned shift, unsigned width, unsigned v) {
    const unsigned mask = ((1u << width) - 1u) << shift;
    byte = uint8_t((byte & ~mask) | ((v << shift) & mask));
  };
  switch (l) {
  case Layout::Q2_K:
    put(b[16 + 32 * h + lo], 2 * k, 2, q & 3u);
    return;
  case Layout::Q3_K:
    put(b[32 + 32 * h + lo], 2 * k, 2, q & 3u);
    put(b[lo], 4 * h + k, 1, (q >> 2) & 1u);
    return;
  case Layout::Q4_K:
  case Layout::Q5_K: {
    uint8_t *qs = b + (l == Layout::Q4_K ? 16 : 48);
    const unsigned r = e % 64;
    put(qs[32 * (e / 64) + r % 32], r < 32 ? 0 : 4, 4, q & 0xFu);
    if (l == Layout::Q5_K)
      put(b[16 + lo], e / 32, 1, (q >> 4) & 1u);
    return;
  }
  case Layout::Q6_K:
    put(b[64 * h + lo + 32 * (k & 1)], k < 2 ? 0 : 4, 4, q & 0xFu);
    put(b[128 + 32 * h + lo], 2 * k, 2, (q >> 4) & 3u);
    return;
  case Layout::Generic:
    break;
  }
  assert(false && "not a K-quant layout");
}

void dequantizeKBlock(Layout l, const uint8_t *in, float *out) {
  float S[16], M[16];
  int v[256];
  kSubBlockParams(l, in, S, M);
  kCodeValues(l, in, v);
  const unsigned subSize = kGeometry(l).subSize;
  for (unsigned e = 0; e < 256; ++e) {
    const unsigned j = e / subSize;
    out[e] = S[j] * float(v[e]) - M[j];
  }
}

} // namespace quant::fmt::detail
