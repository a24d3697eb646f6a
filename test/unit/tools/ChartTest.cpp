//===- ChartTest.cpp - Layout of the per-layer SQNR chart -----------------===//

#include "Chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace quant::tool;
using raster::Rgb;

namespace {
} // namespace

TEST(ChartTest, Slots) {
  std::optional<chart::Slot> s = chart::slotOf("blk.12.attn_q.weight");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->layer, 12);
  EXPECT_EQ(s->kind, "attn_q");
  s = chart::slotOf("blk.0.ffn_down.weight");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->layer, 0);
  EXPECT_EQ(s->kind, "ffn_down");
  s = chart::slotOf("token_embd.weight");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->layer, -1);
  EXPECT_EQ(s->kind, "token_embd");
  s = chart::slotOf("output.weight");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, "output");
  for (const char *skipped :
       {"blk.3.attn_norm.weight", "output_norm.weight", "blk.x.attn_q.weight",
        "blk..attn_q.weight", "blk.1.attn_q.bias", "blk.1.attn_q",
        "blk.1234567890.attn_q.weight", "blk.1.attn_q.weight.extra", ""})
    EXPECT_FALSE(chart::slotOf(skipped)) << skipped;
  EXPECT_EQ(chart::layerKinds().size(), 7u);
}

TEST(ChartTest, NiceSteps) {
  EXPECT_DOUBLE_EQ(chart::niceStep(25, 6), 5);
  EXPECT_DOUBLE_EQ(chart::niceStep(45, 6), 10);
  EXPECT_DOUBLE_EQ(chart::niceStep(10, 6), 2);
  EXPECT_NEAR(chart::niceStep(1, 6), 0.2, 1e-12);
  EXPECT_DOUBLE_EQ(chart::niceStep(60, 6), 10);
}

TEST(ChartTest, EveryKindHasItsColour) {
  std::vector<chart::Value> values;
  for (int layer = 0; layer < 3; ++layer)
    for (size_t k = 0; k < chart::layerKinds().size(); ++k)
      values.push_back({"blk." + std::to_string(layer) + "." +
                            chart::layerKinds()[k] + ".weight",
                        20.0 + layer + 0.5 * k});
  values.push_back({"token_embd.weight", 25});
  values.push_back({"output.weight", 30});
  values.push_back({"blk.0.attn_norm.weight", 99}); // not charted
  raster::Image image = chart::drawSqnrChart(values, "test");
  EXPECT_GT(image.width(), 300);
  EXPECT_GT(image.height(), 300);
  // The bar colours (tab10 palette, in kind order) and the non-layer grey.
  const Rgb colours[] = {{31, 119, 180},  {255, 127, 14},  {44, 160, 44},
                         {214, 39, 40},   {148, 103, 189}, {140, 86, 75},
                         {227, 119, 194}, {127, 127, 127}};
  for (const Rgb &c : colours)
    EXPECT_GT(image.count(c), 100)
        << int(c.r) << "," << int(c.g) << "," << int(c.b);
}

TEST(ChartTest, HigherSqnrGivesTallerBar) {
  auto barPixels = [](double db) {
    raster::Image image = chart::drawSqnrChart(
        {{"blk.0.attn_q.weight", db}, {"blk.0.attn_k.weight", 40}}, "t");
    return image.count(Rgb{31, 119, 180});
  };
  EXPECT_LT(barPixels(10), barPixels(20));
  EXPECT_LT(barPixels(20), barPixels(30));
}

TEST(ChartTest, InfiniteAndEmpty) {
  const double inf = std::numeric_limits<double>::infinity();
  raster::Image all =
      chart::drawSqnrChart({{"blk.0.attn_q.weight", inf},
                            {"output.weight", inf},
                            {"blk.1.attn_q.weight", -inf},
                            {"blk.2.attn_q.weight", std::nan("")}},
                           "inf");
  EXPECT_GT(all.count(Rgb{31, 119, 180}), 0);
  raster::Image none = chart::drawSqnrChart({}, "empty");
  EXPECT_GT(none.width(), 0);
  raster::Image negative =
      chart::drawSqnrChart({{"blk.0.attn_q.weight", -12.5}}, "negative");
  EXPECT_GT(negative.count(Rgb{31, 119, 180}), 0);
}
