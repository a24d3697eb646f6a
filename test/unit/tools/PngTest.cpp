//===- PngTest.cpp - The PNG encoder of quant-gguf compare ----------------===//
//
// Checksums against published check values and a naive reference; the zlib
// stream's stored blocks; and a PNG file parsed back chunk by chunk (CRCs,
// IHDR fields, IDAT inflated from its stored blocks, scanlines compared with
// the pixels).
//
//===----------------------------------------------------------------------===//

#include "Png.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

using namespace quant::tool;

namespace {

std::vector<uint8_t> bytes(const std::string &s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

uint32_t crcOf(const std::string &s) {
  std::vector<uint8_t> b = bytes(s);
  return png::crc32(b.data(), b.size());
}

uint32_t adlerOf(const std::string &s) {
  std::vector<uint8_t> b = bytes(s);
  return png::adler32(b.data(), b.size());
}

uint32_t readU32BE(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 |
         uint32_t(p[3]);
}

/// Inflates a zlib stream made only of stored blocks, checking its header,
/// block headers and Adler-32 on the way. Sets `blocks` to the block count.
std::vector<uint8_t> inflateStored(const std::vector<uint8_t> &z,
                                   size_t &blocks) {
  std::vector<uint8_t> out;
  blocks = 0;
  EXPECT_GE(z.size(), 2u + 5u + 4u);
  if (z.size() < 11)
    return out;
  EXPECT_EQ(z[0] & 0x0F, 8) << "compression method is not deflate";
  EXPECT_LE(z[0] >> 4, 7) << "window larger than 32 KiB";
  EXPECT_EQ((z[0] * 256 + z[1]) % 31, 0) << "bad FCHECK";
  EXPECT_EQ(z[1] & 0x20, 0) << "preset dictionary";
  size_t pos = 2;
  bool final = false;
  while (!final) {
    EXPECT_LE(pos + 5, z.size());
    if (pos + 5 > z.size())
      return out;
    uint8_t header = z[pos];
    final = header & 1;
    EXPECT_EQ((header >> 1) & 3, 0) << "not a stored block";
    size_t len = z[pos + 1] | z[pos + 2] << 8;
    size_t nlen = z[pos + 3] | z[pos + 4] << 8;
    EXPECT_EQ(len ^ 0xFFFF, nlen);
    pos += 5;
    EXPECT_LE(pos + len, z.size());
    if (pos + len > z.size())
      return out;
    out.insert(out.end(), z.begin() + pos, z.begin() + pos + len);
    pos += len;
    ++blocks;
  }
  EXPECT_EQ(pos + 4, z.size()) << "bytes after the Adler-32";
  if (pos + 4 <= z.size()) {
    EXPECT_EQ(readU32BE(&z[pos]), png::adler32(out.data(), out.size()));
  }
  return out;
}

} // namespace

TEST(PngTest, Crc32CheckValues) {
  EXPECT_EQ(crcOf(""), 0u);
  EXPECT_EQ(crcOf("123456789"), 0xCBF43926u); // the CRC-32 check value
  EXPECT_EQ(crcOf("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
  EXPECT_EQ(crcOf("IEND"), 0xAE426082u); // every PNG's last four bytes
  // Continuing a CRC over a split input gives the CRC of the whole.
  std::vector<uint8_t> b = bytes("123456789");
  EXPECT_EQ(png::crc32(b.data() + 4, 5, png::crc32(b.data(), 4)), 0xCBF43926u);
}

TEST(PngTest, Adler32CheckValues) {
  EXPECT_EQ(adlerOf(""), 1u);
  EXPECT_EQ(adlerOf("Wikipedia"), 0x11E60398u);
  EXPECT_EQ(adlerOf("abc"), 0x024D0127u);
  EXPECT_EQ(adlerOf("123456789"), 0x091E01DEu);
  // A long run of 0xFF stresses the deferred modulo: compare with a
  // per-byte reference.
  std::vector<uint8_t> ff(100000, 0xFF);
  uint32_t a = 1, b = 0;
  for (uint8_t v : ff) {
    a = (a + v) % 65521;
    b = (b + a) % 65521;
  }
  EXPECT_EQ(png::adler32(ff.data(), ff.size()), (b << 16) | a);
  EXPECT_EQ(png::adler32(ff.data() + 7000, ff.size() - 7000,
                         png::adler32(ff.data(), 7000)),
            (b << 16) | a);
}

TEST(PngTest, ZlibStoredBlocks) {
  for (size_t size :
       {size_t(0), size_t(1), size_t(65535), size_t(65536), size_t(200000)}) {
    std::vector<uint8_t> data(size);
    for (size_t i = 0; i < size; ++i)
      data[i] = static_cast<uint8_t>(i * 7 + (i >> 8));
    std::vector<uint8_t> z = png::zlibStored(data.data(), data.size());
    size_t blocks = 0;
    EXPECT_EQ(inflateStored(z, blocks), data) << "size " << size;
    EXPECT_EQ(blocks, size == 0 ? 1 : (size + 65534) / 65535) << size;
  }
}

TEST(PngTest, EncodedFileParsesBack) {
  const uint32_t width = 300, height = 100; // IDAT spans several blocks
  std::vector<uint8_t> rgb(width * height * 3);
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x) {
      uint8_t *p = &rgb[(y * width + x) * 3];
      p[0] = static_cast<uint8_t>(x);
      p[1] = static_cast<uint8_t>(y * 2);
      p[2] = static_cast<uint8_t>(x ^ y);
    }
  std::vector<uint8_t> file = png::encodeRgb(width, height, rgb);

  ASSERT_GE(file.size(), 8u);
  EXPECT_TRUE(
      std::equal(file.begin(), file.begin() + 8, std::begin(png::kSignature)));
  EXPECT_EQ(file[0], 0x89);
  EXPECT_EQ(std::string(file.begin() + 1, file.begin() + 4), "PNG");

  std::vector<std::string> types;
  std::vector<uint8_t> ihdr, idat;
  size_t pos = 8;
  while (pos < file.size()) {
    ASSERT_LE(pos + 12, file.size());
    uint32_t length = readU32BE(&file[pos]);
    ASSERT_LE(pos + 12 + length, file.size());
    std::string type(file.begin() + pos + 4, file.begin() + pos + 8);
    const uint8_t *data = &file[pos + 8];
    EXPECT_EQ(readU32BE(data + length), png::crc32(&file[pos + 4], 4 + length))
        << "CRC of " << type;
    if (type == "IHDR") {
      ihdr.assign(data, data + length);
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data, data + length);
    } else if (type == "IEND") {
      EXPECT_EQ(length, 0u);
    }
    types.push_back(type);
    pos += 12 + length;
  }
  EXPECT_EQ(pos, file.size());
  EXPECT_EQ(types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));

