//===- Png.h - Minimal PNG encoder (8-bit RGB, stored deflate) --*- C++ -*-===//
//
// Encodes an 8-bit RGB image as a PNG file in memory: the signature, an IHDR
// chunk, one IDAT chunk holding a zlib stream of stored (uncompressed) deflate
// blocks, and IEND. Every scanline uses filter type 0 (none). Simple rather
// than small: the file is about 3 bytes per pixel.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TOOLS_QUANT_GGUF_PNG_H
#define QUANT_TOOLS_QUANT_GGUF_PNG_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quant::tool::png {

/// The 8 bytes every PNG file starts with.
inline constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G',
                                          0x0D, 0x0A, 0x1A, 0x0A};

/// CRC-32 (ISO 3309 / ITU-T V.42, reflected polynomial 0xEDB88320, initial
/// value and final xor 0xFFFFFFFF), as used by PNG chunks. `crc` continues a
/// previous result (0 to start).
uint32_t crc32(const uint8_t *data, size_t size, uint32_t crc = 0);

/// Adler-32 (RFC 1950), as used by zlib streams. `adler` continues a
/// previous result (1 to start).
uint32_t adler32(const uint8_t *data, size_t size, uint32_t adler = 1);

/// A zlib stream (RFC 1950) of `data` in stored deflate blocks (RFC 1951,
/// BTYPE 00) of at most 65535 bytes each, ending with the Adler-32 of `data`.
std::vector<uint8_t> zlibStored(const uint8_t *data, size_t size);

/// A PNG file of a `width` x `height` 8-bit RGB image; `rgb` holds the rows
/// top to bottom, 3 bytes per pixel (width * height * 3 bytes). Width and
/// height must be at least 1 and at most 2^31 - 1.
std::vector<uint8_t> encodeRgb(uint32_t width, uint32_t height,
                               const std::vector<uint8_t> &rgb);

} // namespace quant::tool::png

#endif // QUANT_TOOLS_QUANT_GGUF_PNG_H
