//===- ErrorStats.h - Error of one tensor against another -------*- C++ -*-===//
//
// Accumulates, over streamed chunks of a reference tensor A and an
// approximation B, the sums behind the relative error ||B-A||_2 / ||A||_2,
// the SQNR 10 log10(sum a^2 / sum (b-a)^2) and the largest |b-a|; and the
// element-weighted combination of several tensors' results.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TOOLS_QUANT_GGUF_ERRORSTATS_H
#define QUANT_TOOLS_QUANT_GGUF_ERRORSTATS_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace quant::tool {

/// The error of B against A over the elements added so far.
struct ErrorStats {
  /// Pairs added with both values finite.
  uint64_t count = 0;
  /// Pairs skipped because a or b is NaN or infinite (and a, b are not the
  /// same infinity).
  uint64_t nonFinite = 0;
  /// sum a^2 (signal) and sum (b - a)^2 (noise), in double.
  double signal = 0;
  double noise = 0;
  double maxAbsError = 0;

  /// Adds n pairs (a[i], b[i]).
  void add(const float *a, const float *b, size_t n);
  /// Adds the pairs `other` has seen.
  void merge(const ErrorStats &other);

  /// noise / signal: 0 when B equals A, +inf when A is all zero and B is not.
  double noiseToSignal() const;
  /// sqrt(noise / signal): 0 when B equals A, +inf when A is all zero and B
  /// is not.
  double relativeError() const;
  /// 10 log10(signal / noise) in dB: +inf when B equals A, -inf when A is
  /// all zero and B is not.
  double sqnrDb() const;
};

/// Several tensors' results, each weighted by its element count: the
/// overall noise-to-signal ratio is sum n_i NSR_i / sum n_i, so every
/// tensor's error counts relative to its own magnitude.
struct OverallStats {
  uint64_t tensors = 0;
  uint64_t elements = 0;
  double weightedNoiseToSignal = 0;
  double maxAbsError = 0;

  void add(const ErrorStats &t);
  double noiseToSignal() const;
  /// -10 log10(noiseToSignal()): +inf when every tensor is identical.
  double sqnrDb() const;
  /// sqrt(noiseToSignal()).
  double relativeError() const;
};

/// "inf", "-inf", "nan" or the value with `decimals` fixed decimals.
std::string formatDb(double db, int decimals = 2);
/// "inf", "nan" or the value in %.3e style.
std::string formatScientific(double v);

} // namespace quant::tool

#endif // QUANT_TOOLS_QUANT_GGUF_ERRORSTATS_H
