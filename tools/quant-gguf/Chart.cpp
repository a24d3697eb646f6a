//===- Chart.cpp - Bar chart of per-layer SQNR ----------------------------===//

#include "Chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace quant::tool::chart {

using raster::Image;
using raster::kGlyphHeight;
using raster::Rgb;
using raster::textWidth;

namespace {

const Rgb kBackground{255, 255, 255};
const Rgb kAxis{0, 0, 0};
const Rgb kText{30, 30, 30};
const Rgb kGrid{222, 222, 222};
const Rgb kZeroLine{120, 120, 120};
const Rgb kExtraColour{127, 127, 127};
/// One colour per layerKinds() entry, in order.
const Rgb kKindColours[] = {
    {31, 119, 180},  // attn_q: blue
    {255, 127, 14},  // attn_k: orange
    {44, 160, 44},   // attn_v: green
    {214, 39, 40},   // attn_output: red
    {148, 103, 189}, // ffn_gate: purple
    {140, 86, 75},   // ffn_up: brown
    {227, 119, 194}, // ffn_down: pink
};

constexpr int kMargin = 12;
constexpr int kPlotHeight = 320;
constexpr int kTitleScale = 2;
constexpr int kTickLength = 5;
constexpr int kSwatch = 7;
constexpr int kLegendRow = 14;
constexpr int kNoteRow = 12;
/// About this many pixels of bars in all; each bar 2 to 14 pixels wide.
constexpr int kTargetBarPixels = 960;

struct Bar {
  double value; // NaN: no bar
  Rgb colour;
};

struct Group {
  std::string label;
  bool isLayer = true;
  long layer = 0;
  int barWidth = 0;
  std::vector<Bar> bars;
  int x = 0, width = 0;
};

/// A tick value's label with as many decimals as the step needs.
std::string tickLabel(double v, double step) {
  int decimals =
      step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  if (std::fabs(v) < step * 1e-6)
    v = 0; // no "-0"
  return ::fmt::format("{:.{}f}", v, decimals);
}

} // namespace

const std::vector<std::string> &layerKinds() {
  static const std::vector<std::string> kinds = {
      "attn_q",   "attn_k", "attn_v",  "attn_output",
      "ffn_gate", "ffn_up", "ffn_down"};
  return kinds;
}

const std::vector<std::string> &extraTensors() {
  static const std::vector<std::string> names = {"token_embd", "output"};
  return names;
}

