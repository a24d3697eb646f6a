//===- MatmulProgram.cpp - generated matmul programs for e2e tests --------===//

#include "MatmulProgram.h"
#include "E2EUtil.h"

#include "quant/formats/Codec.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace quant::e2e {

//===----------------------------------------------------------------------===//
// Formats
//===----------------------------------------------------------------------===//

/// 3-bit unsigned codes, groups of 64, f16 scale and a u8 zero point.
static TestFormat int3ZeroPointFormat() {
  TestFormat format;
  format.id = "int3_g64_zp";
  format.attribute = "#qt.int<bits = 3, block = 64, scale = f16, zero_point>";
  fmt::FormatSpec &spec = format.spec;
  spec.bits = 3;
  spec.blockSize = 64;
  spec.scaleType = fmt::ScaleType::F16;
  spec.codeKind = fmt::CodeKind::UInt;
  spec.offset = fmt::OffsetKind::ZeroPoint;
  spec.packing = fmt::Packing::Linear;
  return format;
}

/// A 16-entry codebook, groups of 32, f16 scale. The table is asymmetric,
/// non-uniform and deliberately not sorted, as a learned table may be; its
/// entries are exact binary fractions, so the IR spelling is exact.
static TestFormat codebookFormat() {
  static const float values[16] = {0.0f,      -1.0f,      0.0625f,  -0.75f,
                                   0.140625f, -0.5625f,   0.21875f, -0.4375f,
                                   0.3125f,   -0.328125f, 0.4375f,  -0.234375f,
                                   0.625f,    -0.15625f,  0.875f,   -0.078125f};
  TestFormat format;
  format.id = "codebook4_g32";
  fmt::FormatSpec &spec = format.spec;
  spec.bits = 4;
  spec.blockSize = 32;
  spec.scaleType = fmt::ScaleType::F16;
  spec.codeKind = fmt::CodeKind::Codebook;
  spec.packing = fmt::Packing::Linear;
  spec.codebook.assign(values, values + 16);
  std::string list;
  for (float v : values) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.9g", double(v));
    std::string value = text;
    // MLIR reads "1" as an integer: float literals need a dot or exponent.
    if (value.find_first_of(".e") == std::string::npos)
      value += ".0";
    list += (list.empty() ? "" : ", ") + value;
  }
  format.attribute =
      "#qt.codebook<bits = 4, block = 32, scale = f16, values = [" + list +
      "]>";
  return format;
}

const std::vector<TestFormat> &testFormats() {
  static const std::vector<TestFormat> formats = [] {
    std::vector<TestFormat> list;
    for (const fmt::FormatSpec &spec : fmt::namedFormats())
      list.push_back({spec.name, "#qt." + spec.name, spec});
    list.push_back(int3ZeroPointFormat());
    list.push_back(codebookFormat());
    for ([[maybe_unused]] const TestFormat &format : list)
      assert(format.spec.validate().empty() && "invalid test format");
    return list;
  }();
  return formats;
}

const char *strategyName(Strategy strategy) {
  return strategy == Strategy::Int8 ? "int8" : "float";
}

bool supportsInt8(const fmt::FormatSpec &spec) {
  return fmt::hasAffineCodes(spec) && spec.bits <= 8 &&
         (spec.blockSize == 0 || spec.blockSize == 32 ||
          spec.blockSize % 64 == 0);
}

std::vector<TestFormat> int8TestFormats() {
  std::vector<TestFormat> formats;
  for (const TestFormat &format : testFormats())
    if (supportsInt8(format.spec))
      formats.push_back(format);
  return formats;
}

//===----------------------------------------------------------------------===//
// Cases
//===----------------------------------------------------------------------===//

std::vector<int64_t> MatmulCase::activationShape() const {
  switch (form) {
  case MatmulForm::Matvec:
  case MatmulForm::Vecmat:
    return {depth};
  case MatmulForm::Batched:
  case MatmulForm::BatchedShared:
    return {batch, rows, depth};
  default:
    return {rows, depth};
  }
}

