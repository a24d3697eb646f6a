//===- Awq.h - Activation-aware weight quantization --------------*- C++
//-*-===//
//
// AWQ (Lin et al., 2023) for matrices that share one input X (sampled rows,
// from the calibration):
//
//  * Scale search: per input channel c, s_c = m_c^α with m_c = mean |x_c|
//    (floored at 1e-5 of the largest), normalised by sqrt(max s · min s);
//    α = i / grid for i = 0..grid-1 (20 points in [0, 1)); the chosen α
//    minimises  Σ_matrices Σ_samples ‖(Q(W·diag(s))·diag(s)⁻¹ − W) x‖²  with Q
//    the format's round-to-nearest quantize-dequantize (fmt::quantizeRow).
//    α = 0 gives s = 1, i.e. RTN, so the search never does worse than RTN on
//    the samples. The caller folds diag(s)⁻¹ into whatever produces X (an
//    RMSNorm weight, or the rows of the matrix feeding X) and diag(s) into
//    the matrices' columns; the float model is unchanged.
//
//  * Clipping search: per format block of each row (a K-quant super-block,
//    the whole row for per-row formats), the weights are clamped to
//    [r·lo, r·hi] per value group (lo/hi = the group's min/max including 0;
//    the K-quants' sub-blocks are clamped separately), r = 1 - i/grid for
//    i < maxShrink·grid, and the r minimising the block's partial output
//    error Σ_samples (Σ_{c∈block} (Q(clamp(w))_c − w_c) x_c)² is kept (r = 1,
//    no clipping, unless another is strictly better). The format's encoder
//    then derives a smaller scale from the clamped block. Formats without a
//    scale (ScaleType::None) are left unclipped: clamping could only move
//    values, never refine the grid.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_PTQ_AWQ_H
#define QUANT_PTQ_AWQ_H

#include "quant/formats/Format.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace quant::ptq {

struct AwqOptions {
  /// Scale search points: α = i / grid, i < grid.
  unsigned grid = 20;
  /// Clipping search: ratios 1 - i/clipGrid for i < maxShrink * clipGrid.
  bool clip = true;
  unsigned clipGrid = 20;
  double maxShrink = 0.5;
  /// Threads over rows (0: the hardware's thread count).
  unsigned threads = 0;
};

/// A row-major double matrix.
struct MatrixRef {
  const double *data = nullptr;
  size_t rows = 0, cols = 0;
};

struct AwqScaleResult {
  /// The chosen per-input-channel scales (multiply the matrices' columns,
  /// divide the input).
  std::vector<double> scales;
  double alpha = 0;
  /// The objective at the chosen α and at α = 0 (RTN).
  double loss = 0, rtnLoss = 0;
};

/// The per-channel scales for α: m_c = max(meanAbs_c, 1e-5 max meanAbs),
/// s = m^α / sqrt(max m^α · min m^α) (all ones when meanAbs is all zero).
std::vector<double> awqScalesForAlpha(const std::vector<double> &meanAbs,
                                      double alpha);

/// The AWQ objective Σ_matrices Σ_samples ‖(Q(W·diag(s))·diag(s)⁻¹ − W) x‖²
/// for `scales` (empty: s = 1, plain RTN). `samples` holds numSamples rows of
/// cols values, the matrices' unscaled input.
double awqLoss(const fmt::FormatSpec &spec, const std::vector<MatrixRef> &group,
               const double *samples, size_t numSamples,
               const std::vector<double> &scales, unsigned threads = 0);

/// Searches α for the matrices of `group` (same cols), given their input's
/// samples and per-channel mean |x|. When `channelMap` is given, the search
/// runs over `meanAbs.size()` free scales and the matrices' column c uses
/// free scale channelMap[c] (AWQ folded into the rows of a grouped-query
/// value projection: one scale per key/value channel, repeated for every
/// query head of the group); `scales` in the result is then the expanded
/// (per-column) vector and the free one is awqScalesForAlpha(meanAbs, α).
AwqScaleResult awqSearchScales(const fmt::FormatSpec &spec,
                               const std::vector<MatrixRef> &group,
                               const double *samples, size_t numSamples,
                               const std::vector<double> &meanAbs,
                               const AwqOptions &options,
                               const std::vector<size_t> *channelMap = nullptr);

struct AwqClipResult {
  /// The objective summed over blocks before and after clipping.
  double unclippedLoss = 0, loss = 0;
  /// Blocks whose weights were clamped.
  size_t clippedBlocks = 0, blocks = 0;
};

/// The clipping search on `w` (rows x cols, modified in place: each block is
/// clamped to its chosen ratio), with `samples` (numSamples x cols) the input
/// as `w` sees it (after any AWQ scaling).
AwqClipResult awqClip(const fmt::FormatSpec &spec, double *w, size_t rows,
                      size_t cols, const double *samples, size_t numSamples,
                      const AwqOptions &options);

} // namespace quant::ptq

#endif // QUANT_PTQ_AWQ_H
