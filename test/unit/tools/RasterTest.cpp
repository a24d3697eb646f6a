//===- RasterTest.cpp - The raster and bitmap font of the compare chart ---===//

#include "Raster.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

using namespace quant::tool::raster;

namespace {
const Rgb kWhite{255, 255, 255}, kRed{255, 0, 0};

} // namespace

TEST(RasterTest, FillRectIsHalfOpenAndClipped) {
  Image image(10, 8, kWhite);
  image.fillRect(2, 3, 5, 4, kRed);
  EXPECT_EQ(image.count(kRed), 3);
  EXPECT_EQ(image.at(2, 3), kRed);
  EXPECT_EQ(image.at(5, 3), kWhite);
  image.fillRect(-5, -5, 100, 100, kRed);
  EXPECT_EQ(image.count(kRed), 80);
  image.fillRect(4, 4, 4, 9, kWhite); // empty
  EXPECT_EQ(image.count(kRed), 80);
  image.set(-1, 0, kWhite); // ignored
  image.set(10, 0, kWhite);
  EXPECT_EQ(image.count(kRed), 80);
  EXPECT_EQ(image.pixels().size(), 10u * 8u * 3u);
}

TEST(RasterTest, Lines) {
  Image image(10, 10, kWhite);
  image.line(1, 1, 8, 1, kRed); // horizontal, both ends
  EXPECT_EQ(image.count(kRed), 8);
  Image diagonal(10, 10, kWhite);
  diagonal.line(9, 9, 0, 0, kRed);
  EXPECT_EQ(diagonal.count(kRed), 10);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(diagonal.at(i, i), kRed);
  Image steep(10, 10, kWhite);
  steep.line(2, 0, 4, 9, kRed); // one pixel per row
  EXPECT_EQ(steep.count(kRed), 10);
  EXPECT_EQ(steep.at(2, 0), kRed);
  EXPECT_EQ(steep.at(4, 9), kRed);
}

TEST(RasterTest, FontCoversChartText) {
  const std::string needed = "0123456789abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ .,:-+_()/%=<>?!|'*";
  for (char c : needed) {
    const char *const *rows = glyphRows(c);
    ASSERT_NE(rows, nullptr) << "no glyph for '" << c << "'";
    for (int r = 0; r < kGlyphHeight; ++r) {
      ASSERT_EQ(std::strlen(rows[r]), size_t(kGlyphWidth)) << c;
      for (int col = 0; col < kGlyphWidth; ++col)
        EXPECT_TRUE(rows[r][col] == '#' || rows[r][col] == '.') << c;
    }
  }
  EXPECT_EQ(glyphRows('a'), glyphRows('A'));
  EXPECT_EQ(glyphRows('~'), nullptr);
  // Distinct characters look different.
  for (char c : needed)
    for (char d : needed) {
      if (c == d || glyphRows(c) == glyphRows(d))
        continue;
      bool same = true;
      for (int r = 0; r < kGlyphHeight && same; ++r)
        same = std::strcmp(glyphRows(c)[r], glyphRows(d)[r]) == 0;
      EXPECT_FALSE(same) << "'" << c << "' and '" << d << "' look the same";
    }
}

TEST(RasterTest, TextDrawsGlyphs) {
  EXPECT_EQ(textWidth(""), 0);
  EXPECT_EQ(textWidth("7"), kGlyphWidth);
  EXPECT_EQ(textWidth("10"), kGlyphAdvance + kGlyphWidth);
  EXPECT_EQ(textWidth("10", 2), 2 * (kGlyphAdvance + kGlyphWidth));

  Image image(20, 10, kWhite);
  EXPECT_EQ(image.text(1, 2, "1", kRed), kGlyphWidth);
  const char *const *one = glyphRows('1');
  int set = 0;
  for (int r = 0; r < kGlyphHeight; ++r)
    for (int c = 0; c < kGlyphWidth; ++c) {
      EXPECT_EQ(image.at(1 + c, 2 + r) == kRed, one[r][c] == '#');
      set += one[r][c] == '#';
    }
  EXPECT_EQ(image.count(kRed), set);

  Image scaled(20, 20, kWhite);
  scaled.text(0, 0, "1", kRed, 2);
  EXPECT_EQ(scaled.count(kRed), 4 * set);

  // An unknown character is drawn as '?'.
  Image unknown(10, 10, kWhite), question(10, 10, kWhite);
  unknown.text(0, 0, "~", kRed);
  question.text(0, 0, "?", kRed);
  EXPECT_EQ(unknown.pixels(), question.pixels());
}