std::vector<int64_t> MatmulCase::weightShape() const {
  switch (form) {
  case MatmulForm::TransposedB:
  case MatmulForm::Matvec:
  case MatmulForm::BatchedShared:
    return {cols, depth};
  case MatmulForm::Plain:
  case MatmulForm::Vecmat:
    return {depth, cols};
  case MatmulForm::Batched:
    return {batch, depth, cols};
  }
  return {};
}

std::vector<int64_t> MatmulCase::resultShape() const {
  switch (form) {
  case MatmulForm::Matvec:
  case MatmulForm::Vecmat:
    return {cols};
  case MatmulForm::Batched:
  case MatmulForm::BatchedShared:
    return {batch, rows, cols};
  default:
    return {rows, cols};
  }
}

static const char *formName(MatmulForm form) {
  switch (form) {
  case MatmulForm::TransposedB:
    return "linalg.matmul (n, k) weights";
  case MatmulForm::Plain:
    return "linalg.matmul";
  case MatmulForm::Matvec:
    return "linalg.matvec";
  case MatmulForm::Vecmat:
    return "linalg.vecmat";
  case MatmulForm::Batched:
    return "linalg.batch_matmul";
  case MatmulForm::BatchedShared:
    return "linalg.generic (b, n, k) x (m, k)";
  }
  return "?";
}

/// The blocked axis of the weights; -1 for the last.
static int weightAxis(MatmulForm form) {
  switch (form) {
  case MatmulForm::Plain:
  case MatmulForm::Vecmat:
    return 0;
  case MatmulForm::Batched:
    return 1;
  default:
    return -1;
  }
}

std::string MatmulCase::describe() const {
  std::string text = name + ": " + formName(form) + ", x " +
                     shapeString(activationShape()) + ", W " +
                     shapeString(weightShape());
  if (int axis = weightAxis(form); axis >= 0)
    text += " axis " + std::to_string(axis);
  text += " -> y " + shapeString(resultShape());
  if (weightScale != 1.0) {
    char scale[64];
    std::snprintf(scale, sizeof(scale), ", weights scaled by %g", weightScale);
    text += scale;
  }
  return text;
}

std::vector<MatmulCase> matmulCases(const TestFormat &format,
                                    Strategy strategy) {
  // K: several blocks (the smallest multiple of the block size >= 160, and
  // at least two blocks: 512 for the K-quants); a per-row format gets 96,
  // which the float kernel decodes in 32-element chunks. A second depth: a
  // single block, or a per-row length that is not a multiple of the chunk
  // (decoded as one whole-row block). The int8 kernel works on 64 codes at a
  // time, so its K are multiples of 64 too.
  int64_t block = format.spec.blockSize;
  int64_t unit = block == 0 ? 1 : block;
  if (strategy == Strategy::Int8)
    unit = unit <= 64 ? 64 : unit; // supportsInt8: 64 divides larger blocks
  int64_t depth = std::max<int64_t>((160 + unit - 1) / unit, 2) * unit;
  int64_t shortDepth = unit;
  if (block == 0 && strategy == Strategy::Float) {
    depth = 96;
    shortDepth = 40;
  }
  using F = MatmulForm;
  return {
      {"decode", F::TransposedB, 1, 1, 13, depth},
      {"small_n", F::TransposedB, 1, 3, 16, depth},
      {"tail_n_m", F::TransposedB, 1, 7, 37, depth},
      {"full_tiles", F::TransposedB, 1, 8, 64, depth},
      // Enough activation rows for the int8 kernel's packed panels: two
      // panels of 16 weight rows and 5 rows left to the per-row path, and
      // two 8-row tiles with 3 rows left over.
      {"panels", F::TransposedB, 1, 19, 37, depth},
      // Whole panels (the int8 strategy packs these constant weights for
      // the formats with a panel layout) against more than one 8-row tile,
      // so packed super-blocks decode their parameters before the tiles.
      {"packed_tiles", F::TransposedB, 1, 19, 32, depth},
      {"plain", F::Plain, 1, 5, 13, depth},
      {"matvec", F::Matvec, 1, 1, 37, depth},
      {"vecmat", F::Vecmat, 1, 1, 13, depth},
      {"batched", F::Batched, 2, 5, 13, depth},
      {"batched_shared", F::BatchedShared, 2, 6, 13, depth},
      {"short_k", F::TransposedB, 1, 2, 5, shortDepth},
      {"tiny_weights", F::TransposedB, 1, 3, 8, depth, 0x1.0p-18},
  };
}

