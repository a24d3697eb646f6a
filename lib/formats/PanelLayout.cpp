//===- PanelLayout.cpp - weights pre-packed for the int8 kernels ----------===//

#include "quant/formats/PanelLayout.h"
#include "quant/formats/Codec.h"

#include <cassert>
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

/// Stores the codes of panel row r for one 32-column block, `code[i]` ^
/// `flip` for column i, in the block's codes at `codes` (64 * bits bytes;
/// see PanelLayout.h).
static void storeBlockCodes(uint8_t *codes, size_t r, const unsigned *code,
                            unsigned flip, unsigned bits) {
  if (bits == 8) {
    // Column i: quad vector i / 4, byte 4r + i % 4.
    for (size_t i = 0; i < 32; ++i)
      codes[(i / 4) * 64 + 4 * r + i % 4] = uint8_t(code[i] ^ flip);
    return;
  }
  // Column i = 8g + 4h + j: vector g, nibble h, byte 4r + j; every nibble
  // of the row's bytes is written, so the bytes are stored whole.
  for (size_t g = 0; g < 4; ++g)
    for (size_t j = 0; j < 4; ++j)
      codes[g * 64 + 4 * r + j] =
          uint8_t(((code[8 * g + j] ^ flip) & 0x0F) |
                  ((code[8 * g + 4 + j] ^ flip) & 0x0F) << 4);
  if (bits == 4)
    return;
  // The high bits of quad q = i / 4 (byte 4r + i % 4 of the quad): in plane
  // vector q / perPlane at bit (q % perPlane) * high. The planes' bytes are
  // filled field by field (every bit of them belongs to some quad).
  unsigned high = bits - 4, perPlane = 8 / high;
  for (size_t i = 0; i < 32; ++i) {
    size_t q = i / 4, v = q / perPlane;
    unsigned shift = unsigned(q % perPlane) * high;
    uint8_t &byte = codes[256 + v * 64 + 4 * r + i % 4];
    byte = uint8_t((byte & ~(((1u << high) - 1) << shift)) |
                   ((code[i] ^ flip) >> 4) << shift);
  }
}

/// Packs one panel-block of a super-block layout (see PanelLayout.h) from
/// the 16 rows' blocks at source[r].
static void packSuperBlock(const FormatSpec &spec, const uint8_t *const *source,
                           uint8_t *out) {
  size_t header = panelHeaderBytes(spec), at = panelHeaderOffset(spec);
  uint8_t *codes = out + kPanelRows * header;
  unsigned rowCodes[256]; // super-blocks hold 256 elements
  assert(spec.blockSize <= 256);
  for (size_t r = 0; r < kPanelRows; ++r) {
    for (size_t b = 0; b < header; ++b)
      out[kPanelRows * b + r] = source[r][at + b];
    blockElementCodes(spec, source[r], rowCodes);
    for (size_t i = 0; i < spec.blockSize; i += 32)
      storeBlockCodes(codes + (i / 32) * 64 * spec.bits, r, &rowCodes[i], 0,
                      spec.bits);
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
      unsigned rowCodes[32]; // hasPanelLayout: generic blocks of 32
      for (size_t r = 0; r < kPanelRows; ++r) {
        const uint8_t *source = panelIn + r * rowBytes + b * blockBytes;
        std::memcpy(scales + r * scaleBytes, source, scaleBytes);
        std::memcpy(mins + r * minBytes, source + scaleBytes, minBytes);
        blockElementCodes(spec, source, rowCodes);
        storeBlockCodes(codes, r, rowCodes, flip, spec.bits);
      }
    }
  }
}
