//===- Awq.cpp - Activation-aware weight quantization ---------------------===//

#include "quant/ptq/Awq.h"

#include "quant/formats/Codec.h"

#include "PtqInternal.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace quant::ptq {

namespace {

/// Σ_n (Σ_c e_c x_{n,c})² over the samples, for one error row `e` of
/// length `len` against the columns [c0, c0 + len) of rows of `stride`.
double outputError(const double *e, size_t len, const double *samples,
                   size_t numSamples, size_t stride, size_t c0) {
  double total = 0;
  for (size_t n = 0; n < numSamples; ++n) {
    const double *x = samples + n * stride + c0;
    double s0 = 0, s1 = 0;
    size_t c = 0;
    for (; c + 2 <= len; c += 2) {
      s0 += e[c] * x[c];
      s1 += e[c + 1] * x[c + 1];
    }
    if (c < len)
      s0 += e[c] * x[c];
    const double y = s0 + s1;
    total += y * y;
  }
  return total;
}

/// Clamps each group of `group` weights of w[0, len) to `ratio` times the
/// group's range [min(0, min w), max(0, max w)], writing `out` (which may be
/// `w`): the clipping candidates of the search.
template <typename T>
void clampGroups(const double *w, size_t len, size_t group, double ratio,
                 T *out) {
  for (size_t g0 = 0; g0 < len; g0 += group) {
    double lo = 0, hi = 0;
    for (size_t c = g0; c < g0 + group; ++c) {
      lo = std::min(lo, w[c]);
      hi = std::max(hi, w[c]);
    }
    for (size_t c = g0; c < g0 + group; ++c)
      out[c] = T(std::clamp(w[c], ratio * lo, ratio * hi));
  }
}

} // namespace

std::vector<double> awqScalesForAlpha(const std::vector<double> &meanAbs,
                                      double alpha) {
  const size_t n = meanAbs.size();
  std::vector<double> s(n, 1.0);
  double maxM = 0;
  for (double m : meanAbs)
    if (std::isfinite(m))
      maxM = std::max(maxM, m);
  if (!(maxM > 0) || alpha == 0)
    return s;
  const double floor = 1e-5 * maxM;
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (size_t c = 0; c < n; ++c) {
    const double m =
        std::isfinite(meanAbs[c]) ? std::max(meanAbs[c], floor) : maxM;
    s[c] = std::pow(m, alpha);
    lo = std::min(lo, s[c]);
    hi = std::max(hi, s[c]);
  }
  const double norm = std::sqrt(lo * hi);
  for (double &v : s)
    v /= norm;
  return s;
}

double awqLoss(const fmt::FormatSpec &spec, const std::vector<MatrixRef> &group,
               const double *samples, size_t numSamples,
               const std::vector<double> &scales, unsigned threads) {
  threads = detail::threadCount(threads);
  double total = 0;
  for (const MatrixRef &m : group) {
    const size_t cols = m.cols;
    const size_t rowBytes = spec.rowBytes(cols);
    std::vector<double> perRow(m.rows, 0.0);
    detail::parallelFor(m.rows, threads, 4, [&](size_t rb, size_t re) {
      std::vector<float> ws(cols), q(cols);
      std::vector<uint8_t> bytes(rowBytes);
      std::vector<double> e(cols);
      for (size_t r = rb; r < re; ++r) {
        const double *wr = m.data + r * cols;
        for (size_t c = 0; c < cols; ++c)
          ws[c] = float(scales.empty() ? wr[c] : wr[c] * scales[c]);
        fmt::quantizeRow(spec, ws.data(), cols, bytes.data());
        fmt::dequantizeRow(spec, bytes.data(), cols, q.data());
        for (size_t c = 0; c < cols; ++c)
          e[c] = (scales.empty() ? double(q[c]) : double(q[c]) / scales[c]) -
                 wr[c];
        perRow[r] = outputError(e.data(), cols, samples, numSamples, cols, 0);
      }
    });
    for (double v : perRow)
      total += v;
  }
  return total;
}

