//===- Reference.cpp - double-precision reference and its tolerance -------===//
//
// Why the tolerance is what it is.
//
// The kernel decodes each weight block in registers with the same float32
// operations, in the same order, as fmt::dequantizeRow (QuantDequantEmitter
// Tests check this bit for bit), so the weights w_k it multiplies are exactly
// the floats the reference decodes from the same bytes, and the activations
// x_k are exactly the floats in the .npy input. The only error left is that
// of evaluating the inner product s = sum_{k=1..K} x_k w_k in float32.
//
// Write fl(a op b) = (a op b)(1 + d) with |d| <= u = 2^-24 (round to nearest,
// no underflow). Whatever the order of the additions (the kernel sums lanes
// with vector FMAs, then reduces the lanes as a tree or in sequence), each
// product x_k w_k reaches the final sum through at most K roundings: one for
// the product (none when an FMA fuses it with an addition) and one per
// addition on its path, of which there are at most K - 1. A product of at
// most K factors (1 + d_i) lies within 1 +- gamma_K with
//   gamma_n = n u / (1 - n u)    (Higham, Accuracy and Stability of
//                                  Numerical Algorithms, Lemma 3.1)
// hence (Higham, eq. 3.5, valid for any evaluation order)
//   |fl(s) - s| <= gamma_K * sum_k |x_k w_k|.
// Underflow adds at most 2^-150 per product (gradual underflow; additions of
// subnormals are exact), i.e. K * 2^-150 in all.
//
// The reference itself is computed in double: each x_k w_k is exact (24 + 24
// significant bits fit in 53) and the double summation adds at most
// gamma_K(2^-53) * sum |x_k w_k|, which the bound includes too. So, per
// output element,
//   |y - y_ref| <= (gamma_K(2^-24) + gamma_K(2^-53)) * sum_k |x_k w_k|
//                  + K * 2^-149,
// a rigorous bound: any violation is a wrong result, not noise. It is tight
// enough (about K * 6e-8 relative to sum |x_k w_k|) that decoding with any
// other format, or a weight off by one code, violates it.
//
//===----------------------------------------------------------------------===//

#include "Reference.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace quant::e2e {

double gamma(int64_t n, double unitRoundoff) {
  double nu = double(n) * unitRoundoff;
  return nu / (1.0 - nu);
}

Reference referenceMatmul(const MatmulCase &shape,
                          const std::vector<float> &activations,
                          const std::vector<float> &weights) {
  int64_t batches = shape.batch, rows = shape.rows, cols = shape.cols,
          depth = shape.depth;
  double factor =
      gamma(depth, kFloatUnitRoundoff) + gamma(depth, kDoubleUnitRoundoff);
  double underflow = double(depth) * 0x1.0p-149;
  Reference reference;
  reference.values.resize(size_t(batches * rows * cols));
  reference.bounds.resize(reference.values.size());
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t n = 0; n < rows; ++n)
      for (int64_t m = 0; m < cols; ++m) {
        const float *x = &activations[size_t((b * rows + n) * depth)];
        int64_t weightSet = shape.batchedWeights() ? b : 0;
        const float *w = &weights[size_t((weightSet * cols + m) * depth)];
        double sum = 0, magnitude = 0;
        for (int64_t k = 0; k < depth; ++k) {
          double product = double(x[k]) * double(w[k]);
          sum += product;
          magnitude += std::fabs(product);
        }
        size_t index = size_t((b * rows + n) * cols + m);
        reference.values[index] = sum;
        reference.bounds[index] = factor * magnitude + underflow;
      }
  return reference;
}

Comparison compareToReference(const std::vector<float> &output,
                              const Reference &reference) {
  Comparison result;
  std::vector<std::pair<double, size_t>> bad;
  for (size_t i = 0; i < output.size() && i < reference.values.size(); ++i) {
    double error = std::fabs(double(output[i]) - reference.values[i]);
    double ratio = error / reference.bounds[i];
    if (std::isnan(ratio))
      ratio = INFINITY;
    if (ratio > result.worstRatio) {
      result.worstRatio = ratio;
      result.worstIndex = i;
    }
    if (ratio > 1) {
      ++result.violations;
      bad.push_back({ratio, i});
    }
  }
  std::sort(bad.begin(), bad.end(), [](auto &a, auto &b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  for (size_t j = 0; j < bad.size() && j < 5; ++j) {
    size_t i = bad[j].second;
    char line[200];
    std::snprintf(line, sizeof(line),
                  "  [%zu] got %.9g, expected %.9g (|diff| %.3g, bound %.3g)\n",
                  i, double(output[i]), reference.values[i],
                  std::fabs(double(output[i]) - reference.values[i]),
                  reference.bounds[i]);
    result.report += line;
  }
  return result;
}

} // namespace quant::e2e
