//===- Int8Reference.cpp - reference of the int8 matmul strategy ----------===//
//
// What the int8 strategy computes. Each activation row is cut into blocks of
// 32; a block gets d = fl(amax / 127) and codes q_k = round(x_k / d) in
// [-127, 127]. A weight element is s (c - z) + m with an unsigned code c
// (signed codes are shifted by z = 2^(bits-1)), the block's scale s, zero
// point or bias z and minimum m (0 without one). The kernel forms
//   y = sum_k s (c_k - z) d q_k + m x_k
// from exact integer dot products of c and q, float products by s and d,
// and, for formats with a minimum, float sums of the raw activations x.
// That is a different number from the float result: the activations are
// rounded to d q_k. The reference computes this y in double, with
// s (c_k - z) = w_k - m taken from the codec's decoded weight w_k.
//
// The bound, per output element, adds:
//  * float32 rounding: every leaf product (s d c_k q_k, s z d q_k, m x_k)
//    reaches the result through at most n = 6 K/64 + 32 roundings (below). The
//    per-row path rounds at most 2 K/64 + 32 times (the products by d and
//    s, the correction FMA, two FMAs per 64-code chunk along the row, the
//    sums of 4 raw activations and the final reduction of 16 lanes); the
//    packed-panel path (16 or more activation rows, or packed weights) keeps one float lane
//    per output element and rounds it up to 3 times per 32-block (the
//    scale, zero-point and minimum FMAs) after the product by d, and the sum
//    of a block's raw activations, 3 K/32 + 32 in all. Formats whose scales
//    change every 16 columns (q2_k, q3_k, q6_k) form S0 dot0 + S1 dot1 (two
//    roundings) before the FMA with d, and have two zero-point and two
//    minimum FMAs per 32-block: at most 5 K/32 + 2 + 32, counted as
//    n = 6 K/32 + 32. By Higham's eq. 3.5
//    the error is at most
//      gamma_n * sum_k (|s| d |q_k| (2^bits - 1 + |z|) + |m| |x_k|);
//  * the codec: w_k = fl(s (c_k - z)) or fl(fl(s c_k) + m) differs from the
//    exact s (c_k - z) + m by at most 2u (|w_k| + |m|), times d |q_k|;
//  * ties: where x_k / d lies within 1e-4 of a half-integer the kernel's
//    fl(x_k * fl(1/d)) may round to the neighbouring code, changing the
//    result by |w_k - m| d;
//  * the double evaluation of the reference and underflow (negligible).
// The leaf magnitudes are bounded with the codes' range rather than the
// codes themselves, so the bound is looser than the float one (about
// 2^(bits+1) times), but still far below the activation rounding itself: a
// kernel that skipped or mis-scaled the activation quantization, or mixed
// up blocks, fails it.
//
//===----------------------------------------------------------------------===//

#include "Int8Reference.h"

#include "quant/formats/Codec.h"
#include "quant/formats/Half.h"

#include <cmath>
#include <cstring>

namespace quant::e2e {
namespace {

/// One activation row as the int8 strategy sees it.
struct QuantizedActivations {
  std::vector<double> step;    ///< d of each element's block
  std::vector<double> codes;   ///< q_k
  std::vector<bool> ambiguous; ///< x_k / d close to a rounding tie
};

QuantizedActivations quantizeActivations(const float *x, int64_t depth) {
  QuantizedActivations row;
  row.step.resize(size_t(depth));
  row.codes.resize(size_t(depth));
  row.ambiguous.resize(size_t(depth));
  for (int64_t k0 = 0; k0 < depth; k0 += kInt8ActivationBlock) {
    int64_t end = std::min(depth, k0 + kInt8ActivationBlock);
    float amax = 0;
    for (int64_t k = k0; k < end; ++k)
      amax = std::max(amax, std::fabs(x[k]));
    float d = amax / 127.0f; // as the kernel: one float32 division
    for (int64_t k = k0; k < end; ++k) {
      row.step[size_t(k)] = d;
      if (d == 0)
        continue;
      double t = double(x[k]) / double(d);
      row.codes[size_t(k)] = std::nearbyint(t);
      row.ambiguous[size_t(k)] =
          std::fabs(std::fabs(t - std::floor(t)) - 0.5) < 1e-4;
    }
  }
  return row;
}

} // namespace

Reference referenceInt8Matmul(const fmt::FormatSpec &format,
                              const MatmulCase &shape,
                              const std::vector<float> &activations,
                              const std::vector<uint8_t> &storage) {
  int64_t batches = shape.batch, rows = shape.rows, cols = shape.cols,
          depth = shape.depth;
  fmt::FormatSpec spec = format.resolvedFor(size_t(depth));
  int64_t blockSize = spec.blockSize;
  size_t rowBytes = spec.rowBytes(size_t(depth));
  std::vector<float> weights =
      decodeWeights(format, storage, shape.storageRows(), depth);
  double codeRange = double((1 << spec.bits) - 1);
  bool halfBlockGroups = fmt::blockValueGroupSize(spec) % 32 != 0;
  double roundingFactor =
      gamma((halfBlockGroups ? 6 * (depth / 32) : 6 * (depth / 64)) + 32,
            kFloatUnitRoundoff);
  double codecFactor = 2 * kFloatUnitRoundoff;
  double referenceFactor = gamma(2 * depth, kDoubleUnitRoundoff);

  Reference reference;
  reference.values.resize(size_t(batches * rows * cols));
  reference.bounds.resize(reference.values.size());
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t n = 0; n < rows; ++n) {
      const float *x = &activations[size_t((b * rows + n) * depth)];
      QuantizedActivations q = quantizeActivations(x, depth);
      for (int64_t m = 0; m < cols; ++m) {
        int64_t row = (shape.batchedWeights() ? b : 0) * cols + m;
        const float *w = &weights[size_t(row * depth)];
        const uint8_t *bytes = &storage[size_t(row) * rowBytes];
        double sum = 0, leaves = 0, codec = 0, ties = 0, magnitude = 0;
        for (int64_t k = 0; k < depth; ++k) {
          fmt::AffineParams block = fmt::blockAffineParams(
              spec, bytes + size_t(k / blockSize) * spec.blockBytes(),
              size_t(k % blockSize));
          double d = q.step[size_t(k)], code = q.codes[size_t(k)];
          double xq = d * code;
          double min = block.min;
          double wc = double(w[k]) - min; // s (c - z)
          sum += wc * xq + min * double(x[k]);
          magnitude += std::fabs(wc * xq) + std::fabs(min * x[k]);
          leaves += std::fabs(double(block.scale)) * d * std::fabs(code) *
                        (codeRange + std::abs(block.zero)) +
                    std::fabs(min * x[k]);
          codec += (std::fabs(w[k]) + std::fabs(min)) * std::fabs(xq);
          if (q.ambiguous[size_t(k)])
            ties += std::fabs(wc) * d;
        }
        size_t index = size_t((b * rows + n) * cols + m);
        reference.values[index] = sum;
        reference.bounds[index] =
            roundingFactor * leaves + codecFactor * codec + ties +
            referenceFactor * magnitude + double(depth) * 0x1.0p-140;
      }
    }
  return reference;
}

} // namespace quant::e2e
