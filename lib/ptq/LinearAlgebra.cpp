//===- LinearAlgebra.cpp - Cholesky factors for GPTQ ----------------------===//
//
// Dense row-major double matrices. The Cholesky factorisation is the
// dot-product (Cholesky–Crout) form: row i of L needs rows 0..i of L, and the
// entries of one column below the diagonal are independent, so they are
// split across threads. Triangular inversion works column by column
// (independent columns, split across threads).
//
//===----------------------------------------------------------------------===//

#include "PtqInternal.h"

#include <cmath>

namespace quant::ptq::detail {

namespace {

double dot(const double *a, const double *b, size_t n) {
  // Four partial sums: shorter dependency chains, deterministic order.
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    s0 += a[k] * b[k];
    s1 += a[k + 1] * b[k + 1];
    s2 += a[k + 2] * b[k + 2];
    s3 += a[k + 3] * b[k + 3];
  }
  for (; k < n; ++k)
    s0 += a[k] * b[k];
  return (s0 + s1) + (s2 + s3);
}

} // namespace

bool choleskyLower(std::vector<double> &a, size_t n, unsigned threads) {
  for (size_t j = 0; j < n; ++j) {
    double *rj = a.data() + j * n;
    const double d = rj[j] - dot(rj, rj, j);
    if (!(d > 0) || !std::isfinite(d))
      return false;
    const double ljj = std::sqrt(d);
    rj[j] = ljj;
    // Column j below the diagonal: L[i][j] = (A[i][j] - L[i][:j].L[j][:j]) /
    // L[j][j]; rows i > j are independent.
    const size_t below = n - j - 1;
    parallelFor(below, threads, 64, [&](size_t b, size_t e) {
      for (size_t t = b; t < e; ++t) {
        double *ri = a.data() + (j + 1 + t) * n;
        ri[j] = (ri[j] - dot(ri, rj, j)) / ljj;
      }
    });
  }
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j)
      a[i * n + j] = 0;
  return true;
}

bool upperCholeskyOfInverse(const std::vector<double> &h, size_t n,
                            std::vector<double> &u, unsigned threads) {
  // A = J H J (reversed rows and columns).
  std::vector<double> l(n * n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j <= i; ++j)
      l[i * n + j] = h[(n - 1 - i) * n + (n - 1 - j)];
  if (!choleskyLower(l, n, threads))
    return false;
  // M = L⁻¹ (lower), column by column: M[j][j] = 1 / L[j][j],
  // M[i][j] = -(sum_{k=j}^{i-1} L[i][k] M[k][j]) / L[i][i]. Kept transposed
  // (mt[j][i] = M[i][j]) so that each column is a contiguous row.
  std::vector<double> mt(n * n, 0.0);
  parallelFor(n, threads, 16, [&](size_t b, size_t e) {
    for (size_t j = b; j < e; ++j) {
      double *col = mt.data() + j * n;
      col[j] = 1.0 / l[j * n + j];
      for (size_t i = j + 1; i < n; ++i) {
        const double *li = l.data() + i * n;
        col[i] = -dot(li + j, col + j, i - j) / li[i];
      }
    }
  });
  // U = J M J: U[i][j] = M[n-1-i][n-1-j] = mt[n-1-j][n-1-i].
  u.assign(n * n, 0.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i; j < n; ++j)
      u[i * n + j] = mt[(n - 1 - j) * n + (n - 1 - i)];
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(u[i * n + i]) || !(u[i * n + i] > 0))
      return false;
  return true;
}

} // namespace quant::ptq::detail
