//===- Png.cpp - A minimal PNG encoder (8-bit RGB, stored deflate) --------===//

#include "Png.h"

#include <array>
#include <cassert>
#include <string_view>

namespace quant::tool::png {

namespace {

/// The byte-wise CRC-32 table of the reflected polynomial 0xEDB88320.
const std::array<uint32_t, 256> &crcTable() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  return table;
}

void putU32BE(std::vector<uint8_t> &out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

/// Appends a chunk: length, type, data, CRC-32 of type and data.
void putChunk(std::vector<uint8_t> &out, std::string_view type,
              const std::vector<uint8_t> &data) {
  assert(type.size() == 4);
  putU32BE(out, static_cast<uint32_t>(data.size()));
  size_t typeAt = out.size();
  out.insert(out.end(), type.begin(), type.end());
  out.insert(out.end(), data.begin(), data.end());
  putU32BE(out, crc32(out.data() + typeAt, 4 + data.size()));
}

} // namespace

uint32_t crc32(const uint8_t *data, size_t size, uint32_t crc) {
  const std::array<uint32_t, 256> &table = crcTable();
  uint32_t c = crc ^ 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i)
    c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t adler32(const uint8_t *data, size_t size, uint32_t adler) {
  constexpr uint32_t kMod = 65521;
  uint32_t a = adler & 0xFFFF, b = adler >> 16;
  while (size > 0) {
    // 5552 is the most bytes for which b cannot overflow 32 bits before the
    // reduction.
    size_t n = size < 5552 ? size : 5552;
    size -= n;
    for (size_t i = 0; i < n; ++i) {
      a += *data++;
      b += a;
    }
    a %= kMod;
    b %= kMod;
  }
  return (b << 16) | a;
}

std::vector<uint8_t> zlibStored(const uint8_t *data, size_t size) {
  constexpr size_t kMaxBlock = 65535;
  std::vector<uint8_t> out;
  out.reserve(size + 6 + 5 * (size / kMaxBlock + 1));
  // CMF: deflate (8) with a 32 KiB window (7); FLG: no dictionary, level 0,
  // and FCHECK making CMF * 256 + FLG a multiple of 31 (0x7801 = 31 * 991).
  out.push_back(0x78);
  out.push_back(0x01);
  size_t pos = 0;
  do {
    size_t n = size - pos < kMaxBlock ? size - pos : kMaxBlock;
    bool last = pos + n == size;
    // BFINAL in bit 0, BTYPE 00 in bits 1-2; the rest of the byte pads to
    // the byte boundary a stored block's LEN starts on.
    out.push_back(last ? 1 : 0);
    uint16_t len = static_cast<uint16_t>(n), nlen = static_cast<uint16_t>(~len);
    out.push_back(static_cast<uint8_t>(len));
    out.push_back(static_cast<uint8_t>(len >> 8));
    out.push_back(static_cast<uint8_t>(nlen));
    out.push_back(static_cast<uint8_t>(nlen >> 8));
    out.insert(out.end(), data + pos, data + pos + n);
    pos += n;
  } while (pos < size);
  putU32BE(out, adler32(data, size));
  return out;
}

std::vector<uint8_t> encodeRgb(uint32_t width, uint32_t height,
                               const std::vector<uint8_t> &rgb) {
  assert(width >= 1 && height >= 1 && width < 0x80000000u &&
         height < 0x80000000u);
  size_t stride = static_cast<size_t>(width) * 3;
  assert(rgb.size() == stride * height);

  std::vector<uint8_t> header;
  putU32BE(header, width);
  putU32BE(header, height);
  header.push_back(8); // bit depth
  header.push_back(2); // colour type: RGB
  header.push_back(0); // compression: deflate
  header.push_back(0); // filter method 0
  header.push_back(0); // no interlace

  // Scanlines, each a filter-type byte (0, none) and the row's pixels.
  std::vector<uint8_t> raw;
  raw.reserve((stride + 1) * height);
  for (uint32_t y = 0; y < height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), rgb.begin() + y * stride,
               rgb.begin() + (y + 1) * stride);
  }

  std::vector<uint8_t> out(std::begin(kSignature), std::end(kSignature));
  putChunk(out, "IHDR", header);
  putChunk(out, "IDAT", zlibStored(raw.data(), raw.size()));
  putChunk(out, "IEND", {});
  return out;
}

} // namespace quant::tool::png
