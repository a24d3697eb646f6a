//===- BlockLayout.h - where each field of a block lives ----------*- C++ -*-===//
//
// A block's fields (element codes, sub-block scales and minima) as per-lane
// bit fields of its storage bytes. The dequantization emitter turns these
// tables into constant shuffles, shifts and masks, so a layout is described by
// data rather than by format-specific code.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_DIALECTS_QT_BLOCKLAYOUT_H
#define QUANT_DIALECTS_QT_BLOCKLAYOUT_H

#include "quant/formats/Format.h"

#include "llvm/ADT/SmallVector.h"

#include <cstdint>

namespace quant::qt {

/// `width` bits of storage byte `byte`, starting at bit `shift`, placed at bit
/// `dstShift` of the field's value.
struct BitPiece {
  int64_t byte;
  unsigned shift;
  unsigned width;
  unsigned dstShift;
};

/// A field per lane: lane i's unsigned value is the OR of its pieces.
using BitFieldTable = llvm::SmallVector<llvm::SmallVector<BitPiece, 2>>;

/// Codes of a generic layout's elements (after the scale and offset fields).
BitFieldTable genericCodeTable(const fmt::FormatSpec &spec);

/// A GGUF super-block layout:
/// `x = (d * (sc[j] - scaleBias)) * (code - codeBias) - dmin * mn[j]`
/// for element i of sub-block j = i / subBlockSize.
struct SuperBlockLayout {
  BitFieldTable codes;
  int codeBias = 0;
  BitFieldTable subScales;
  /// Sub-block scales are two's complement of `subScaleBits` bits.
  bool subScalesSigned = false;
  unsigned subScaleBits = 8;
  int scaleBias = 0;
  /// Empty when the layout has no minima.
  BitFieldTable subMins;
  unsigned subBlockSize = 16;
  /// Byte offsets of the f16 super-block scale and minimum (-1: none).
  int64_t dOffset = -1;
  int64_t dminOffset = -1;
};

/// The layout of a K-quant spec (spec.layout != Generic).
SuperBlockLayout superBlockLayout(const fmt::FormatSpec &spec);

} // namespace quant::qt

#endif // QUANT_DIALECTS_QT_BLOCKLAYOUT_H
