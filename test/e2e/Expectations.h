//===- Expectations.h - GoogleTest checks against a reference -----*- C++ -*-===//

#ifndef QUANT_TEST_E2E_EXPECTATIONS_H
#define QUANT_TEST_E2E_EXPECTATIONS_H

#include "Reference.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace quant::e2e {

/// Expects every element of `output` within its reference bound, and records
/// how close the worst element came (see --gtest_output=xml).
inline void expectWithinReference(const std::vector<float> &output,
                                  const Reference &reference) {
  ASSERT_EQ(output.size(), reference.values.size());
  Comparison comparison = compareToReference(output, reference);
  ::testing::Test::RecordProperty("worst_error_over_bound",
                                  std::to_string(comparison.worstRatio));
  EXPECT_EQ(comparison.violations, 0u)
      << comparison.violations << " of " << output.size()
      << " elements outside the bound (worst |diff|/bound "
      << comparison.worstRatio << "):\n"
      << comparison.report;
}

} // namespace quant::e2e

#endif // QUANT_TEST_E2E_EXPECTATIONS_H
