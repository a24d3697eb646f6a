//===- Reference.h - float reference and its tolerance ----------*- C++ -*-===//
//
// The expected result of a matmul case and the rounding-error bound a
// float32 kernel must meet. See Reference.cpp for the derivation.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_E2E_REFERENCE_H
#define QUANT_TEST_E2E_REFERENCE_H

#include "MatmulProgram.h"

#include <cstdint>
#include <string>
#include <vector>

namespace quant::e2e {

/// The unit roundoff of float32 (round to nearest): 2^-24.
constexpr double kFloatUnitRoundoff = 0x1.0p-24;
/// The unit roundoff of double: 2^-53.
constexpr double kDoubleUnitRoundoff = 0x1.0p-53;

/// gamma_n = n u / (1 - n u), the classic bound factor of n roundings.
double gamma(int64_t n, double unitRoundoff);

/// Expected values of a case's output and the per-element tolerance.
struct Reference {
  std::vector<double> values;
  std::vector<double> bounds;
};

/// y[b, n, m] = sum_k x[b, n, k] * W[b*M + m, k] (W[m, k] for shared
/// weights) in double, where W holds the case's storage rows (`weights`:
/// storageRows() x depth floats), with the tolerance a float32 evaluation in
/// any order must meet.
Reference referenceMatmul(const MatmulCase &shape,
                          const std::vector<float> &activations,
                          const std::vector<float> &weights);

/// How well an output meets a reference.
struct Comparison {
  /// Elements with |y - ref| > bound (NaN counts as a violation).
  size_t violations = 0;
  /// max |y - ref| / bound over the elements, and where.
  double worstRatio = 0;
  size_t worstIndex = 0;
  /// A few lines describing the worst elements, for failure messages.
  std::string report;
};

Comparison compareToReference(const std::vector<float> &output,
                              const Reference &reference);

} // namespace quant::e2e

#endif // QUANT_TEST_E2E_REFERENCE_H
