//===- Format.cpp - FormatSpec validation, sizes and names -------*- C++
//-*-===//
//
// Structural queries on FormatSpec: validation, byte counts and the textual
// names of the enumerations.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Format.h"

#include "FormatsInternal.h"

#include <cmath>

namespace quant::fmt {

namespace {

/// Bytes of one stored scale (or Min offset) of type `t`.
size_t scaleTypeBytes(ScaleType t) {
  switch (t) {
  case ScaleType::None:
    return 0;
  case ScaleType::F32:
    return 4;
  case ScaleType::F16:
  case ScaleType::BF16:
    return 2;
  case ScaleType::E8M0:
    return 1;
  }
  return 0;
}

std::string validateKQuant(const FormatSpec &s) {
  unsigned want = detail::kQuantBits(s.layout);
  if (s.bits != want)
    return "layout '" + std::string(toString(s.layout)) + "' has " +
           std::to_string(want) + "-bit codes, not " + std::to_string(s.bits);
  if (s.blockSize != detail::kQuantBlockSize)
    return "layout '" + std::string(toString(s.layout)) +
           "' has blocks of 256 elements, not " + std::to_string(s.blockSize);
  return "";
}

} // namespace

std::string FormatSpec::validate() const {
  if (layout != Layout::Generic)
    return validateKQuant(*this);
  if (bits < 1 || bits > 8)
    return "code width must be 1 to 8 bits, got " + std::to_string(bits);
  const unsigned numCodes = 1u << bits;
  switch (codeKind) {
  case CodeKind::UInt:
    if (bias < 0 || bias > int(numCodes - 1))
      return "bias " + std::to_string(bias) + " is outside [0, " +
             std::to_string(numCodes - 1) + "] for " + std::to_string(bits) +
             "-bit unsigned codes";
    if (offset != OffsetKind::None && bias != 0)
      return "a zero point or min offset requires bias 0";
    break;
  case CodeKind::SInt:
    if (offset != OffsetKind::None)
      return "a zero point or min offset requires unsigned codes";
    break;
  case CodeKind::Codebook:
    if (offset != OffsetKind::None)
      return "a zero point or min offset requires unsigned codes";
    if (codebook.size() != numCodes)
      return "codebook has " + std::to_string(codebook.size()) +
             " entries, a " + std::to_string(bits) + "-bit code needs " +
             std::to_string(numCodes);
    for (float v : codebook)
      if (!std::isfinite(v))
        return "codebook entries must be finite";
    break;
  case CodeKind::MiniFloat:
    if (offset != OffsetKind::None)
      return "a zero point or min offset requires unsigned codes";
    if (bits != detail::miniFloatInfo(miniFloat).width)
      return "minifloat " + std::string(toString(miniFloat)) + " has " +
             std::to_string(detail::miniFloatInfo(miniFloat).width) +
             "-bit codes, not " + std::to_string(bits);
    break;
  }
  if (codeKind != CodeKind::Codebook && !codebook.empty())
    return "a codebook is only allowed with codebook codes";
  if (offset != OffsetKind::None && scaleType != ScaleType::F32 &&
      scaleType != ScaleType::F16 && scaleType != ScaleType::BF16)
    return "a zero point or min offset requires an f32, f16 or bf16 scale";
  if (packing == Packing::Ggml) {
    if (bits != 4 && bits != 5 && bits != 8)
      return "ggml packing supports 4, 5 and 8-bit codes, not " +
             std::to_string(bits);
    if (blockSize != 0 && bits != 8 && blockSize % (bits == 5 ? 8 : 2) != 0)
      return "ggml packing of " + std::to_string(bits) +
             "-bit codes needs a block size that is a multiple of " +
             (bits == 5 ? std::string("8") : std::string("2")) + ", got " +
             std::to_string(blockSize);
  } else if (blockSize != 0 && (size_t(blockSize) * bits) % 8 != 0) {
    return "a block of " + std::to_string(blockSize) + " " +
           std::to_string(bits) +
           "-bit codes does not fill whole bytes (block size * bits must be "
           "a multiple of 8)";
  }
  if (blockSize > detail::kMaxBlockSize)
    return "block size " + std::to_string(blockSize) + " exceeds " +
           std::to_string(detail::kMaxBlockSize);
  return "";
}

size_t FormatSpec::scaleBytes() const {
  if (layout != Layout::Generic)
    return detail::kQuantScaleBytes(layout);
  return scaleTypeBytes(scaleType);
}

size_t FormatSpec::offsetBytes() const {
  if (layout != Layout::Generic)
    return 0;
  switch (offset) {
  case OffsetKind::None:
    return 0;
  case OffsetKind::ZeroPoint:
    return 1;
  case OffsetKind::Min:
    return scaleTypeBytes(scaleType);
  }
  return 0;
}

size_t FormatSpec::codeBytes() const {
  if (layout != Layout::Generic)
    return detail::kQuantBlockBytes(layout) - detail::kQuantScaleBytes(layout);
  // Ggml 4/5-bit and Linear both use exactly blockSize * bits bits.
  return (size_t(blockSize) * bits + 7) / 8;
}

size_t FormatSpec::blockBytes() const {
  return scaleBytes() + offsetBytes() + codeBytes();
}

size_t FormatSpec::rowBytes(size_t n) const {
  if (blockSize == 0)
    return resolvedFor(n).blockBytes();
  return (n / blockSize) * blockBytes();
}

double FormatSpec::bitsPerWeight(size_t n) const {
  if (blockSize == 0)
    return n == 0 ? 0.0 : double(rowBytes(n)) * 8.0 / double(n);
  return double(blockBytes()) * 8.0 / double(blockSize);
}

FormatSpec FormatSpec::resolvedFor(size_t rowLength) const {
  if (blockSize != 0)
    return *this;
  FormatSpec r = *this;
  r.blockSize = unsigned(rowLength);
  return r;
}

bool FormatSpec::sameLayoutAs(const FormatSpec &o) const {
  if (layout != o.layout)
    return false;
  if (layout != Layout::Generic)
    return true;
  if (bits != o.bits || blockSize != o.blockSize || scaleType != o.scaleType ||
      codeKind != o.codeKind || offset != o.offset || packing != o.packing)
    return false;
  if (codeKind == CodeKind::UInt && bias != o.bias)
    return false;
  if (codeKind == CodeKind::MiniFloat && miniFloat != o.miniFloat)
    return false;
  if (codeKind == CodeKind::Codebook && codebook != o.codebook)
    return false;
  return true;
}

std::string_view toString(ScaleType t) {
  switch (t) {
  case ScaleType::None:
    return "none";
  case ScaleType::F32:
    return "f32";
  case ScaleType::F16:
    return "f16";
  case ScaleType::BF16:
    return "bf16";
  case ScaleType::E8M0:
    return "e8m0";
  }
  return "?";
}

std::optional<ScaleType> parseScaleType(std::string_view s) {
  for (ScaleType t : {ScaleType::None, ScaleType::F32, ScaleType::F16,
                      ScaleType::BF16, ScaleType::E8M0})
    if (toString(t) == s)
      return t;
  return std::nullopt;
}

std::string_view toString(MiniFloat t) {
  switch (t) {
  case MiniFloat::E2M1:
    return "e2m1";
  case MiniFloat::E2M3:
    return "e2m3";
  case MiniFloat::E3M2:
    return "e3m2";
  case MiniFloat::E4M3FN:
    return "e4m3fn";
  case MiniFloat::E5M2:
    return "e5m2";
  }
  return "?";
}

std::optional<MiniFloat> parseMiniFloat(std::string_view s) {
  for (MiniFloat t : {MiniFloat::E2M1, MiniFloat::E2M3, MiniFloat::E3M2,
                      MiniFloat::E4M3FN, MiniFloat::E5M2})
    if (toString(t) == s)
      return t;
  return std::nullopt;
}

std::string_view toString(Layout l) {
  switch (l) {
  case Layout::Generic:
    return "generic";
  case Layout::Q2_K:
    return "q2_k";
  case Layout::Q3_K:
    return "q3_k";
  case Layout::Q4_K:
    return "q4_k";
  case Layout::Q5_K:
    return "q5_k";
  case Layout::Q6_K:
    return "q6_k";
  }
  return "?";
}

} // namespace quant::fmt
