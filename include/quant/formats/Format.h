//===- Format.h - One description of a low-bit format ------------*- C++ -*-===//
//
// A low-bit format is described once, by a FormatSpec. The reference codec
// (Codec.h), the `qt` dialect attributes and the kernels' dequantization code
// are all derived from this description. This library has no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_FORMATS_FORMAT_H
#define QUANT_FORMATS_FORMAT_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quant::fmt {

/// How the per-block scale is stored at the start of a block.
enum class ScaleType : uint8_t {
  None, ///< No scale: a code's value is the element value.
  F32,  ///< IEEE binary32, 4 bytes.
  F16,  ///< IEEE binary16, 2 bytes.
  BF16, ///< bfloat16, 2 bytes.
  E8M0, ///< OCP microscaling power of two 2^(e-127), 1 byte; 0xFF is NaN.
};

/// How a code maps to an (unscaled) value.
enum class CodeKind : uint8_t {
  UInt,      ///< Unsigned integer q in [0, 2^bits); value = q - bias.
  SInt,      ///< Two's complement integer of `bits` bits; value = q.
  Codebook,  ///< value = codebook[q]; the table has 2^bits entries.
  MiniFloat, ///< value = the minifloat `miniFloat` encoded by q.
};

/// A second per-block parameter beside the scale.
enum class OffsetKind : uint8_t {
  None,      ///< x = s * value(q).
  ZeroPoint, ///< A u8 zero point z after the scale: x = s * (q - z) (UInt only).
  Min,       ///< A minimum m of the scale's type after the scale: x = s*q + m (UInt only).
};

/// Order of the packed codes within a block.
enum class Packing : uint8_t {
  /// Element i occupies bits [i*bits, (i+1)*bits) of the code bytes, least
  /// significant bit first (a code may straddle two bytes).
  Linear,
  /// The GGUF order, for bits in {4, 5, 8}. 8: one byte per element.
  /// 4: byte j holds element j in its low nibble and element j + B/2 in its
  /// high nibble. 5: a B-bit plane (`qh`, bit j = bit 4 of element j) comes
  /// first, then the low nibbles in the 4-bit order.
  Ggml,
};

/// The minifloat element encodings (sign bit + exponent + mantissa).
enum class MiniFloat : uint8_t {
  E2M1,   ///< FP4: {0, .5, 1, 1.5, 2, 3, 4, 6}, no Inf/NaN, bias 1.
  E2M3,   ///< FP6: max 7.5, no Inf/NaN, bias 1.
  E3M2,   ///< FP6: max 28, no Inf/NaN, bias 3.
  E4M3FN, ///< FP8: max 448, no Inf, NaN = S.1111.111, bias 7.
  E5M2,   ///< FP8: max 57344, IEEE-like Inf/NaN, bias 15.
};

/// Block layouts. `Generic` is fully described by the FormatSpec fields; the
/// others are the GGUF super-block ("K-quant") layouts with bespoke packing,
/// whose byte layouts are given in docs/formats-library.md. A K-quant spec
/// has blockSize 256 and `bits` equal to the layout's code width (2..6); its
/// other fields describe the layout informally (F16 scales, UInt codes, Min
/// offset for Q2_K/Q4_K/Q5_K) and are not consulted by the codec.
enum class Layout : uint8_t { Generic, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K };

/// The complete description of a block format.
struct FormatSpec {
  /// Lower-case name for named formats ("q4_0", "nf4", ...), empty for formats
  /// defined inline (e.g. in IR).
  std::string name;
  Layout layout = Layout::Generic;
  /// Code width in bits, 1 to 8.
  unsigned bits = 8;
  /// Elements per block; 0 means one block per row (per-channel scales), the
  /// block size then being the row length (see `resolvedFor`).
  unsigned blockSize = 32;
  ScaleType scaleType = ScaleType::F32;
  CodeKind codeKind = CodeKind::SInt;
  /// For CodeKind::UInt: the constant subtracted from each code (e.g. 8 for
  /// Q4_0). Ignored otherwise.
  int bias = 0;
  OffsetKind offset = OffsetKind::None;
  Packing packing = Packing::Linear;
  /// For CodeKind::MiniFloat.
  MiniFloat miniFloat = MiniFloat::E2M1;
  /// For CodeKind::Codebook: 2^bits values.
  std::vector<float> codebook;

  /// Returns an empty string when the spec is well formed, otherwise a
  /// one-line description of the first problem.
  std::string validate() const;

  /// Bytes of one block; requires blockSize > 0.
  size_t blockBytes() const;
  /// Bytes needed to store a row of `n` elements (n a multiple of the block
  /// size, or any n > 0 for per-row formats).
  size_t rowBytes(size_t n) const;
  /// Average storage bits per element for a row of `n` elements (n is only
  /// needed for per-row formats).
  double bitsPerWeight(size_t n = 0) const;
  /// The spec with blockSize set to `rowLength` when it is per-row, else *this.
  FormatSpec resolvedFor(size_t rowLength) const;

  /// Bytes of the scale, of the offset field and of the packed codes; their
  /// sum is blockBytes(). For the K-quant layouts scaleBytes() counts all the
  /// super-block and sub-block scale/min fields (d, dmin, scales[]),
  /// offsetBytes() is 0 and codeBytes() counts the quant planes (qs, qh,
  /// hmask, ql).
  size_t scaleBytes() const;
  size_t offsetBytes() const;
  size_t codeBytes() const; // requires blockSize > 0

  /// Structural equality (ignores the name).
  bool sameLayoutAs(const FormatSpec &other) const;
};

/// Scale type names as written in IR and docs: "f32", "f16", "bf16", "e8m0".
std::string_view toString(ScaleType t);
std::optional<ScaleType> parseScaleType(std::string_view s);
/// Minifloat names: "e2m1", "e2m3", "e3m2", "e4m3fn", "e5m2".
std::string_view toString(MiniFloat t);
std::optional<MiniFloat> parseMiniFloat(std::string_view s);
/// Layout names: "generic", "q2_k", ..., "q6_k".
std::string_view toString(Layout l);

/// The named formats the library knows, in a stable order.
const std::vector<FormatSpec> &namedFormats();
/// Looks a named format up by its lower-case name; nullptr when unknown.
const FormatSpec *lookupNamedFormat(std::string_view name);

/// GGUF (ggml) type ids; only block formats appear here, F32/F16/BF16 are
/// plain element types handled by the GGUF layer.
std::optional<uint32_t> ggufTypeId(const FormatSpec &spec);
const FormatSpec *formatForGgufType(uint32_t typeId);

} // namespace quant::fmt

#endif // QUANT_FORMATS_FORMAT_H
