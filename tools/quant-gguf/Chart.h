//===- Chart.h - Bar chart of per-layer SQNR --------------------*- C++ -*-===//
//
// Lays out and draws the chart of `quant-gguf compare --png`: one bar group
// per layer (tensors named blk.N.KIND.weight), a bar per tensor kind in its
// own colour, then one group per non-layer tensor (token_embd, output); a
// y axis in dB with ticks, labels and grid lines, and a legend.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TOOLS_QUANT_GGUF_CHART_H
#define QUANT_TOOLS_QUANT_GGUF_CHART_H

#include "Raster.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quant::tool::chart {

/// The per-layer tensor kinds, in bar order within a layer's group.
const std::vector<std::string> &layerKinds();
/// The non-layer tensors drawn as groups after the layers, in order.
const std::vector<std::string> &extraTensors();

/// Where a tensor goes on the chart.
struct Slot {
  /// The layer N of blk.N.KIND.weight; -1 for a non-layer tensor.
  long layer = -1;
  /// KIND (one of layerKinds()), or the non-layer tensor's name without
  /// ".weight" (one of extraTensors()).
  std::string kind;
};
/// The slot of `tensorName`, or nullopt for a tensor the chart leaves out
/// (norms, biases, kinds not in layerKinds()).
std::optional<Slot> slotOf(std::string_view tensorName);

/// One tensor's SQNR in dB (+inf for no error; NaN values are left out).
struct Value {
  std::string tensorName;
  double sqnrDb = 0;
};

/// Draws the chart of `values` (tensors without a slot are ignored) under
/// `title`.
raster::Image drawSqnrChart(const std::vector<Value> &values,
                            std::string_view title);

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about
/// `targetTicks` intervals over `range` > 0.
double niceStep(double range, int targetTicks);

} // namespace quant::tool::chart

#endif // QUANT_TOOLS_QUANT_GGUF_CHART_H
