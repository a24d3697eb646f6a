//===- NamedSpec.h - named formats in the format tests ------------*- C++ -*-===//

#ifndef QUANT_TEST_UNIT_FORMATS_NAMEDSPEC_H
#define QUANT_TEST_UNIT_FORMATS_NAMEDSPEC_H

#include "quant/formats/Format.h"

#include <gtest/gtest.h>

namespace quant::fmt::test {

/// The named format `name`; a test failure (and a crash on use) if there is
/// none.
inline const FormatSpec &namedSpec(const char *name) {
  const FormatSpec *spec = lookupNamedFormat(name);
  EXPECT_NE(spec, nullptr) << name;
  return *spec;
}

} // namespace quant::fmt::test

#endif // QUANT_TEST_UNIT_FORMATS_NAMEDSPEC_H
