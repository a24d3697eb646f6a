//===- Int8Reference.h - reference of the int8 strategy ---------*- C++ -*-===//
//
// The int8 strategy quantizes activations to int8 before the dot products,
// so its result is not the float one: this computes what it should be and
// the float32 rounding bound around it. Derivation in Int8Reference.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_E2E_INT8REFERENCE_H
#define QUANT_TEST_E2E_INT8REFERENCE_H

#include "MatmulProgram.h"
#include "Reference.h"

namespace quant::e2e {

/// Activations per int8 scale in the int8 strategy.
constexpr int64_t kInt8ActivationBlock = 32;

/// The int8 strategy's result for weights `storage` in `spec` (which
/// supportsInt8): y = sum_k (w_k - m) * d q_k + m * x_k with the activations
/// quantized per 32 as q = round(x / d), d = fl(amax / 127), w_k the decoded
/// weights and m their block's minimum (0 without one); with its bound.
Reference referenceInt8Matmul(const fmt::FormatSpec &spec,
                              const MatmulCase &shape,
                              const std::vector<float> &activations,
                              const std::vector<uint8_t> &storage);

} // namespace quant::e2e

#endif // QUANT_TEST_E2E_INT8REFERENCE_H