  ASSERT_EQ(ihdr.size(), 13u);
  EXPECT_EQ(readU32BE(&ihdr[0]), width);
  EXPECT_EQ(readU32BE(&ihdr[4]), height);
  EXPECT_EQ(ihdr[8], 8);  // bit depth
  EXPECT_EQ(ihdr[9], 2);  // RGB
  EXPECT_EQ(ihdr[10], 0); // deflate
  EXPECT_EQ(ihdr[11], 0); // filter method
  EXPECT_EQ(ihdr[12], 0); // no interlace

  size_t blocks = 0;
  std::vector<uint8_t> raw = inflateStored(idat, blocks);
  EXPECT_GT(blocks, 1u);
  ASSERT_EQ(raw.size(), (width * 3 + 1) * height);
  std::vector<uint8_t> pixels;
  for (uint32_t y = 0; y < height; ++y) {
    const uint8_t *line = &raw[y * (width * 3 + 1)];
    EXPECT_EQ(line[0], 0) << "filter type of row " << y;
    pixels.insert(pixels.end(), line + 1, line + 1 + width * 3);
  }
  EXPECT_EQ(pixels, rgb);
}

TEST(PngTest, OnePixel) {
  std::vector<uint8_t> file = png::encodeRgb(1, 1, {1, 2, 3});
  // signature + IHDR (12 + 13) + IDAT (12 + 2 + 5 + 4 bytes of scanline + 4)
  // + IEND (12)
  EXPECT_EQ(file.size(), 8u + 25u + 12u + 2u + 5u + 4u + 4u + 12u);
  EXPECT_EQ(readU32BE(&file[file.size() - 4]), 0xAE426082u);
}
