//===- Gptq.h - GPTQ for every format of the format library ------*- C++
//-*-===//
//
// GPTQ (Frantar et al., 2022) for one weight matrix W [rows x cols] given
// H = Σ x xᵀ of its calibration inputs. Rows are independent; per row, in a
// processing order of the columns:
//
//   q_j   = the value nearest to w_j that element j can take in its block
//   err   = (w_j - q_j) / U[j][j]
//   w_k  -= err * U[j][k]             for the later columns k
//
// with U the upper Cholesky factor of (H + λI)⁻¹, λ = damp * mean(diag H),
// and lazy batch updates: the error is propagated at once only inside a
// batch of about 128 columns, to the rest once per batch.
//
// Format genericity: every block of the format gets its header (scale,
// min/zero point, K-quant super-block and sub-block scales, E8M0 exponent,
// ...) from the format's own encoder (fmt::quantizeBlock) applied to the
// block's *current* weights when the processing order enters the block, i.e.
// after the error feedback of all earlier columns. Each element is then
// committed to the nearest value representable with that fixed header
// (fmt::blockElementValues enumerates the values of every code with the
// decoder's arithmetic; fmt::setBlockElementCode stores the chosen code), so
// codebooks (NF4, IQ4_NL), minifloats (MXFP4, FP8), 3-bit and K-quant
// layouts all work, and the bytes decode exactly to the committed values.
//
// Act-order: columns are processed by descending diag H, restricted so that
// every block of the format stays contiguous in the processing order (its
// header must be computed before any of its elements is committed, from
// weights that all received the same earlier updates): blocks are ordered by
// the largest diag H of their columns, and the columns inside a block by
// descending diag H. For per-row formats (one block per row, e.g. int8_pc)
// this is GPTQ's full act-order. Lazy batches consist of whole blocks.
//
// Dead columns (diag H = 0: the input channel was always 0) get H_jj = 1
// (as in the reference implementation) before damping but keep their
// weights (the reference zeroes them); they are rounded to the nearest
// representable value and, decoupled in H, propagate no error.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_PTQ_GPTQ_H
#define QUANT_PTQ_GPTQ_H

#include "quant/formats/Format.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace quant::ptq {

struct GptqOptions {
  /// Damping relative to the mean of diag H (GPTQ's percdamp).
  double damp = 0.01;
  /// Process columns by descending diag H (block-contiguous, see above).
  bool actOrder = true;
  /// Columns per lazy batch (rounded up to whole blocks of the format).
  size_t lazyBatch = 128;
  /// Threads over rows (0: the hardware's thread count).
  unsigned threads = 0;
};

struct GptqReport {
  /// The damping used: options.damp, multiplied by 10 for each retry when
  /// H + λI was not numerically positive definite.
  double damp = 0;
  unsigned dampRetries = 0;
  /// Columns with diag H = 0.
  size_t deadColumns = 0;
};

/// Quantizes `w` (rows x cols floats, row-major; row r is the GGUF row r)
/// into rows * spec.rowBytes(cols) bytes at `out` with GPTQ against
/// `hessian` (cols x cols, row-major, symmetric positive semi-definite, any
/// positive scale, e.g. Σ x xᵀ). When `committed` is given it receives the
/// rows x cols values the algorithm committed to, which are exactly what
/// fmt::dequantizeRow decodes from `out`. Returns "" on success, else a
/// one-line error (bad row length for the format, a non-finite H or w, a
/// Hessian that stays indefinite after damping).
std::string gptqQuantize(const fmt::FormatSpec &spec, const float *w,
                         size_t rows, size_t cols, const double *hessian,
                         const GptqOptions &options, uint8_t *out,
                         float *committed = nullptr,
                         GptqReport *report = nullptr);

} // namespace quant::ptq

#endif // QUANT_PTQ_GPTQ_H
