//===- Codec.cpp - Row-level codec entry points ------------------*- C++
//-*-===//
//
// Splits a row into blocks and dispatches each to the Generic or the K-quant
// block codec.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"

#include "FormatsInternal.h"

#include <algorithm>
#include <cassert>

namespace quant::fmt {

std::string checkRowLength(const FormatSpec &spec, size_t n) {
  std::string err = spec.validate();
  const std::string what = spec.name.empty() ? std::string("inline format")
                                             : "format '" + spec.name + "'";
  if (!err.empty())
    return "invalid " + what + ": " + err;
  if (n == 0)
    return "row length 0 is not allowed for " + what;
  if (spec.blockSize == 0) {
    if (n > detail::kMaxBlockSize)
      return "row length " + std::to_string(n) + " exceeds the per-row limit " +
             std::to_string(detail::kMaxBlockSize) + " of " + what;
    if (spec.packing == Packing::Ggml && spec.bits != 8 &&
        n % (spec.bits == 5 ? 8 : 2) != 0)
      return "row length " + std::to_string(n) + " of " + what +
             " must be a multiple of " + (spec.bits == 5 ? "8" : "2") +
             " for ggml packing";
    return "";
  }
  if (n % spec.blockSize != 0)
    return "row length " + std::to_string(n) +
           " is not a multiple of the block size " +
           std::to_string(spec.blockSize) + " of " + what;
  return "";
}

void quantizeRow(const FormatSpec &spec, const float *x, size_t n,
                 uint8_t *out) {
  assert(checkRowLength(spec, n).empty() && "see checkRowLength");
  const FormatSpec r = spec.resolvedFor(n);
  const size_t bs = r.blockSize, bytes = r.blockBytes();
  for (size_t b = 0; b < n / bs; ++b) {
    if (r.layout == Layout::Generic)
      detail::quantizeGenericBlock(r, x + b * bs, bs, out + b * bytes);
    else
      detail::quantizeKBlock(r.layout, x + b * bs, out + b * bytes);
  }
}

void dequantizeRow(const FormatSpec &spec, const uint8_t *in, size_t n,
                   float *out) {
  assert(checkRowLength(spec, n).empty() && "see checkRowLength");
  const FormatSpec r = spec.resolvedFor(n);
  const size_t bs = r.blockSize, bytes = r.blockBytes();
  for (size_t b = 0; b < n / bs; ++b) {
    if (r.layout == Layout::Generic)
      detail::dequantizeGenericBlock(r, in + b * bytes, bs, out + b * bs);
    else
      detail::dequantizeKBlock(r.layout, in + b * bytes, out + b * bs);
  }
}

double blockErrorBound(const FormatSpec &spec, const float *x, size_t n) {
  assert(checkRowLength(spec, n).empty() && "see checkRowLength");
  const FormatSpec r = spec.resolvedFor(n);
  assert(n == r.blockSize && "blockErrorBound takes exactly one block");
  if (r.layout == Layout::Generic)
    return detail::genericBlockErrorBound(r, x, n);
  return detail::kBlockErrorBound(r.layout, x);
}

double rowErrorBound(const FormatSpec &spec, const float *x, size_t n) {
  assert(checkRowLength(spec, n).empty() && "see checkRowLength");
  const size_t bs = spec.resolvedFor(n).blockSize;
  double bound = 0;
  for (size_t b = 0; b < n / bs; ++b)
    bound = std::max(bound, blockErrorBound(spec, x + b * bs, bs));
  return bound;
}

} // namespace quant::fmt
