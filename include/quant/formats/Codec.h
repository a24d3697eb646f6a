//===- Codec.h - Reference quantizer and dequantizer -------------*- C++
//-*-===//
//
// The reference codec for every FormatSpec: plain C++, one row at a time. It
// is the ground truth that tests, importers and PTQ tools compare kernels to.
//
// Decoding is bit-exact with the GGUF definitions for the GGUF formats
// (float32 arithmetic, one rounding per operation, no fused multiply-add).
// The encoder's scale rule is the one in docs/formats-library.md; for Q4_0,
// Q4_1, Q5_0, Q5_1 and Q8_0 it reproduces the common tools' bytes.
//
// Non-finite and extreme inputs (the encoder's policy):
//  * NaN elements are excluded from the scale computation and encode as the
//    code an input of 0 would get (the code nearest to zero).
//  * +-Inf elements are excluded from the scale computation and saturate: they
//    encode as the code with the largest (smallest) value in the direction of
//    their sign, i.e. the block's largest finite magnitude with their sign.
//  * A block without finite non-zero values gets scale 0 (E8M0: e = 0, the
//    smallest scale) and codes that decode to 0 (Min: to the stored min); the
//    output never contains NaN or Inf.
//  * A scale (or min) that overflows its storage type is clamped to the
//    type's largest finite value; codes are then chosen with the clamped
//    scale, so large inputs saturate at the largest representable value.
//  * Denormal inputs are handled like any other; a scale that underflows to 0
//    decodes the whole block to 0 (Min: to the stored min).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_FORMATS_CODEC_H
#define QUANT_FORMATS_CODEC_H

#include "quant/formats/Format.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace quant::fmt {

/// Returns an empty string when a row of `n` elements can be stored in
/// `spec` (a valid spec, n > 0, n a multiple of the block size, the packing's
/// constraints met for per-row specs), otherwise a one-line error message.
std::string checkRowLength(const FormatSpec &spec, size_t n);

/// Quantizes the row `x[0..n)` into `spec.rowBytes(n)` bytes at `out`.
/// Precondition (asserted): `checkRowLength(spec, n)` is empty. Padding bits
/// of a per-row Linear block are written as zero.
void quantizeRow(const FormatSpec &spec, const float *x, size_t n,
                 uint8_t *out);

/// Decodes `spec.rowBytes(n)` bytes at `in` into `out[0..n)`. Any byte
/// pattern is accepted (a NaN or Inf scale read from a file propagates into
/// the output). Precondition (asserted): `checkRowLength(spec, n)` is empty.
void dequantizeRow(const FormatSpec &spec, const uint8_t *in, size_t n,
                   float *out);

/// An upper bound on max |x[i] - dequant(quant(x))[i]| over the finite
/// elements of one block `x[0..n)` (n = the block size; for per-row specs the
/// row length). Non-finite elements are not covered (see the policy above).
///
/// Generic layouts (derivation in ErrorBound.cpp): with the scale rule's
/// working scale s and offset m (those the codes are chosen with) and the
/// stored s', m', each element's code value v is the value set's point
/// nearest to t = (x - m) / s, so
///   |x - (s' v + m')| <= |s| dist(t, V) + |s' - s| max|V| + |m' - m|,
/// where dist(t, V) is 1/2 of the local code spacing inside the value range
/// and the distance to the range's end outside it; plus terms of order 2^-20
/// relative for float32 rounding in the encoder and the decoder.
/// K-quant layouts: the same per element with the sub-block scale and min the
/// encoder chose (the format does not fix a scale rule); docs give the
/// a-priori bound of the encoder's rule.
double blockErrorBound(const FormatSpec &spec, const float *x, size_t n);

/// The maximum of blockErrorBound over the blocks of a row (preconditions as
/// quantizeRow).
double rowErrorBound(const FormatSpec &spec, const float *x, size_t n);

