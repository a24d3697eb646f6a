//===- BlockLayout.cpp - where each field of a block lives ----------------===//
//
// The byte and bit positions of every field, for the generic packings and the
// GGUF super-block layouts (docs/formats-library.md gives the layouts in prose).
//
//===----------------------------------------------------------------------===//

#include "dialects/qt/BlockLayout.h"

#include <cassert>

using namespace quant;
using namespace quant::qt;

/// A field of `width` bits starting at absolute bit `bit` of the block, split
/// into per-byte pieces.
static llvm::SmallVector<BitPiece, 2> bitRun(int64_t bit, unsigned width) {
  llvm::SmallVector<BitPiece, 2> pieces;
  unsigned done = 0;
  while (done < width) {
    int64_t at = bit + done;
    unsigned shift = unsigned(at % 8);
    unsigned take = std::min(width - done, 8 - shift);
    pieces.push_back({at / 8, shift, take, done});
    done += take;
  }
  return pieces;
}

BitFieldTable quant::qt::genericCodeTable(const fmt::FormatSpec &spec) {
  const int64_t base = int64_t(spec.scaleBytes() + spec.offsetBytes());
  const unsigned n = spec.blockSize;
  BitFieldTable table(n);
  if (spec.packing == fmt::Packing::Linear) {
    for (unsigned i = 0; i < n; ++i)
      table[i] = bitRun(base * 8 + int64_t(i) * spec.bits, spec.bits);
    return table;
  }
  // GGUF order: bytes for 8-bit codes; split-half nibbles for 4-bit codes;
  // for 5-bit codes a bit plane of fifth bits first, then the nibbles.
  if (spec.bits == 8) {
    for (unsigned i = 0; i < n; ++i)
      table[i] = {{base + i, 0, 8, 0}};
    return table;
  }
  int64_t nibbles = spec.bits == 5 ? base + n / 8 : base;
  for (unsigned i = 0; i < n; ++i) {
    unsigned half = n / 2;
    table[i].push_back({nibbles + (i % half), i < half ? 0u : 4u, 4, 0});
    if (spec.bits == 5)
      table[i].push_back({base + i / 8, i % 8, 1, 4});
  }
  return table;
}

/// The 6-bit scale (`wantMin` false) or minimum of sub-block j packed in the
/// 12 bytes at `at`, as Q4_K and Q5_K store them.
static llvm::SmallVector<BitPiece, 2> packedScaleMin(int64_t at, unsigned j,
                                                    bool wantMin) {
  if (j < 4)
    return {{at + j + (wantMin ? 4 : 0), 0, 6, 0}};
  if (!wantMin)
    return {{at + j + 4, 0, 4, 0}, {at + j - 4, 6, 2, 4}};
  return {{at + j + 4, 4, 4, 0}, {at + j, 6, 2, 4}};
}

SuperBlockLayout quant::qt::superBlockLayout(const fmt::FormatSpec &spec) {
  SuperBlockLayout l;
  constexpr unsigned n = 256;
  l.codes.resize(n);
  switch (spec.layout) {
  case fmt::Layout::Q2_K: {
    // u8 scales[16]; u8 qs[64]; f16 d, dmin. Element i = 128h + 32k + l:
    // bits 2k of qs[32h + l]; sub-block i/16 has scale sc&15 and min sc>>4.
    for (unsigned i = 0; i < n; ++i) {
      unsigned h = i / 128, k = (i % 128) / 32, lane = i % 32;
      l.codes[i] = {{16 + 32 * h + lane, 2 * k, 2, 0}};
    }
    l.subBlockSize = 16;
    for (unsigned j = 0; j < 16; ++j) {
      l.subScales.push_back({{int64_t(j), 0, 4, 0}});
      l.subMins.push_back({{int64_t(j), 4, 4, 0}});
    }
    l.dOffset = 80;
    l.dminOffset = 82;
    return l;
  }
  case fmt::Layout::Q3_K: {
    // u8 hmask[32]; u8 qs[64]; u8 scales[12]; f16 d. Element i = 128h + 32k
    // + l: low bits 2k of qs[32h + l], high bit (4h + k) of hmask[l]; the
    // value is code - 4. 6-bit scales (minus 32): low nibbles from
    // scales[0..7], high pairs from scales[8..11].
    for (unsigned i = 0; i < n; ++i) {
      unsigned h = i / 128, k = (i % 128) / 32, lane = i % 32;
      l.codes[i] = {{32 + 32 * h + lane, 2 * k, 2, 0},
                    {int64_t(lane), 4 * h + k, 1, 2}};
    }
    l.codeBias = 4;
    l.subBlockSize = 16;
    for (unsigned j = 0; j < 16; ++j) {
      BitPiece low = j < 8 ? BitPiece{96 + j, 0, 4, 0}
                           : BitPiece{96 + (j - 8), 4, 4, 0};
      BitPiece high{96 + 8 + (j % 4), 2 * (j / 4), 2, 4};
      l.subScales.push_back({low, high});
    }
    l.scaleBias = 32;
    l.dOffset = 108;
    return l;
  }
  case fmt::Layout::Q4_K:
  case fmt::Layout::Q5_K: {
    // f16 d, dmin; u8 scales[12]; [u8 qh[32];] u8 qs[128]. Element i = 64c +
    // r: nibble (r < 32 ? low : high) of qs[32c + r % 32]; Q5_K's fifth bit is
    // bit (2c + r / 32) of qh[r % 32].
    bool five = spec.layout == fmt::Layout::Q5_K;
    int64_t qs = five ? 48 : 16;
    for (unsigned i = 0; i < n; ++i) {
      unsigned c = i / 64, r = i % 64;
      l.codes[i] = {{qs + 32 * c + r % 32, r < 32 ? 0u : 4u, 4, 0}};
      if (five)
        l.codes[i].push_back({16 + int64_t(r % 32), 2 * c + r / 32, 1, 4});
    }
    l.subBlockSize = 32;
    for (unsigned j = 0; j < 8; ++j) {
      l.subScales.push_back(packedScaleMin(4, j, /*wantMin=*/false));
      l.subMins.push_back(packedScaleMin(4, j, /*wantMin=*/true));
    }
    l.dOffset = 0;
    l.dminOffset = 2;
    return l;
  }
  case fmt::Layout::Q6_K: {
    // u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d. Element i = 128h + 32k +
    // l: low nibble ((k & 1) ? ql[64h + 32 + l] : ql[64h + l]), the high
    // nibble for k >= 2; bits 2k..2k+1 of qh[32h + l] on top; value = q - 32.
    for (unsigned i = 0; i < n; ++i) {
      unsigned h = i / 128, k = (i % 128) / 32, lane = i % 32;
      l.codes[i] = {{64 * h + 32 * (k & 1) + lane, k >= 2 ? 4u : 0u, 4, 0},
                    {128 + 32 * h + lane, 2 * k, 2, 4}};
    }
    l.codeBias = 32;
    l.subBlockSize = 16;
    for (unsigned j = 0; j < 16; ++j)
      l.subScales.push_back({{192 + int64_t(j), 0, 8, 0}});
    l.subScalesSigned = true;
    l.subScaleBits = 8;
    l.dOffset = 208;
    return l;
  }
  case fmt::Layout::Generic:
    break;
  }
  assert(false && "not a super-block layout");
  return l;
}