AwqScaleResult awqSearchScales(const fmt::FormatSpec &spec,
                               const std::vector<MatrixRef> &group,
                               const double *samples, size_t numSamples,
                               const std::vector<double> &meanAbs,
                               const AwqOptions &options,
                               const std::vector<size_t> *channelMap) {
  auto expand = [&](const std::vector<double> &free) {
    if (!channelMap)
      return free;
    std::vector<double> s(channelMap->size());
    for (size_t c = 0; c < s.size(); ++c)
      s[c] = free[(*channelMap)[c]];
    return s;
  };
  AwqScaleResult best;
  const unsigned grid = std::max(1u, options.grid);
  for (unsigned i = 0; i < grid; ++i) {
    const double alpha = double(i) / double(grid);
    std::vector<double> s = expand(awqScalesForAlpha(meanAbs, alpha));
    const double loss =
        awqLoss(spec, group, samples, numSamples,
                i == 0 ? std::vector<double>() : s, options.threads);
    if (i == 0) {
      best.rtnLoss = loss;
      best.loss = loss;
      best.alpha = 0;
      best.scales = s;
    } else if (loss < best.loss) {
      best.loss = loss;
      best.alpha = alpha;
      best.scales = s;
    }
  }
  return best;
}

AwqClipResult awqClip(const fmt::FormatSpec &spec, double *w, size_t rows,
                      size_t cols, const double *samples, size_t numSamples,
                      const AwqOptions &options) {
  AwqClipResult result;
  const fmt::FormatSpec rs = spec.resolvedFor(cols);
  const size_t B = rs.blockSize, numBlocks = cols / B;
  result.blocks = rows * numBlocks;
  const size_t G = fmt::blockValueGroupSize(rs);
  const unsigned steps = unsigned(
      std::max(1.0, std::ceil(options.maxShrink * double(options.clipGrid))));
  if (!options.clip || rs.scaleType == fmt::ScaleType::None ||
      numSamples == 0 || options.clipGrid == 0)
    return result;
  std::vector<double> before(rows, 0), after(rows, 0);
  std::vector<size_t> clipped(rows, 0);
  detail::parallelFor(
      rows, detail::threadCount(options.threads), 1, [&](size_t rb, size_t re) {
        std::vector<float> clamped(B), q(B);
        std::vector<double> e(B);
        std::vector<uint8_t> bytes(rs.blockBytes());
        for (size_t r = rb; r < re; ++r) {
          for (size_t b = 0; b < numBlocks; ++b) {
            double *wb = w + r * cols + b * B;
            double bestErr = 0;
            unsigned bestStep = 0;
            for (unsigned i = 0; i < steps; ++i) {
              const double ratio = 1.0 - double(i) / double(options.clipGrid);
              // Ratio 1 (step 0) keeps every weight: each group's range
              // contains its values.
              clampGroups(wb, B, G, ratio, clamped.data());
              fmt::quantizeBlock(rs, clamped.data(), bytes.data());
              fmt::dequantizeBlock(rs, bytes.data(), q.data());
              for (size_t c = 0; c < B; ++c)
                e[c] = double(q[c]) - wb[c];
              const double err =
                  outputError(e.data(), B, samples, numSamples, cols, b * B);
              if (i == 0 || err < bestErr) {
                bestErr = err;
                bestStep = i;
                if (i == 0)
                  before[r] += err;
              }
            }
            after[r] += bestErr;
            if (bestStep != 0) {
              ++clipped[r];
              // Clamped values in double (the float copies were only for
              // the encoder; the clamp bounds are the same).
              const double ratio =
                  1.0 - double(bestStep) / double(options.clipGrid);
              clampGroups(wb, B, G, ratio, wb);
            }
          }
        }
      });
  for (size_t r = 0; r < rows; ++r) {
    result.unclippedLoss += before[r];
    result.loss += after[r];
    result.clippedBlocks += clipped[r];
  }
  return result;
}

} // namespace quant::ptq