//===----------------------------------------------------------------------===//
// Block-level access: one block with its header (scales, mins, zero points,
// sub-block scales) held fixed and its element codes chosen by the caller.
// Used by post-training quantization (GPTQ commits each element to a value
// representable under a header computed once per block). `spec` must be
// resolved (blockSize > 0: call resolvedFor(rowLength) for per-row specs)
// and valid; a block is spec.blockBytes() bytes of spec.blockSize elements.
//===----------------------------------------------------------------------===//

/// Number of distinct codes of one element (2^bits; K-quants: 2^layout bits).
unsigned blockCodeCount(const FormatSpec &spec);

/// Elements that share one value table under a fixed header: consecutive
/// runs of this many elements (the block size for Generic layouts, the
/// sub-block of 16 or 32 for K-quants) decode code c to the same value.
unsigned blockValueGroupSize(const FormatSpec &spec);

/// Encodes one block exactly as quantizeRow encodes it inside a row.
void quantizeBlock(const FormatSpec &spec, const float *x, uint8_t *out);
/// Decodes one block exactly as dequantizeRow does.
void dequantizeBlock(const FormatSpec &spec, const uint8_t *in, float *out);

/// The stored code of element `i` of `block` (0 <= i < blockSize).
unsigned blockElementCode(const FormatSpec &spec, const uint8_t *block,
                          size_t i);
/// The stored codes of every element of `block` into `codes` (blockSize
/// values): blockElementCode for each i, with the layout worked out once.
void blockElementCodes(const FormatSpec &spec, const uint8_t *block,
                       unsigned *codes);
/// Replaces the code of element `i` by `code` (< blockCodeCount), leaving
/// every other bit of the block unchanged.
void setBlockElementCode(const FormatSpec &spec, uint8_t *block, size_t i,
                         unsigned code);

/// values[c], c < blockCodeCount(spec): the value element `i` of `block`
/// decodes to when its code is c, the rest of the block as stored.
/// Bit-identical to dequantizeBlock after setBlockElementCode(block, i, c)
/// (the same float32 operations), NaN/Inf codes included.
void blockElementValues(const FormatSpec &spec, const uint8_t *block, size_t i,
                        float *values);

/// The affine parameters of an element of a format with integer codes:
/// value = scale * (code - zero) + min, with `code` the unsigned stored code
/// (signed codes taken with their top bit flipped, zero = 2^(bits-1)).
struct AffineParams {
  float scale = 0;
  int zero = 0;  ///< The bias, the stored zero point or 2^(bits-1).
  float min = 0; ///< 0 for formats without a minimum.
};

/// True when every element of `spec` decodes as AffineParams describe:
/// generic layouts with unsigned or signed codes and a scale, and the
/// K-quant layouts (sub-block scale d * sc_j, minimum -dmin * m_j).
bool hasAffineCodes(const FormatSpec &spec);

/// The parameters element `i` of `block` decodes with (requires
/// hasAffineCodes(spec)); the float32 scale and minimum the decoder uses,
/// so the value is the decoder's up to the rounding of its products.
AffineParams blockAffineParams(const FormatSpec &spec, const uint8_t *block,
                               size_t i);

/// Code width in bits of a minifloat encoding (4, 6 or 8).
unsigned miniFloatBits(MiniFloat t);
/// Largest finite magnitude of a minifloat encoding (6, 7.5, 28, 448, 57344).
float miniFloatMaxFinite(MiniFloat t);
/// Decodes a minifloat code (the low miniFloatBits(t) bits of `code`; higher
/// bits are ignored). E4M3FN S.1111.111 and E5M2 S.11111.mm (mm != 0) decode to
/// NaN, E5M2 S.11111.00 to +-Inf.
float decodeMiniFloat(MiniFloat t, uint8_t code);
/// Encodes `x` to the nearest minifloat, ties to the even code, saturating to
/// the largest finite magnitude (Inf included). NaN encodes to the format's
/// NaN (E4M3FN 0x7F, E5M2 0x7E), or to +0 for formats without NaN.
uint8_t encodeMiniFloat(MiniFloat t, float x);

} // namespace quant::fmt

#endif // QUANT_FORMATS_CODEC_H
