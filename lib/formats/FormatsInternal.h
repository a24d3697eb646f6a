//===- FormatsInternal.h - Shared helpers of the formats library -*- C++
//-*-===//
//
// Private to lib/formats: layout constants of the K-quants, minifloat
// descriptions, scale storage, code packing, the generic scale rule and the
// per-layout block codecs the dispatcher in Codec.cpp calls.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_LIB_FORMATS_FORMATSINTERNAL_H
#define QUANT_LIB_FORMATS_FORMATSINTERNAL_H

#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quant::fmt::detail {

/// Elements of a K-quant super-block.
constexpr unsigned kQuantBlockSize = 256;
/// Largest block size a Generic spec (or a resolved per-row spec) may have.
constexpr unsigned kMaxBlockSize = 1u << 28;

/// Code width of a K-quant layout (0 for Generic).
unsigned kQuantBits(Layout l);
/// Bytes of one K-quant super-block (84, 110, 144, 176, 210).
size_t kQuantBlockBytes(Layout l);
/// Bytes of the scale/min fields of a K-quant super-block.
size_t kQuantScaleBytes(Layout l);

/// A sign + exponent + mantissa encoding.
struct MiniFloatInfo {
  unsigned width;     ///< Total bits.
  unsigned expBits;   ///< Exponent field width.
  unsigned mantBits;  ///< Mantissa field width.
  int bias;           ///< Exponent bias.
  float maxFinite;    ///< Largest finite magnitude.
  uint8_t maxPosCode; ///< Code of +maxFinite (positive codes 0..maxPosCode
                      ///< are finite and increasing).
  int nanCode;        ///< Canonical positive NaN code, -1 when none.
};
const MiniFloatInfo &miniFloatInfo(MiniFloat t);

/// The value a scale of type `t` decodes to after storing `v`: rounded to the
/// type (nearest even) and clamped to its largest finite magnitude. E8M0 and
/// None are not handled here. `clamped` is set when `v` was beyond the range
/// (or infinite).
float roundScale(ScaleType t, float v, bool &clamped);
/// Stores `v` (already representable, see roundScale) in `scaleBytes` bytes.
void storeScale(ScaleType t, float v, uint8_t *out);
/// Stores an E8M0 biased exponent.
inline void storeE8M0(uint8_t e, uint8_t *out) { out[0] = e; }
/// Reads a stored scale (None: 1).
float loadScale(ScaleType t, const uint8_t *in);

/// Writes the `n` codes of a block in the spec's packing (`n` * bits bits,
/// zero padded to whole bytes).
void packCodes(const FormatSpec &spec, const uint8_t *codes, size_t n,
               uint8_t *out);
/// Reads `n` codes packed as `packCodes` writes them.
void unpackCodes(const FormatSpec &spec, const uint8_t *in, size_t n,
                 uint8_t *codes);

/// How a Generic block's codes are chosen from its inputs.
enum class CodeRule : uint8_t {
  /// ggml symmetric unsigned: q = min(qmax, (int)(x*inv + bias + 0.5f)).
  GgmlSym,
  /// ggml signed: q = roundf(x*inv), clamped to the code range.
  GgmlSInt,
  /// ggml min: q = min(qmax, (int)((x - min)*inv + 0.5f)).
  GgmlMin,
  /// Nearest value to t = x / scale (+ z), with the stored scale.
  Stored,
};

/// The per-block parameters the scale rule picks for one Generic block.
struct BlockParams {
  CodeRule rule = CodeRule::Stored;
  float workScale = 0; ///< The scale codes are chosen with.
  float workInv = 0;   ///< 1 / workScale (0 when workScale is 0): ggml rules.
  float workMin = 0;   ///< The min codes are chosen with (Min offset).
  float scale = 0;     ///< The stored scale as it decodes (None: 1).
  float min = 0;       ///< The stored min as it decodes (Min offset).
  uint8_t e8m0 = 0;    ///< The biased exponent (E8M0 scales).
  int zeroPoint = 0;   ///< ZeroPoint offset.
};

/// The scale rule of docs/formats-library.md for one Generic block.
BlockParams computeBlockParams(const FormatSpec &spec, const float *x,
                               size_t n);

/// The sorted, distinct finite values a code of `spec` can take before the
/// scale is applied (UInt: q - bias, or q - z for ZeroPoint, or q for Min).
std::vector<double> codeValueSet(const FormatSpec &spec, int zeroPoint);

/// The value code `q` of a Generic block decodes to, given the block's
/// stored scale `s`, min `m` (Min offset) and zero point `z` (ZeroPoint):
/// the decoder's float32 arithmetic, shared by dequantizeGenericBlock and
/// blockElementValues so that both give bit-identical results.
inline float decodeGenericCode(const FormatSpec &spec, float s, float m, int z,
                               int q);

/// The unsigned stored code of element `e` of a K-quant super-block and its
/// replacement (other bits unchanged); the decoded code value is
/// q + kGeometry(l).vmin for Q3_K/Q6_K, q otherwise.
unsigned kElementCode(Layout l, const uint8_t *block, unsigned e);
void kSetElementCode(Layout l, uint8_t *block, unsigned e, unsigned q);

/// Generic block codec; `spec` is resolved (blockSize == n).
void quantizeGenericBlock(const FormatSpec &spec, const float *x, size_t n,
                          uint8_t *out);
void dequantizeGenericBlock(const FormatSpec &spec, const uint8_t *in, size_t n,
                            float *out);
double genericBlockErrorBound(const FormatSpec &spec, const float *x, size_t n);

/// K-quant super-block codec (256 elements).
void quantizeKBlock(Layout l, const float *x, uint8_t *out);
void dequantizeKBlock(Layout l, const uint8_t *in, float *out);
double kBlockErrorBound(Layout l, const float *x);

/// Distance from `t` to the point of the sorted set `v` (non-empty) that a
/// nearest-point search picks when it sees t perturbed by at most `delta`:
/// the nearest point, or the farther of the two bracketing points when t is
/// within 2 delta of their midpoint; beyond the ends, the distance to the end.
double distanceToSet(const std::vector<double> &v, double t, double delta);

inline float decodeGenericCode(const FormatSpec &spec, float s, float m, int z,
                               int q) {
  switch (spec.codeKind) {
  case CodeKind::UInt:
    if (spec.offset == OffsetKind::Min)
      return float(q) * s + m;
    if (spec.offset == OffsetKind::ZeroPoint)
      return s * float(q - z);
    return float(q - spec.bias) * s;
  case CodeKind::SInt: {
    const int half = 1 << (spec.bits - 1);
    return float(q >= half ? q - 2 * half : q) * s;
  }
  case CodeKind::Codebook:
    return s * spec.codebook[size_t(q)];
  case CodeKind::MiniFloat:
    return s * decodeMiniFloat(spec.miniFloat, uint8_t(q));
  }
  return 0.0f;
}

} // namespace quant::fmt::detail

#endif // QUANT_LIB_FORMATS_FORMATSINTERNAL_H