std::optional<Slot> slotOf(std::string_view name) {
  constexpr std::string_view kSuffix = ".weight", kPrefix = "blk.";
  if (name.size() <= kSuffix.size() ||
      name.substr(name.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  std::string_view stem = name.substr(0, name.size() - kSuffix.size());
  for (const std::string &extra : extraTensors())
    if (stem == extra)
      return Slot{-1, extra};
  if (stem.substr(0, kPrefix.size()) != kPrefix)
    return std::nullopt;
  stem.remove_prefix(kPrefix.size());
  size_t dot = stem.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 9)
    return std::nullopt;
  long layer = 0;
  for (size_t i = 0; i < dot; ++i) {
    if (stem[i] < '0' || stem[i] > '9')
      return std::nullopt;
    layer = layer * 10 + (stem[i] - '0');
  }
  std::string_view kind = stem.substr(dot + 1);
  for (const std::string &k : layerKinds())
    if (kind == k)
      return Slot{layer, k};
  return std::nullopt;
}

double niceStep(double range, int targetTicks) {
  double raw = range / targetTicks;
  double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / magnitude;
  double m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return m * magnitude;
}

Image drawSqnrChart(const std::vector<Value> &values, std::string_view title) {
  const std::vector<std::string> &kinds = layerKinds();
  const std::vector<std::string> &extras = extraTensors();

  // Values by layer and kind index, and by extra-tensor index.
  std::map<long, std::map<size_t, double>> byLayer;
  std::map<size_t, double> byExtra;
  std::vector<bool> kindPresent(kinds.size(), false);
  for (const Value &v : values) {
    std::optional<Slot> slot = slotOf(v.tensorName);
    if (!slot || std::isnan(v.sqnrDb))
      continue;
    const std::vector<std::string> &names = slot->layer < 0 ? extras : kinds;
    size_t index =
        std::find(names.begin(), names.end(), slot->kind) - names.begin();
    if (slot->layer < 0) {
      byExtra[index] = v.sqnrDb;
    } else {
      byLayer[slot->layer][index] = v.sqnrDb;
      kindPresent[index] = true;
    }
  }
  std::vector<size_t> shownKinds;
  for (size_t k = 0; k < kinds.size(); ++k)
    if (kindPresent[k])
      shownKinds.push_back(k);

  // The y range: 0 and every finite value, widened to whole tick steps.
  double lo = 0, hi = 0;
  bool anyPosInf = false, anyNegInf = false;
  auto visit = [&](double v) {
    if (std::isinf(v))
      (v > 0 ? anyPosInf : anyNegInf) = true;
    else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  };
  for (const auto &[layer, row] : byLayer)
    for (const auto &[k, v] : row)
      visit(v);
  for (const auto &[e, v] : byExtra)
    visit(v);
  if (hi - lo <= 0)
    hi = lo + 10;
  double step = niceStep(hi - lo, 6);
  double yMin = std::floor(lo / step) * step;
  double yMax = std::ceil(hi / step) * step;
  std::vector<std::string> tickLabels;
  int tickWidth = 0;
  int tickCount = static_cast<int>(std::lround((yMax - yMin) / step));
  for (int i = 0; i <= tickCount; ++i) {
    tickLabels.push_back(tickLabel(yMin + i * step, step));
    tickWidth = std::max(tickWidth, textWidth(tickLabels.back()));
  }

  // Groups and bar widths.
  size_t totalBars = byLayer.size() * shownKinds.size() + byExtra.size();
  int barWidth = std::clamp(
      kTargetBarPixels / static_cast<int>(std::max<size_t>(totalBars, 1)), 2,
      14);
  int gap = std::max(4, barWidth);
  std::vector<Group> groups;
  for (const auto &[layer, row] : byLayer) {
    Group g;
    g.label = std::to_string(layer);
    g.layer = layer;
    g.barWidth = barWidth;
    for (size_t k : shownKinds) {
      auto it = row.find(k);
      g.bars.push_back(
          {it == row.end() ? std::nan("") : it->second, kKindColours[k]});
    }
    g.width = barWidth * static_cast<int>(g.bars.size());
    groups.push_back(std::move(g));
  }
  for (const auto &[e, v] : byExtra) {
    Group g;
    g.label = extras[e];
    g.isLayer = false;
    g.barWidth = std::max(barWidth, 6);
    g.bars.push_back({v, kExtraColour});
    g.width = std::max(g.barWidth, textWidth(g.label) + 6);
    groups.push_back(std::move(g));
  }

  // Label every `labelEvery`-th layer so that labels never touch.
  int widestLayerLabel = 0;
  for (const Group &g : groups)
    if (g.isLayer)
      widestLayerLabel = std::max(widestLayerLabel, textWidth(g.label));
  int layerPitch = barWidth * static_cast<int>(shownKinds.size()) + gap;
  long labelEvery = 1;
  for (long m = 1; labelEvery * layerPitch < widestLayerLabel + 4; m *= 10)
    for (long f : {1L, 2L, 5L}) {
      labelEvery = f * m;
      if (labelEvery * layerPitch >= widestLayerLabel + 4)
        break;
    }

  // Vertical layout.
  const int titleY = kMargin;
  const int axisLabelY = titleY + kGlyphHeight * kTitleScale + 10;
  const int plotTop = axisLabelY + kGlyphHeight + 8;
  const int plotBottom = plotTop + kPlotHeight;
  const int xLabelY = plotBottom + 6;
  const int xTitleY = xLabelY + kGlyphHeight + 6;
  const int legendY = xTitleY + kGlyphHeight + 12;

  // Horizontal layout.
  const int plotLeft = kMargin + tickWidth + 4 + kTickLength;
  int x = plotLeft + gap;
  for (size_t i = 0; i < groups.size(); ++i) {
    // A wider gap between the layers and the non-layer tensors.
    if (i > 0 && groups[i - 1].isLayer && !groups[i].isLayer)
      x += 2 * gap;
    groups[i].x = x;
    x += groups[i].width + gap;
  }
  const int plotRight = groups.empty() ? plotLeft + 200 : x;
  const std::string titleText(title);
  std::vector<std::string> notes;
  if (groups.empty())
    notes.push_back("no tensor to chart (blk.N.attn_*/ffn_* weights, "
                    "token_embd, output)");
  if (anyPosInf)
    notes.push_back("hatched bar reaching the top: SQNR inf (identical)");
  if (anyNegInf)
    notes.push_back("hatched bar reaching the bottom: SQNR -inf (A all zero)");
  int width = std::max({plotRight + kMargin + 4,
                        2 * kMargin + textWidth(titleText, kTitleScale), 360});
  for (const std::string &note : notes)
    width = std::max(width, 2 * kMargin + textWidth(note));

  // Legend entries, wrapped to the width.
  struct LegendItem {
    int x, y;
    size_t kind;
  };
  std::vector<LegendItem> legend;
  int lx = kMargin, ly = legendY;
  for (size_t k : shownKinds) {
    int w = kSwatch + 4 + textWidth(kinds[k]);
    if (lx > kMargin && lx + w > width - kMargin) {
      lx = kMargin;
      ly += kLegendRow;
    }
    legend.push_back({lx, ly, k});
    lx += w + 14;
  }
  int notesY = (legend.empty() ? legendY : ly + kLegendRow) + 2;
  int height = notesY + static_cast<int>(notes.size()) * kNoteRow + kMargin;

  Image image(width, height, kBackground);
  auto yOf = [&](double v) {
    v = std::clamp(v, yMin, yMax);
    return plotTop + static_cast<int>(
                         std::lround((yMax - v) / (yMax - yMin) * kPlotHeight));
  };

  image.text(kMargin, titleY, titleText, kText, kTitleScale);
  image.text(kMargin, axisLabelY, "SQNR (dB)", kText);

  // Grid lines, ticks and their labels.
  for (int i = 0; i <= tickCount; ++i) {
    int py = yOf(yMin + i * step);
    image.line(plotLeft + 1, py, plotRight, py, kGrid);
    image.line(plotLeft - kTickLength, py, plotLeft - 1, py, kAxis);
    const std::string &label = tickLabels[i];
    image.text(plotLeft - kTickLength - 4 - textWidth(label),
               py - kGlyphHeight / 2, label, kText);
  }
  int zeroY = yOf(0);
  if (yMin < 0)
    image.line(plotLeft + 1, zeroY, plotRight, zeroY, kZeroLine);

  // Bars; an infinite value is hatched with background lines.
  for (const Group &g : groups) {
    for (size_t i = 0; i < g.bars.size(); ++i) {
      const Bar &bar = g.bars[i];
      if (std::isnan(bar.value))
        continue;
      int bx = g.isLayer ? g.x + static_cast<int>(i) * g.barWidth
                         : g.x + (g.width - g.barWidth) / 2;
      int end = std::isinf(bar.value) ? (bar.value > 0 ? plotTop : plotBottom)
                                      : yOf(bar.value);
      int top = std::min(zeroY, end), bottom = std::max(zeroY, end);
      image.fillRect(bx, top, bx + g.barWidth, bottom + 1, bar.colour);
      if (std::isinf(bar.value))
        for (int y = top + 3; y <= bottom; y += 4)
          image.line(bx, y, bx + g.barWidth - 1, y, kBackground);
    }
  }

  // Axes, drawn over the bars' ends.
  image.line(plotLeft, plotTop, plotLeft, plotBottom, kAxis);
  image.line(plotLeft, plotBottom, plotRight, plotBottom, kAxis);

  // Group labels under the axis, and the x axis title under the layers.
  int layersLeft = -1, layersRight = -1;
  for (const Group &g : groups) {
    if (g.isLayer) {
      if (layersLeft < 0)
        layersLeft = g.x;
      layersRight = g.x + g.width;
      if (g.layer % labelEvery != 0)
        continue;
    }
    int w = textWidth(g.label);
    image.text(g.x + (g.width - w) / 2, xLabelY, g.label, kText);
  }
  if (layersLeft >= 0) {
    const char *xTitle = "layer";
    int w = textWidth(xTitle);
    image.text(std::max(kMargin, (layersLeft + layersRight - w) / 2), xTitleY,
               xTitle, kText);
  }

  for (const LegendItem &item : legend) {
    image.fillRect(item.x, item.y, item.x + kSwatch, item.y + kSwatch,
                   kKindColours[item.kind]);
    image.text(item.x + kSwatch + 4, item.y, kinds[item.kind], kText);
  }
  for (size_t i = 0; i < notes.size(); ++i)
    image.text(kMargin, notesY + static_cast<int>(i) * kNoteRow, notes[i],
               kText);
  return image;
}

} // namespace quant::tool::chart