//===----------------------------------------------------------------------===//
// Data
//===----------------------------------------------------------------------===//

CaseData makeCaseData(const TestFormat &format, const MatmulCase &shape,
                      uint64_t seed) {
  Rng rng(seed);
  CaseData data;
  data.shape = shape;
  int64_t activations = 1;
  for (int64_t dim : shape.activationShape())
    activations *= dim;
  data.activations.resize(size_t(activations));
  for (float &x : data.activations)
    x = float(rng.normal());

  // Blocks of different magnitudes exercise different scales (and, for the
  // K-quants, different sub-block scales within a super-block).
  int64_t rows = shape.storageRows(), depth = shape.depth;
  int64_t group = format.spec.blockSize ? 32 : depth;
  data.weights.resize(size_t(rows * depth));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k0 = 0; k0 < depth; k0 += group) {
      double magnitude =
          shape.weightScale * std::exp2(4.0 * rng.uniform() - 2.0);
      for (int64_t k = k0; k < std::min(depth, k0 + group); ++k)
        data.weights[size_t(r * depth + k)] = float(rng.normal() * magnitude);
    }

  data.storage = quantizeWeights(format.spec, data.weights, rows, depth);
  return data;
}

std::vector<float> decodeWeights(const fmt::FormatSpec &spec,
                                 const std::vector<uint8_t> &storage,
                                 int64_t rows, int64_t depth) {
  size_t rowBytes = spec.rowBytes(size_t(depth));
  std::vector<float> decoded(size_t(rows * depth));
  for (int64_t r = 0; r < rows; ++r)
    fmt::dequantizeRow(spec, &storage[size_t(r) * rowBytes], size_t(depth),
                       &decoded[size_t(r * depth)]);
  return decoded;
}

std::vector<uint8_t> quantizeWeights(const fmt::FormatSpec &spec,
                                     const std::vector<float> &weights,
                                     int64_t rows, int64_t depth) {
  size_t rowBytes = spec.rowBytes(size_t(depth));
  std::vector<uint8_t> storage(size_t(rows) * rowBytes);
  for (int64_t r = 0; r < rows; ++r)
    fmt::quantizeRow(spec, &weights[size_t(r * depth)], size_t(depth),
                     &storage[size_t(r) * rowBytes]);
  return storage;
}

//===----------------------------------------------------------------------===//
// Program text
//===----------------------------------------------------------------------===//

static std::string floatTensorType(const std::vector<int64_t> &shape) {
  return "tensor<" + shapeString(shape) + "xf32>";
}

std::string quantTensorType(const std::string &attribute,
                            const std::vector<int64_t> &shape, int axis) {
  std::string type = "!qt.tensor<" + shapeString(shape) + "x" + attribute;
  if (axis >= 0)
    type += ", axis = " + std::to_string(axis);
  return type + ">";
}

std::string resourceBlob(const std::vector<uint8_t> &bytes) {
  static const char digits[] = "0123456789ABCDEF";
  std::string text = "0x01000000";
  text.reserve(text.size() + 2 * bytes.size());
  for (uint8_t byte : bytes) {
    text += digits[byte >> 4];
    text += digits[byte & 15];
  }
  return text;
}

