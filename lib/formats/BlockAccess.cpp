//===- BlockAccess.cpp - One block's codes under a fixed header ----------===//
//
// Reading and writing single element codes of an encoded block, and the
// values an element can take with the block's header left as stored. The
// values are computed with the decoders' own arithmetic (decodeGenericCode;
// S_j * v - M_j for the K-quants), so a code chosen from them decodes to
// exactly the value that was chosen.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"

#include "FormatsInternal.h"
#include "KQuantInternal.h"

#include <cassert>

namespace quant::fmt {

namespace {

[[maybe_unused]] bool isResolved(const FormatSpec &spec) {
  return spec.blockSize > 0 && spec.validate().empty();
}

/// Offset of the packed codes in a Generic block.
size_t codeOffset(const FormatSpec &spec) {
  return spec.scaleBytes() + spec.offsetBytes();
}

/// Bit position of element i's code for Linear (and 8-bit Ggml) packing.
size_t linearBit(const FormatSpec &spec, size_t i) { return i * spec.bits; }

bool isGgmlSplit(const FormatSpec &spec) {
  return spec.packing == Packing::Ggml && spec.bits != 8;
}

} // namespace

unsigned blockCodeCount(const FormatSpec &spec) {
  if (spec.layout != Layout::Generic)
    return 1u << detail::kQuantBits(spec.layout);
  return 1u << spec.bits;
}

unsigned blockValueGroupSize(const FormatSpec &spec) {
  assert(isResolved(spec) && "blockValueGroupSize needs a resolved spec");
  if (spec.layout != Layout::Generic)
    return detail::kGeometry(spec.layout).subSize;
  return spec.blockSize;
}

void quantizeBlock(const FormatSpec &spec, const float *x, uint8_t *out) {
  assert(isResolved(spec) && "quantizeBlock needs a resolved spec");
  if (spec.layout == Layout::Generic)
    detail::quantizeGenericBlock(spec, x, spec.blockSize, out);
  else
    detail::quantizeKBlock(spec.layout, x, out);
}

void dequantizeBlock(const FormatSpec &spec, const uint8_t *in, float *out) {
  assert(isResolved(spec) && "dequantizeBlock needs a resolved spec");
  if (spec.layout == Layout::Generic)
    detail::dequantizeGenericBlock(spec, in, spec.blockSize, out);
  else
    detail::dequantizeKBlock(spec.layout, in, out);
}

unsigned blockElementCode(const FormatSpec &spec, const uint8_t *block,
                          size_t i) {
  assert(isResolved(spec) && i < spec.blockSize);
  if (spec.layout != Layout::Generic)
    return detail::kElementCode(spec.layout, block, unsigned(i));
  const uint8_t *codes = block + codeOffset(spec);
  const size_t n = spec.blockSize;
  if (isGgmlSplit(spec)) {
    const size_t half = n / 2;
    const uint8_t *qs = spec.bits == 5 ? codes + n / 8 : codes;
    unsigned q = i < half ? qs[i] & 0xFu : unsigned(qs[i - half]) >> 4;
    if (spec.bits == 5)
      q |= ((codes[i / 8] >> (i % 8)) & 1u) << 4;
    return q;
  }
  const size_t bit = linearBit(spec, i);
  unsigned v = unsigned(codes[bit / 8]) >> (bit % 8);
  if ((bit % 8) + spec.bits > 8)
    v |= unsigned(codes[bit / 8 + 1]) << (8 - bit % 8);
  return v & ((1u << spec.bits) - 1u);
}

void blockElementCodes(const FormatSpec &spec, const uint8_t *block,
                       unsigned *out) {
  assert(isResolved(spec));
  const size_t n = spec.blockSize;
  if (spec.layout != Layout::Generic) {
    for (size_t i = 0; i < n; ++i)
      out[i] = detail::kElementCode(spec.layout, block, unsigned(i));
    return;
  }
  const uint8_t *codes = block + codeOffset(spec);
  if (isGgmlSplit(spec)) {
    const size_t half = n / 2;
    const uint8_t *qs = spec.bits == 5 ? codes + n / 8 : codes;
    for (size_t i = 0; i < half; ++i) {
      out[i] = qs[i] & 0xFu;
      out[i + half] = unsigned(qs[i]) >> 4;
    }
    if (spec.bits == 5)
      for (size_t i = 0; i < n; ++i)
        out[i] |= ((codes[i / 8] >> (i % 8)) & 1u) << 4;
    return;
  }
  const unsigned mask = (1u << spec.bits) - 1u;
  for (size_t i = 0; i < n; ++i) {
    const size_t bit = linearBit(spec, i);
    unsigned v = unsigned(codes[bit / 8]) >> (bit % 8);
    if ((bit % 8) + spec.bits > 8)
      v |= unsigned(codes[bit / 8 + 1]) << (8 - bit % 8);
    out[i] = v & mask;
  }
}

void setBlockElementCode(const FormatSpec &spec, uint8_t *block, size_t i,
                         unsigned code) {
  assert(isResolved(spec) && i < spec.blockSize);
  assert(code < blockCodeCount(spec));
  if (spec.layout != Layout::Generic) {
    detail::kSetElementCode(spec.layout, block, unsigned(i), code);
    return;
  }
  uint8_t *codes = block + codeOffset(spec);
  const size_t n = spec.blockSize;
  if (isGgmlSplit(spec)) {
    const size_t half = n / 2;
    uint8_t *qs = spec.bits == 5 ? codes + n / 8 : codes;
    if (i < half)
      qs[i] = uint8_t((qs[i] & 0xF0u) | (code & 0xFu));
    else
      qs[i - half] = uint8_t((qs[i - half] & 0x0Fu) | (code & 0xFu) << 4);
    if (spec.bits == 5) {
      const uint8_t bit = uint8_t(1u << (i % 8));
      codes[i / 8] =
          uint8_t((codes[i / 8] & ~bit) | (((code >> 4) & 1u) ? bit : 0u));
    }
    return;
  }
  const size_t bit = linearBit(spec, i);
  const unsigned mask = ((1u << spec.bits) - 1u) << (bit % 8);
  const unsigned v = (code << (bit % 8)) & mask;
  codes[bit / 8] = uint8_t((codes[bit / 8] & ~mask) | v);
  if ((bit % 8) + spec.bits > 8)
    codes[bit / 8 + 1] = uint8_t((codes[bit / 8 + 1] & ~(mask >> 8)) | v >> 8);
}

void blockElementValues(const FormatSpec &spec, const uint8_t *block, size_t i,
                        float *values) {
  assert(isResolved(spec) && i < spec.blockSize);
  const unsigned count = blockCodeCount(spec);
  if (spec.layout != Layout::Generic) {
    float S[16], M[16];
    detail::kSubBlockParams(spec.layout, block, S, M);
    const detail::KGeometry g = detail::kGeometry(spec.layout);
    const unsigned j = unsigned(i) / g.subSize;
    // Stored code q decodes to v = q (+ vmin for the symmetric layouts,
    // whose vmin is negative; 0 for the affine ones).
    const int shift = g.vmin < 0 ? g.vmin : 0;
    for (unsigned q = 0; q < count; ++q)
      values[q] = S[j] * float(int(q) + shift) - M[j];
    return;
  }
  const float s = detail::loadScale(spec.scaleType, block);
  float m = 0;
  int z = 0;
  const uint8_t *o = block + spec.scaleBytes();
  if (spec.offset == OffsetKind::Min)
    m = detail::loadScale(spec.scaleType, o);
  else if (spec.offset == OffsetKind::ZeroPoint)
    z = o[0];
  for (unsigned q = 0; q < count; ++q)
    values[q] = detail::decodeGenericCode(spec, s, m, z, int(q));
}

bool hasAffineCodes(const FormatSpec &spec) {
  if (spec.layout != Layout::Generic)
    return true;
  return (spec.codeKind == CodeKind::UInt || spec.codeKind == CodeKind::SInt) &&
         spec.scaleType != ScaleType::None;
}

AffineParams blockAffineParams(const FormatSpec &spec, const uint8_t *block,
                               size_t i) {
  assert(isResolved(spec) && hasAffineCodes(spec) &&
         "blockAffineParams needs a resolved spec with affine codes");
  AffineParams params;
  if (spec.layout != Layout::Generic) {
    float S[16], M[16];
    detail::kSubBlockParams(spec.layout, block, S, M);
    size_t j = i / detail::kGeometry(spec.layout).subSize;
    params.scale = S[j];
    params.min = -M[j];
    // kCodeValues' v = q - 4 (Q3_K), q - 32 (Q6_K), q otherwise.
    params.zero = spec.layout == Layout::Q3_K   ? 4
                  : spec.layout == Layout::Q6_K ? 32
                                                : 0;
    return params;
  }
  params.scale = detail::loadScale(spec.scaleType, block);
  if (spec.codeKind == CodeKind::SInt)
    params.zero = 1 << (spec.bits - 1);
  else if (spec.offset == OffsetKind::ZeroPoint)
    params.zero = block[spec.scaleBytes()];
  else
    params.zero = spec.bias;
  if (spec.offset == OffsetKind::Min)
    params.min = detail::loadScale(spec.scaleType, block + spec.scaleBytes());
  return params;
}

} // namespace quant::fmt
