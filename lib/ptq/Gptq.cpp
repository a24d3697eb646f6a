//===- Gptq.cpp - GPTQ for every format of the format library -------------===//

#include "quant/ptq/Gptq.h"

#include "quant/formats/Codec.h"

#include "PtqInternal.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>
#include <vector>

namespace quant::ptq {

namespace {

/// Rows processed together: the U rows of a batch are reused across them.
constexpr size_t kTileRows = 16;

/// The finite values a group of elements can take under a fixed header,
/// sorted (value, code) for a nearest-value search.
struct ValueTable {
  std::vector<std::pair<float, unsigned>> entries;

  void build(const float *values, unsigned count) {
    entries.clear();
    for (unsigned c = 0; c < count; ++c)
      if (std::isfinite(values[c]))
        entries.emplace_back(values[c], c);
    std::sort(entries.begin(), entries.end());
  }

  /// The entry nearest to w (ties: the smaller value). Requires at least
  /// one entry.
  const std::pair<float, unsigned> &nearest(double w) const {
    auto it = std::lower_bound(entries.begin(), entries.end(), w,
                               [](const std::pair<float, unsigned> &e,
                                  double v) { return double(e.first) < v; });
    if (it == entries.begin())
      return *it;
    if (it == entries.end())
      return entries.back();
    const auto &below = *(it - 1);
    return (w - double(below.first)) <= (double(it->first) - w) ? below : *it;
  }
};

} // namespace

std::string gptqQuantize(const fmt::FormatSpec &spec, const float *w,
                         size_t rows, size_t cols, const double *hessian,
                         const GptqOptions &options, uint8_t *out,
                         float *committed, GptqReport *report) {
  if (std::string why = fmt::checkRowLength(spec, cols); !why.empty())
    return why;
  if (rows == 0)
    return "";
  if (!(options.damp >= 0) || !std::isfinite(options.damp))
    return "gptq: damping must be a finite number >= 0";
  const fmt::FormatSpec rs = spec.resolvedFor(cols);
  const size_t B = rs.blockSize, numBlocks = cols / B;
  const size_t blockBytes = rs.blockBytes(), rowBytes = spec.rowBytes(cols);
  const unsigned codes = fmt::blockCodeCount(rs);
  const size_t G = fmt::blockValueGroupSize(rs), groups = B / G;
  const unsigned threads = detail::threadCount(options.threads);

  for (size_t i = 0; i < rows * cols; ++i)
    if (!std::isfinite(w[i]))
      return "gptq: the weights contain a non-finite value";
  for (size_t i = 0; i < cols * cols; ++i)
    if (!std::isfinite(hessian[i]))
      return "gptq: the Hessian contains a non-finite value";

  // Normalise H by the mean of its live diagonal (GPTQ is invariant to the
  // scale of H; this makes the dead columns' H_jj = 1 comparable).
  std::vector<double> h(hessian, hessian + cols * cols);
  std::vector<bool> dead(cols, false);
  double liveSum = 0;
  size_t live = 0, deadCount = 0;
  for (size_t j = 0; j < cols; ++j) {
    const double d = h[j * cols + j];
    if (d > 0) {
      liveSum += d;
      ++live;
    } else {
      dead[j] = true;
      ++deadCount;
    }
  }
  const double norm = live ? liveSum / double(live) : 1.0;
  for (double &v : h)
    v /= norm;
  for (size_t j = 0; j < cols; ++j) {
    if (!dead[j])
      continue;
    for (size_t k = 0; k < cols; ++k)
      h[j * cols + k] = h[k * cols + j] = 0;
    h[j * cols + j] = 1;
  }

  // Processing order: blocks stay contiguous (see Gptq.h).
  std::vector<size_t> blockOrder(numBlocks), perm(cols);
  std::iota(blockOrder.begin(), blockOrder.end(), size_t(0));
  std::iota(perm.begin(), perm.end(), size_t(0));
  auto diag = [&](size_t c) { return h[c * cols + c]; };
  if (options.actOrder) {
    std::vector<double> blockKey(numBlocks, 0);
    for (size_t b = 0; b < numBlocks; ++b)
      for (size_t e = 0; e < B; ++e)
        blockKey[b] = std::max(blockKey[b], diag(b * B + e));
    std::stable_sort(
        blockOrder.begin(), blockOrder.end(),
        [&](size_t a, size_t b) { return blockKey[a] > blockKey[b]; });
    for (size_t k = 0; k < numBlocks; ++k) {
      const size_t b = blockOrder[k];
      for (size_t e = 0; e < B; ++e)
        perm[k * B + e] = b * B + e;
      std::stable_sort(perm.begin() + k * B, perm.begin() + (k + 1) * B,
                       [&](size_t a, size_t c) { return diag(a) > diag(c); });
    }
  }

  // Permuted, damped H and the upper Cholesky factor of its inverse.
  std::vector<double> hp(cols * cols);
  double meanDiag = 0;
  for (size_t i = 0; i < cols; ++i) {
    for (size_t j = 0; j < cols; ++j)
      hp[i * cols + j] = h[perm[i] * cols + perm[j]];
    meanDiag += hp[i * cols + i];
  }
  meanDiag /= double(cols);
  h.clear();
  h.shrink_to_fit();
  std::vector<double> u;
  double damp = options.damp;
  unsigned retries = 0;
  for (;; ++retries) {
    std::vector<double> damped = hp;
    const double lambda = damp * meanDiag;
    for (size_t i = 0; i < cols; ++i)
      damped[i * cols + i] += lambda;
    if (detail::upperCholeskyOfInverse(damped, cols, u, threads))
      break;
    if (retries == 6)
      return "gptq: the Hessian is not positive definite even with damping " +
             std::to_string(damp);
    damp = damp > 0 ? damp * 10 : 1e-6;
  }
  hp.clear();
  hp.shrink_to_fit();
  if (report) {
    report->damp = damp;
    report->dampRetries = retries;
    report->deadColumns = deadCount;
  }

  const size_t batchBlocks =
      std::max<size_t>(1, (options.lazyBatch + B - 1) / B);
  const size_t tiles = (rows + kTileRows - 1) / kTileRows;
  detail::parallelFor(tiles, threads, 1, [&](size_t tb, size_t te) {
    std::vector<double> wt(kTileRows * cols);
    std::vector<double> errs(kTileRows * batchBlocks * B);
    std::vector<ValueTable> tables(kTileRows * groups);
    std::vector<float> blockVals(B), values(codes);
    for (size_t tile = tb; tile < te; ++tile) {
      const size_t r0 = tile * kTileRows;
      const size_t nr = std::min(kTileRows, rows - r0);
      // The tile's rows in processing order.
      for (size_t r = 0; r < nr; ++r)
        for (size_t i = 0; i < cols; ++i)
          wt[r * cols + i] = double(w[(r0 + r) * cols + perm[i]]);
      for (size_t k0 = 0; k0 < numBlocks; k0 += batchBlocks) {
        const size_t k1 = std::min(numBlocks, k0 + batchBlocks);
        const size_t i1 = k0 * B, i2 = k1 * B;
        for (size_t k = k0; k < k1; ++k) {
          const size_t b = blockOrder[k], c0 = b * B;
          // Entering block b: its header from the current weights.
          for (size_t r = 0; r < nr; ++r) {
            for (size_t i = k * B; i < (k + 1) * B; ++i)
              blockVals[perm[i] - c0] = float(wt[r * cols + i]);
            uint8_t *blk = out + (r0 + r) * rowBytes + b * blockBytes;
            fmt::quantizeBlock(rs, blockVals.data(), blk);
            for (size_t g = 0; g < groups; ++g) {
              fmt::blockElementValues(rs, blk, g * G, values.data());
              tables[r * groups + g].build(values.data(), codes);
            }
          }
          for (size_t i = k * B; i < (k + 1) * B; ++i) {
            const size_t c = perm[i], e = c - c0;
            const double *urow = u.data() + i * cols;
            const double ujj = urow[i];
            for (size_t r = 0; r < nr; ++r) {
              uint8_t *blk = out + (r0 + r) * rowBytes + b * blockBytes;
              double *wr = wt.data() + r * cols;
              const ValueTable &table = tables[r * groups + e / G];
              double err = 0;
              float q = 0;
              if (!table.entries.empty()) {
                const auto &best = table.nearest(wr[i]);
                q = best.first;
                fmt::setBlockElementCode(rs, blk, e, best.second);
                err = (wr[i] - double(q)) / ujj;
              }
              if (committed)
                committed[(r0 + r) * cols + c] = q;
              errs[r * (i2 - i1) + (i - i1)] = err;
              if (err != 0)
                for (size_t j = i + 1; j < i2; ++j)
                  wr[j] -= err * urow[j];
            }
          }
        }
        // Lazy update of the columns after the batch.
        if (i2 < cols)
          for (size_t i = i1; i < i2; ++i) {
            const double *urow = u.data() + i * cols;
            for (size_t r = 0; r < nr; ++r) {
              const double err = errs[r * (i2 - i1) + (i - i1)];
              if (err == 0)
                continue;
              double *wr = wt.data() + r * cols;
              for (size_t j = i2; j < cols; ++j)
                wr[j] -= err * urow[j];
            }
          }
      }
    }
  });
  return "";
}

} // namespace quant::ptq
