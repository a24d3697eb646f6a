//===- PtqInternal.h - Helpers shared by the PTQ sources ---------*- C++
//-*-===//
//
// Private to lib/ptq: a minimal parallel loop, dense linear algebra on
// row-major double matrices (Cholesky, the upper Cholesky factor of an
// inverse), and the deterministic random generator of the calibration
// reservoir.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_LIB_PTQ_PTQINTERNAL_H
#define QUANT_LIB_PTQ_PTQINTERNAL_H

#include "quant/models/Mixing.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace quant::ptq::detail {

/// The thread count to use: `requested`, or the hardware's when 0.
inline unsigned threadCount(unsigned requested) {
  if (requested)
    return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

/// Runs body(begin, end) over [0, n) in up to `threads` contiguous chunks of
/// at least `grain` items, on separate threads (the calling thread runs the
/// first chunk). `body` must not throw.
template <typename Fn>
void parallelFor(size_t n, unsigned threads, size_t grain, Fn body) {
  if (n == 0)
    return;
  size_t chunks = std::min<size_t>(std::max(1u, threads),
                                   (n + std::max<size_t>(grain, 1) - 1) /
                                       std::max<size_t>(grain, 1));
  if (chunks <= 1) {
    body(size_t(0), n);
    return;
  }
  const size_t chunk = (n + chunks - 1) / chunks;
  std::vector<std::thread> pool;
  for (size_t c = 1; c < chunks; ++c) {
    const size_t begin = c * chunk, end = std::min(n, begin + chunk);
    if (begin < end)
      pool.emplace_back([=] { body(begin, end); });
  }
  body(size_t(0), std::min(n, chunk));
  for (std::thread &t : pool)
    t.join();
}

/// In place: the lower Cholesky factor L of the symmetric positive definite
/// n x n matrix `a` (row-major; only the lower triangle is read), a = L Lᵀ,
/// with the strict upper triangle set to 0. Returns false when a pivot is
/// not positive (the matrix is then garbage).
bool choleskyLower(std::vector<double> &a, size_t n, unsigned threads);

/// The upper triangular U with H⁻¹ = Uᵀ U (the upper Cholesky factor of the
/// inverse) of the symmetric positive definite n x n `h`, computed without
/// forming H⁻¹: with J the reversal permutation, J H J = L Lᵀ gives
/// U = J L⁻¹ J. Returns false when `h` is not numerically positive definite.
bool upperCholeskyOfInverse(const std::vector<double> &h, size_t n,
                            std::vector<double> &u, unsigned threads);

/// SplitMix64: a small, fully specified generator (same sequence on every
/// platform).
struct SplitMix64 {
  uint64_t state;
  explicit SplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next() { return models::splitmix64(state); }
  /// Uniform in [0, bound), bound > 0 (rejection sampling, no modulo bias).
  uint64_t below(uint64_t bound) {
    const uint64_t limit = ~uint64_t(0) - (~uint64_t(0) % bound);
    uint64_t v;
    do
      v = next();
    while (v >= limit);
    return v % bound;
  }
};

/// FNV-1a of a string (stable across platforms, unlike std::hash).
inline uint64_t fnv1a(const std::string &s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

} // namespace quant::ptq::detail

#endif // QUANT_LIB_PTQ_PTQINTERNAL_H
