//===- PanelLayout.cpp - weights pre-packed for the int8 kernels ----------===//

#include "quant/formats/PanelLayout.h"
#include "quant/formats/Codec.h"

#include <cstring>

using namespace quant::fmt;

bool quant::fmt::hasPanelLayout(const FormatSpec &spec) {
  if (spec.layout == Layout::Q4_K || spec.layout == Layout::Q5_K ||
      spec.layout == Layout::Q6_K)
    return true;
  bool integerCodes =
      spec.codeKind == CodeKind::UInt || spec.codeKind == CodeKind::SInt;
  return spec.layout == Layout::Generic && spec.blockSize == 32 &&
         integerCodes && ((spec.bits >= 4 && spec.bits <= 6) || spec.bits == 8) &&
         spec.scaleType == ScaleType::F16 &&
         (spec.offset == OffsetKind::None || spec.offset == OffsetKind::Min);
}

bool quant::fmt::canPackPanels(const FormatSpec &spec, size_t rows,
                               size_t cols) {
  return hasPanelLayout(spec) && rows > 0 && rows % kPanelRows == 0 &&
         cols > 0 && cols % spec.blockSize == 0;
}

size_t quant::fmt::panelHeaderBytes(const FormatSpec &spec) {
  return spec.layout == Layout::Generic ? 0 : spec.scaleBytes();
}

size_t quant::fmt::panelHeaderOffset(const FormatSpec &spec) {
  // q6_k stores its scales and d after the codes.
  return spec.layout == Layout::Q6_K ? spec.codeBytes() : 0;
}

/// Stores code `code` of column i (< 32) of panel row r in the 4-bit quads
/// at `codes` (4 x 64 bytes).
static void storeNibble(uint8_t *codes, size_t r, size_t i, unsigned code) {
  // Column i = 8g + 4h + j: vector g, nibble h, byte 4r + j.
  size_t g = i / 8, h = (i / 4) % 2, j = i % 4;
  uint8_t &byte = codes[g * 64 + 4 * r + j];
  byte = uint8_t(h ? (byte & 0x0F) | code << 4 : (byte & 0xF0) | code);
}

/// Stores code `code` of column i (< 32) of panel row r in the 32-column
/// block's codes at `codes` (64 * bits bytes; see PanelLayout.h).
static void storeCode(uint8_t *codes, size_t r, size_t i, unsigned code,
                      unsigned bits) {
  if (bits == 8) {
    codes[(i / 4) * 64 + 4 * r + i % 4] = uint8_t(code);
    return;
  }
  storeNibble(codes, r, i, code & 0x0F);
  if (bits == 4)
    return;
  // The high bits of quad q = i / 4 (byte 4r + i % 4 of the quad): in plane
  // vector q / perPlane at bit (q % perPlane) * high.
  unsigned high = bits - 4, perPlane = 8 / high;
  size_t q = i / 4, v = q / perPlane;
  unsigned shift = unsigned(q % perPlane) * high;
  uint8_t &byte = codes[256 + v * 64 + 4 * r + i % 4];
  byte = uint8_t((byte & ~(((1u << high) - 1) << shift)) |
                 (code >> 4) << shift);
}

/// Packs one panel-block of a super-block layout (see PanelLayout.h) from
/// the 16 rows' blocks at source[r].
static void packSuperBlock(const FormatSpec &spec, const uint8_t *const *source,
                           uint8_t *out) {
  size_t header = panelHeaderBytes(spec), at = panelHeaderOffset(spec);
  uint8_t *codes = out + kPanelRows * header;
  for (size_t r = 0; r < kPanelRows; ++r) {
    for (size_t b = 0; b < header; ++b)
      out[kPanelRows * b + r] = source[r][at + b];
    for (size_t i = 0; i < spec.blockSize; ++i)
      storeCode(codes + (i / 32) * 64 * spec.bits, r, i % 32,
                blockElementCode(spec, source[r], i), spec.bits);
  }
}

void quant::fmt::packPanels(const FormatSpec &spec, const uint8_t *in,
                            size_t rows, size_t cols, uint8_t *out) {
  size_t blockBytes = spec.blockBytes(), blocks = cols / spec.blockSize;
  size_t rowBytes = blocks * blockBytes;
  size_t scaleBytes = spec.scaleBytes(), minBytes = spec.offsetBytes();
  // Signed codes become unsigned by flipping their top bit (c + 2^(bits-1)).
  unsigned flip = spec.codeKind == CodeKind::SInt ? 1u << (spec.bits - 1) : 0;
  for (size_t panel = 0; panel < rows / kPanelRows; ++panel) {
    const uint8_t *panelIn = in + panel * kPanelRows * rowBytes;
    uint8_t *panelOut = out + panel * kPanelRows * rowBytes;
    for (size_t b = 0; b < blocks; ++b) {
      uint8_t *block = panelOut + b * kPanelRows * blockBytes;
      if (spec.layout != Layout::Generic) {
        const uint8_t *source[kPanelRows];
        for (size_t r = 0; r < kPanelRows; ++r)
          source[r] = panelIn + r * rowBytes + b * blockBytes;
        packSuperBlock(spec, source, block);
        continue;
      }
      uint8_t *scales = block, *mins = block + kPanelRows * scaleBytes;
      uint8_t *codes = mins + kPanelRows * minBytes;
      for (size_t r = 0; r < kPanelRows; ++r) {
        const uint8_t *source = panelIn + r * rowBytes + b * blockBytes;
        std::memcpy(scales + r * scaleBytes, source, scaleBytes);
        std::memcpy(mins + r * minBytes, source + scaleBytes, minBytes);
        for (size_t i = 0; i < spec.blockSize; ++i) {
          unsigned code = blockElementCode(spec, source, i) ^ flip;
          storeCode(codes, r, i, code, spec.bits);
        }
      }
    }
  }
}