/// The ops computing case `i` into `%y<i>`.
static std::string caseOps(const TestFormat &format, const CaseData &data,
                           size_t i) {
  const MatmulCase &c = data.shape;
  std::string n = std::to_string(i);
  std::string qType =
      quantTensorType(format.attribute, c.weightShape(), weightAxis(c.form));
  std::string wType = floatTensorType(c.weightShape());
  std::string xType = floatTensorType(c.activationShape());
  std::string yType = floatTensorType(c.resultShape());
  std::string text;
  text += "  %w" + n + " = qt.constant dense_resource<w" + n + "> : tensor<" +
          std::to_string(data.storage.size()) + "xi8> -> " + qType + "\n";
  text += "  %d" + n + " = qt.dequantize %w" + n + " : " + qType + " -> " +
          wType + "\n";
  // Both zero accumulators the folding recognizes: a constant and a fill.
  if (i % 2 == 0) {
    text += "  %z" + n + " = arith.constant dense<0.0> : " + yType + "\n";
  } else {
    text += "  %e" + n + " = tensor.empty() : " + yType + "\n";
    text += "  %z" + n + " = linalg.fill ins(%zero : f32) outs(%e" + n + " : " +
            yType + ") -> " + yType + "\n";
  }
  std::string x = "%x" + n, w = "%d" + n;
  std::string op, ins;
  switch (c.form) {
  case MatmulForm::TransposedB:
    op = "linalg.matmul indexing_maps = [#mk, #nk, #mn]";
    ins = x + ", " + w + " : " + xType + ", " + wType;
    break;
  case MatmulForm::Plain:
    op = "linalg.matmul";
    ins = x + ", " + w + " : " + xType + ", " + wType;
    break;
  case MatmulForm::Matvec:
    op = "linalg.matvec";
    ins = w + ", " + x + " : " + wType + ", " + xType;
    break;
  case MatmulForm::Vecmat:
    op = "linalg.vecmat";
    ins = x + ", " + w + " : " + xType + ", " + wType;
    break;
  case MatmulForm::Batched:
    op = "linalg.batch_matmul";
    ins = x + ", " + w + " : " + xType + ", " + wType;
    break;
  case MatmulForm::BatchedShared:
    op = "linalg.generic {indexing_maps = [#bnk, #mk4, #bnm], "
         "iterator_types = [\"parallel\", \"parallel\", \"parallel\", "
         "\"reduction\"]}";
    ins = x + ", " + w + " : " + xType + ", " + wType;
    break;
  }
  text += "  %y" + n + " = " + op + "\n      ins(" + ins + ")\n      outs(%z" +
          n + " : " + yType + ")";
  if (c.form == MatmulForm::BatchedShared)
    text += " {\n  ^bb0(%a" + n + ": f32, %b" + n + ": f32, %c" + n +
            ": f32):\n    %p" + n + " = arith.mulf %a" + n + ", %b" + n +
            " : f32\n    %s" + n + " = arith.addf %c" + n + ", %p" + n +
            " : f32\n    linalg.yield %s" + n + " : f32\n  }";
  text += " -> " + yType + "\n";
  return text;
}

std::string matmulProgram(const TestFormat &format,
                          const std::vector<CaseData> &cases) {
  std::string text =
      "// Generated by QuantE2ETests: format " + format.id + ".\n";
  for (size_t i = 0; i < cases.size(); ++i)
    text +=
        "//   y" + std::to_string(i) + " = " + cases[i].shape.describe() + "\n";
  text += "#mk = affine_map<(m, n, k) -> (m, k)>\n"
          "#nk = affine_map<(m, n, k) -> (n, k)>\n"
          "#mn = affine_map<(m, n, k) -> (m, n)>\n"
          "#bnk = affine_map<(b, n, m, k) -> (b, n, k)>\n"
          "#mk4 = affine_map<(b, n, m, k) -> (m, k)>\n"
          "#bnm = affine_map<(b, n, m, k) -> (b, n, m)>\n";
  std::string arguments, results, values, resultTypes;
  for (size_t i = 0; i < cases.size(); ++i) {
    const MatmulCase &c = cases[i].shape;
    std::string sep = i ? ", " : "";
    arguments += sep + "%x" + std::to_string(i) + ": " +
                 floatTensorType(c.activationShape());
    values += sep + "%y" + std::to_string(i);
    resultTypes += sep + floatTensorType(c.resultShape());
  }
  text += "func.func @main(" + arguments + ") -> (" + resultTypes + ") {\n";
  text += "  %zero = arith.constant 0.0 : f32\n";
  for (size_t i = 0; i < cases.size(); ++i)
    text += caseOps(format, cases[i], i);
  text += "  return " + values + " : " + resultTypes + "\n}\n";
  text += "{-#\n  dialect_resources: {\n    builtin: {\n";
  for (size_t i = 0; i < cases.size(); ++i)
    text += "      w" + std::to_string(i) + ": \"" +
            resourceBlob(cases[i].storage) + "\"" +
            (i + 1 < cases.size() ? "," : "") + "\n";
  text += "    }\n  }\n#-}\n";
  return text;
}

} // namespace quant::e2e
