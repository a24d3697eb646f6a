//===- MatmulProgram.h - generated matmul programs --------------*- C++ -*-===//
//
// The formats under test, the matmul cases every format is checked on, their
// random data (weights quantized by the reference codec) and the .mlir
// program that computes all cases of one format in one `@main`.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_E2E_MATMULPROGRAM_H
#define QUANT_TEST_E2E_MATMULPROGRAM_H

#include "quant/formats/Format.h"

#include <cstdint>
#include <string>
#include <vector>

namespace quant::e2e {

/// A format under test: how IR spells it and its spec for the codec.
struct TestFormat {
  /// A name usable in test names: the named format's name, or a short
  /// description of an inline one ("int3_g64_zp").
  std::string id;
  /// The attribute as written in IR: "#qt.q4_0", "#qt.int<...>".
  std::string attribute;
  fmt::FormatSpec spec;
};

/// Every named format (fmt::namedFormats()) followed by two inline research
/// formats: 3-bit codes in groups of 64 with an f16 scale and a zero point,
/// and a 16-entry codebook in groups of 32 with an f16 scale.
const std::vector<TestFormat> &testFormats();

/// The fused-kernel strategy a program is compiled with (quant-compile
/// --matmul-strategy): each has its own numerical contract and reference.
enum class Strategy {
  /// Blocks dequantized in registers, float32 FMAs: exact weights, float32
  /// rounding only (Reference.h).
  Float,
  /// Activations quantized to int8 per 32, integer dot products with the
  /// weight codes (Int8Reference.h).
  Int8,
};

/// "float" / "int8", as quant-compile spells it.
const char *strategyName(Strategy strategy);

/// True when quant-compile's int8 strategy handles `spec`: integer codes of
/// at most 8 bits under affine block parameters (fmt::hasAffineCodes: generic
/// layouts with a scale, the K-quants), in blocks of 32, of a multiple of 64,
/// or per row.
bool supportsInt8(const fmt::FormatSpec &spec);

/// The formats of testFormats() that support the int8 strategy.
std::vector<TestFormat> int8TestFormats();

/// How a case's contraction is written.
enum class MatmulForm {
  TransposedB, ///< linalg.matmul with the (n, k) map: y = x·Wᵀ, W [M, K].
  Plain,       ///< linalg.matmul: y = x·W, W [K, M] blocked along axis 0.
  Matvec,      ///< linalg.matvec: y = W·v, W [M, K].
  Vecmat,      ///< linalg.vecmat: y = v·W, W [K, M] blocked along axis 0.
  Batched,     ///< linalg.batch_matmul: x [B, N, K], W [B, K, M] axis 1.
  /// linalg.generic: x [B, N, K] times shared weights Wᵀ, W [M, K].
  BatchedShared,
};

/// One contraction of a format's program. Whatever the form, the weights'
/// storage is storageRows() rows of `depth` elements (the rows of Wᵀ, one
/// set per batch for batched weights).
struct MatmulCase {
  std::string name;
  MatmulForm form = MatmulForm::TransposedB;
  int64_t batch = 1; ///< B (Batched and BatchedShared only)
  int64_t rows = 1;  ///< N, activation rows (1 for matvec/vecmat)
  int64_t cols = 1;  ///< M, weight rows / output columns
  int64_t depth = 1; ///< K, the reduction (blocked) dimension
  /// Scales the random weights: 2^-18 makes f16 block scales subnormal.
  double weightScale = 1.0;

  std::vector<int64_t> activationShape() const;
  /// The logical shape of the (dequantized) weight tensor.
  std::vector<int64_t> weightShape() const;
  std::vector<int64_t> resultShape() const;
  /// True when every batch has its own weights.
  bool batchedWeights() const { return form == MatmulForm::Batched; }
  int64_t storageRows() const { return (batchedWeights() ? batch : 1) * cols; }
  /// "batched: linalg.batch_matmul x 2x3x512 W 2x512x13 axis 1".
  std::string describe() const;
};

/// The cases of `format`'s program for `strategy`, named as the tests that
/// check them (the int8 strategy needs K to be a multiple of 64).
std::vector<MatmulCase> matmulCases(const TestFormat &format,
                                    Strategy strategy);

/// A case with its random data.
struct CaseData {
  MatmulCase shape;
  /// Activations, `shape.activationShape()`, C order.
  std::vector<float> activations;
  /// The unquantized weights: storageRows() rows of depth elements.
  std::vector<float> weights;
  /// The weights quantized row by row by fmt::quantizeRow.
  std::vector<uint8_t> storage;
};

/// Random activations N(0, 1) and weights N(0, 1) times a per-block
/// magnitude 2^U(-2, 2), quantized to `format`; deterministic in `seed`.
CaseData makeCaseData(const TestFormat &format, const MatmulCase &shape,
                      uint64_t seed);

/// `rows` rows of `depth` weights quantized row by row to `spec`.
std::vector<uint8_t> quantizeWeights(const fmt::FormatSpec &spec,
                                     const std::vector<float> &weights,
                                     int64_t rows, int64_t depth);

/// Decodes `rows` rows of `depth` elements stored in `spec`.
std::vector<float> decodeWeights(const fmt::FormatSpec &spec,
                                 const std::vector<uint8_t> &storage,
                                 int64_t rows, int64_t depth);

/// A program whose `@main(%x0, %x1, ...)` returns one result per case, in
/// order, each computed from a `qt.constant` weight in a resource blob.
std::string matmulProgram(const TestFormat &format,
                          const std::vector<CaseData> &cases);

/// `!qt.tensor<...>` of `shape` in `format`, blocked along `axis` (-1: the
/// last, which is not printed).
std::string quantTensorType(const std::string &attribute,
                            const std::vector<int64_t> &shape, int axis = -1);

/// A dense_resource blob value: "0x01000000" (alignment 1) + hex of `bytes`.
std::string resourceBlob(const std::vector<uint8_t> &bytes);

} // namespace quant::e2e

#endif // QUANT_TEST_E2E_MATMULPROGRAM_H
