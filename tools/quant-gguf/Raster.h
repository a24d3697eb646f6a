//===- Raster.h - An RGB image with lines, rectangles and text --*- C++ -*-===//
//
// A tiny raster for charts: an 8-bit RGB image, clipped pixel writes, filled
// rectangles, straight lines, and text in a built-in 5x7 bitmap font (digits,
// upper-case letters, a few symbols; lower case is drawn as upper case and an
// unknown character as '?').
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TOOLS_QUANT_GGUF_RASTER_H
#define QUANT_TOOLS_QUANT_GGUF_RASTER_H

#include <cstdint>
#include <string_view>
#include <vector>

namespace quant::tool::raster {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb &o) const {
    return r == o.r && g == o.g && b == o.b;
  }
};

/// Glyph cell of the built-in font, and the horizontal advance per character
/// (the cell and one column of spacing), in pixels at scale 1.
constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 7;
constexpr int kGlyphAdvance = kGlyphWidth + 1;

/// The 7 rows of the glyph of `c`, each 5 characters, '#' for a set pixel;
/// nullptr when the font has no glyph for `c` (lower case maps to upper case
/// first).
const char *const *glyphRows(char c);

class Image {
public:
  Image(int width, int height, Rgb background);

  int width() const { return width_; }
  int height() const { return height_; }
  /// Rows top to bottom, 3 bytes per pixel.
  const std::vector<uint8_t> &pixels() const { return pixels_; }
  Rgb at(int x, int y) const;
  /// Number of pixels of colour `c`.
  int count(Rgb c) const;

  /// Sets one pixel; coordinates outside the image are ignored.
  void set(int x, int y, Rgb c);
  /// Fills [x0, x1) x [y0, y1), clipped to the image; empty when x1 <= x0 or
  /// y1 <= y0.
  void fillRect(int x0, int y0, int x1, int y1, Rgb c);
  /// A one-pixel line from (x0, y0) to (x1, y1), both ends included.
  void line(int x0, int y0, int x1, int y1, Rgb c);
  /// Draws `text` with its top-left corner at (x, y), each font pixel a
  /// `scale` x `scale` square. Returns the width drawn (textWidth).
  int text(int x, int y, std::string_view text, Rgb c, int scale = 1);

private:
  int width_, height_;
  std::vector<uint8_t> pixels_;
};

/// Width in pixels of `text` drawn at `scale` (no trailing spacing).
int textWidth(std::string_view text, int scale = 1);

} // namespace quant::tool::raster

#endif // QUANT_TOOLS_QUANT_GGUF_RASTER_H
