//===- SurroundingOpsTest.cpp - the ops around the matmuls, end to end ----===//
//
// One generated program, `@main(%x, %g, %pos)`, strings together the ops a
// transformer block puts around its matmuls, on small static f32 shapes:
//
//   y0 = rmsnorm(x, g)                  linalg.generic sum of squares over
//                                       the last dim, then math.rsqrt
//   y1 = y0 · Wᵀ                        Q8_0 weights [64, 64] (qt.constant),
//                                       linalg.matmul with the (n, k) map
//   y2 = silu(y1)                       arith/math ops on whole tensors
//   y3 = gelu(y1)                       tanh approximation, linalg.generic
//                                       with math.tanh
//   y4 = y2 * y3 + x                    arith.mulf / arith.addf on tensors
//   y5 = softmax(y4 / 4)                over the last dim, scaled by
//                                       1/sqrt(16) as attention scores are:
//                                       max and sum reductions, math.exp,
//                                       divide
//   y6 = rope(y1, pos) [3, 4, 16]       tensor.expand_shape to pairs
//                                       [3, 4, 8, 2], math.cos / math.sin,
//                                       tensor.collapse_shape
//   y7 = transpose(y6) [4, 48]          linalg.transpose to [4, 3, 16], then
//                                       tensor.collapse_shape
//
// It is compiled with quant-compile (--matmul-strategy=float, the default
// strategy, and --target=vulkan, run on lavapipe with the validation layer),
// run once on random inputs, and every output is compared with a
// double-precision reference. Each stage's reference is
// computed from the program's own float inputs to that stage (the inputs,
// or the outputs of the stages before it, which the program returns), so an
// error in one stage does not spread into the bounds of the next, and each
// bound can be tight.
//
// The tolerances: a running error analysis (Higham, Accuracy and Stability
// of Numerical Algorithms, sec. 3.3), done per element alongside the
// reference by `Tracked` below. Every float32 operation of the program is
// mirrored by the same operation in double on a value that carries a
// rigorous bound on |float result - double result|:
//
//  * +, -, *, / and sqrt are correctly rounded: a relative error of at most
//    u = 2^-24 of the float result, whose magnitude is at most
//    |reference| + the operands' propagated error;
//  * math.rsqrt is lowered to 1 / sqrt: two roundings, gamma_2;
//  * f32 math.exp is a polynomial (qt-cpu-polynomial-exp), within 1.02 ulp
//    of the exact value for every float argument below 88 (ExpTest.cpp
//    measures it), i.e. 3 u |y| as roundings: kExpUlps in TrackedError.h;
//  * math.tanh, math.sin and math.cos become calls to the C library's tanhf
//    and sincosf (MathToLLVM, no polynomial approximation for them, no
//    fast-math flags: the executable imports exactly these from libm);
//    glibc documents at most 2 ulps for each on x86-64 ("Known Maximum
//    Errors in Math Functions"), and 2 ulps of y are at most 4 u |y|:
//    kLibmRoundings (measured below it);
//  * operand errors propagate through the derivative, bounded over the
//    whole interval the float operand may lie in (exp(v + e) for exp,
//    sech^2 at the smallest |v| for tanh, 1 for sin and cos, etc.);
//  * a sum of n terms (the reductions), in whatever order the program adds
//    them, is within gamma_n * sum |terms| of the exact sum (Higham eq. 3.5,
//    as in Reference.cpp), plus the terms' own errors;
//  * the double evaluation of the reference adds the same with u = 2^-53
//    (counted twice, to cover the second-order terms), and gradual
//    underflow at most 2^-150 per rounding.
//
// On Vulkan the bounds follow the precision the Vulkan specification
// requires of every device instead (MathModel::Vulkan in TrackedError.h:
// division 2.5 ulp, InverseSqrt 2 ulp, Exp 3 + 2|x| ulp, Tanh from its
// exponential formula, Sin/Cos 2^-11 absolute after the kernels' argument
// reduction), so a test passing on lavapipe says nothing looser than what
// any conformant GPU guarantees.
//
// So no tolerance is a chosen number. Softmax, for one, ends up with a
// relative bound of about (n + 8 + 4 |z|) u, z = (x - max) / 4 the exponent:
// the max is exact, x - max and the scaling one rounding each (which move
// exp(z) by |z| u relatively), exp 3 u, the sum of n = 64 terms gamma_n,
// the divide one rounding. Gelu's bound grows where 1 + tanh(z) cancels;
// rope's with the angle, whose rounding moves sin and cos by |angle| u. The
// matmul is checked by Reference.cpp (float strategy) or Int8Reference.cpp
// (int8 strategy).
//
// A stage the compiler is known to fail on is listed in knownFailures(): it
// is left out of the program (with the stages that depend on it) and its
// test is skipped with the reason.
//
//===----------------------------------------------------------------------===//

#include "DeviceReplay.h"
#include "E2EUtil.h"
#include "Int8Reference.h"
#include "MatmulProgram.h"
#include "Expectations.h"
#include "Reference.h"
#include "TrackedError.h"

#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <ostream>
#include <regex>

namespace quant::e2e {
namespace {

//===----------------------------------------------------------------------===//
// Shapes and stages
//===----------------------------------------------------------------------===//

constexpr int64_t kRows = 3;
constexpr int64_t kDim = 64;
constexpr int64_t kHeads = 4;
constexpr int64_t kHeadDim = 16;
constexpr int64_t kPairs = kHeadDim / 2;
static_assert(kHeads * kHeadDim == kDim, "heads must tile the model dim");

/// rmsnorm's epsilon, as the program's f32 constant holds it.
const float kEps = 1e-5f;
/// gelu's constants, as f32: the tanh approximation is defined by them.
const float kGeluCubic = 0.044715f;
const float kGeluScale = float(0.79788456080286535588); // sqrt(2 / pi)

/// softmax's input scale, 1/sqrt(head dim) as for attention scores: y4
/// reaches about 10 (silu * gelu grows as x^2), which would make softmax
/// one-hot, a weak check.
const float kSoftmaxScale = 0.25f;

/// The ops of the program, in the order of its results.
enum class Stage {
  RmsNorm,
  Matmul,
  Silu,
  Gelu,
  AddMul,
  Softmax,
  Rope,
  Transpose
};
constexpr size_t kStageCount = 8;

const char *stageName(Stage stage) {
  static const char *names[kStageCount] = {"rmsnorm", "matmul",   "silu",
                                           "gelu",    "add_mul",  "softmax",
                                           "rope",    "transpose"};
  return names[size_t(stage)];
}

/// The stages whose outputs `stage` reads.
std::vector<Stage> stageInputs(Stage stage) {
  switch (stage) {
  case Stage::RmsNorm:
    return {};
  case Stage::Matmul:
    return {Stage::RmsNorm};
  case Stage::Silu:
  case Stage::Gelu:
  case Stage::Rope:
    return {Stage::Matmul};
  case Stage::AddMul:
    return {Stage::Silu, Stage::Gelu};
  case Stage::Softmax:
    return {Stage::AddMul};
  case Stage::Transpose:
    return {Stage::Rope};
  }
  return {};
}

std::vector<int64_t> stageShape(Stage stage) {
  switch (stage) {
  case Stage::Rope:
    return {kRows, kHeads, kHeadDim};
  case Stage::Transpose:
    return {kHeads, kRows * kHeadDim};
  default:
    return {kRows, kDim};
  }
}

/// How the program is compiled.
struct OpsParam {
  /// "float" or "default": the --matmul-strategy, or none; "vulkan":
  /// --target=vulkan (float kernels).
  std::string strategy;
  std::vector<std::string> options;
};

void PrintTo(const OpsParam &param, std::ostream *os) {
  *os << "quant-compile";
  for (const std::string &option : param.options)
    *os << " " << option;
}

/// A stage the compiler is known to get wrong, for a strategy ("*": any):
/// left out of the program, and its test (and those of the stages that read
/// its output) skipped with the reason. Remove the entry with the fix.
struct KnownFailure {
  const char *strategy;
  Stage stage;
  const char *reason;
};

const std::vector<KnownFailure> &knownFailures() {
  static const std::vector<KnownFailure> list = {};
  return list;
}

/// The known failure that leaves `stage` out of the program compiled for
/// `strategy`, or null.
const KnownFailure *knownFailure(const std::string &strategy, Stage stage) {
  for (const KnownFailure &known : knownFailures())
    if (known.stage == stage &&
        (std::string(known.strategy) == "*" || strategy == known.strategy))
      return &known;
  for (Stage input : stageInputs(stage))
    if (const KnownFailure *known = knownFailure(strategy, input))
      return known;
  return nullptr;
}

/// Why `stage` is not in the program compiled for `strategy`, or "".
std::string exclusionReason(const std::string &strategy, Stage stage) {
  const KnownFailure *known = knownFailure(strategy, stage);
  if (!known)
    return "";
  if (known->stage == stage)
    return known->reason;
  return std::string("needs ") + stageName(known->stage) + ": " + known->reason;
}

//===----------------------------------------------------------------------===//
// Data
//===----------------------------------------------------------------------===//

const TestFormat &q8Format() {
  static const TestFormat format = [] {
    const fmt::FormatSpec *spec = fmt::lookupNamedFormat("q8_0");
    assert(spec && "q8_0 is a named format");
    return TestFormat{"q8_0", "#qt.q8_0", *spec};
  }();
  return format;
}

/// The inputs of the program and its weights.
struct OpsData {
  std::vector<float> x;     ///< [kRows, kDim]
  std::vector<float> gain;  ///< [kDim], rmsnorm's g
  std::vector<float> pos;   ///< [kRows], rope positions (integers)
  std::vector<float> theta; ///< [kPairs], 10000^(-2i/kHeadDim) as f32
  /// The matmul's weights [kDim (M), kDim (K)] before and after Q8_0.
  std::vector<float> weights;
  std::vector<uint8_t> storage;
};

OpsData makeOpsData(uint64_t seed) {
  Rng rng(seed);
  OpsData data;
  // Rows of different magnitudes (rmsnorm removes it), N(0, 1) otherwise.
  data.x.resize(size_t(kRows * kDim));
  for (int64_t r = 0; r < kRows; ++r) {
    double scale = std::exp2(2.0 * rng.uniform() - 1.0);
    for (int64_t j = 0; j < kDim; ++j)
      data.x[size_t(r * kDim + j)] = float(scale * rng.normal());
  }
  data.gain.resize(size_t(kDim));
  for (float &g : data.gain)
    g = float(1.0 + 0.25 * rng.normal());
  // Distinct nonzero positions: every row is rotated, each differently.
  for (int64_t r = 0; r < kRows; ++r)
    data.pos.push_back(float(1 + 20 * r + int64_t(rng.uniform() * 20)));
  for (int64_t i = 0; i < kPairs; ++i)
    data.theta.push_back(
        float(std::pow(10000.0, -2.0 * double(i) / double(kHeadDim))));
  // Weights of about 1/sqrt(K) (so y1 stays of order 1, where silu, gelu and
  // softmax are not trivial) with a per-block magnitude 2^U(-1, 1).
  data.weights.resize(size_t(kDim * kDim));
  for (size_t b = 0; b < data.weights.size(); b += 32) {
    double magnitude = std::exp2(2.0 * rng.uniform() - 1.0) / 8.0;
    for (size_t k = b; k < b + 32; ++k)
      data.weights[k] = float(magnitude * rng.normal());
  }
  data.storage = quantizeWeights(q8Format().spec, data.weights, kDim, kDim);
  return data;
}

//===----------------------------------------------------------------------===//
// Program text
//===----------------------------------------------------------------------===//

/// `value` as an f32 literal that parses back to exactly the same float.
std::string f32Literal(float value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.9e", double(value));
  return text;
}

std::string tensorType(const std::vector<int64_t> &shape) {
  return "tensor<" + shapeString(shape) + "xf32>";
}

/// `text` with every `{NAME}` replaced by `values[NAME]`.
std::string substitute(std::string text,
                       const std::map<std::string, std::string> &values) {
  for (const auto &[name, value] : values) {
    std::string key = "{" + name + "}";
    for (size_t at = text.find(key); at != std::string::npos;
         at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  }
  return text;
}

/// The ops of each stage, `{NAME}` standing for the types and constants of
/// opsProgram(). Each op writes into a fresh tensor.empty (or a fill of
/// one), so bufferization gives each its own buffer.
const char *stageText(Stage stage) {
  switch (stage) {
  case Stage::RmsNorm:
    return R"(  // rmsnorm: x * rsqrt(mean(x^2) + eps) * g
  %sumsq_init = tensor.empty() : {ROWS}
  %sumsq_zero = linalg.fill ins(%zero : f32) outs(%sumsq_init : {ROWS}) -> {ROWS}
  %sumsq = linalg.generic {indexing_maps = [#rc, #r], iterator_types = ["parallel", "reduction"]}
      ins(%x : {ROW}) outs(%sumsq_zero : {ROWS}) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  } -> {ROWS}
  %rmsnorm_init = tensor.empty() : {ROW}
  %rmsnorm = linalg.generic {indexing_maps = [#rc, #r, #c, #rc], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sumsq, %g : {ROW}, {ROWS}, {GAIN}) outs(%rmsnorm_init : {ROW}) {
  ^bb0(%a: f32, %s: f32, %gain: f32, %o: f32):
    %n = arith.constant {DIM} : f32
    %eps = arith.constant {EPS} : f32
    %mean = arith.divf %s, %n : f32
    %v = arith.addf %mean, %eps : f32
    %r = math.rsqrt %v : f32
    %t = arith.mulf %a, %r : f32
    %y = arith.mulf %t, %gain : f32
    linalg.yield %y : f32
  } -> {ROW}
)";
  case Stage::Matmul:
    return R"(  // y0 · Wᵀ, W [64, 64] in Q8_0
  %w = qt.constant dense_resource<w> : tensor<{WEIGHT_BYTES}xi8> -> {WEIGHT_Q}
  %wf = qt.dequantize %w : {WEIGHT_Q} -> {WEIGHT}
  %matmul_init = tensor.empty() : {ROW}
  %matmul_zero = linalg.fill ins(%zero : f32) outs(%matmul_init : {ROW}) -> {ROW}
  %matmul = linalg.matmul indexing_maps = [#mk, #nk, #mn]
      ins(%rmsnorm, %wf : {ROW}, {WEIGHT}) outs(%matmul_zero : {ROW}) -> {ROW}
)";
  case Stage::Silu:
    return R"(  // silu: x * 1 / (1 + exp(-x)), on whole tensors
  %ones = arith.constant dense<1.0> : {ROW}
  %neg = arith.negf %matmul : {ROW}
  %expneg = math.exp %neg : {ROW}
  %den = arith.addf %ones, %expneg : {ROW}
  %sigmoid = arith.divf %ones, %den : {ROW}
  %silu = arith.mulf %matmul, %sigmoid : {ROW}
)";
  case Stage::Gelu:
    return R"(  // gelu: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  %gelu_init = tensor.empty() : {ROW}
  %gelu = linalg.generic {indexing_maps = [#rc, #rc], iterator_types = ["parallel", "parallel"]}
      ins(%matmul : {ROW}) outs(%gelu_init : {ROW}) {
  ^bb0(%a: f32, %o: f32):
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %k = arith.constant {GELU_CUBIC} : f32
    %c = arith.constant {GELU_SCALE} : f32
    %a2 = arith.mulf %a, %a : f32
    %a3 = arith.mulf %a2, %a : f32
    %ka3 = arith.mulf %k, %a3 : f32
    %inner = arith.addf %a, %ka3 : f32
    %z = arith.mulf %c, %inner : f32
    %th = math.tanh %z : f32
    %s = arith.addf %one, %th : f32
    %h = arith.mulf %half, %a : f32
    %y = arith.mulf %h, %s : f32
    linalg.yield %y : f32
  } -> {ROW}
)";
  case Stage::AddMul:
    return R"(  // silu * gelu + x, on whole tensors
  %prod = arith.mulf %silu, %gelu : {ROW}
  %addmul = arith.addf %prod, %x : {ROW}
)";
  case Stage::Softmax:
    return R"(  // softmax(x / 4) over the last dim: exp((x - max) / 4) / sum
  %rowmax_init = tensor.empty() : {ROWS}
  %rowmax_ninf = linalg.fill ins(%ninf : f32) outs(%rowmax_init : {ROWS}) -> {ROWS}
  %rowmax = linalg.generic {indexing_maps = [#rc, #r], iterator_types = ["parallel", "reduction"]}
      ins(%addmul : {ROW}) outs(%rowmax_ninf : {ROWS}) {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.maximumf %acc, %a : f32
    linalg.yield %m : f32
  } -> {ROWS}
  %exps_init = tensor.empty() : {ROW}
  %exps = linalg.generic {indexing_maps = [#rc, #r, #rc], iterator_types = ["parallel", "parallel"]}
      ins(%addmul, %rowmax : {ROW}, {ROWS}) outs(%exps_init : {ROW}) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %scale = arith.constant {SOFTMAX_SCALE} : f32
    %d = arith.subf %a, %m : f32
    %ds = arith.mulf %d, %scale : f32
    %e = math.exp %ds : f32
    linalg.yield %e : f32
  } -> {ROW}
  %rowsum_init = tensor.empty() : {ROWS}
  %rowsum_zero = linalg.fill ins(%zero : f32) outs(%rowsum_init : {ROWS}) -> {ROWS}
  %rowsum = linalg.generic {indexing_maps = [#rc, #r], iterator_types = ["parallel", "reduction"]}
      ins(%exps : {ROW}) outs(%rowsum_zero : {ROWS}) {
  ^bb0(%e: f32, %acc: f32):
    %s = arith.addf %acc, %e : f32
    linalg.yield %s : f32
  } -> {ROWS}
  %softmax_init = tensor.empty() : {ROW}
  %softmax = linalg.generic {indexing_maps = [#rc, #r, #rc], iterator_types = ["parallel", "parallel"]}
      ins(%exps, %rowsum : {ROW}, {ROWS}) outs(%softmax_init : {ROW}) {
  ^bb0(%e: f32, %s: f32, %o: f32):
    %y = arith.divf %e, %s : f32
    linalg.yield %y : f32
  } -> {ROW}
)";
  case Stage::Rope:
    return R"(  // rope on the pairs (2i, 2i+1) of each head, at the angle pos * theta_i
  %pairs = tensor.expand_shape %matmul [[0], [1, 2, 3]] output_shape [{ROWS_N}, {HEADS_N}, {PAIRS_N}, 2] : {ROW} into {PAIRS}
  %theta = arith.constant dense<[{THETA}]> : {THETA_TYPE}
  %rotated_init = tensor.empty() : {PAIRS}
  %rotated = linalg.generic {indexing_maps = [#even, #odd, #pos, #theta, #pair], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%pairs, %pairs, %pos, %theta : {PAIRS}, {PAIRS}, {ROWS}, {THETA_TYPE}) outs(%rotated_init : {PAIRS}) {
  ^bb0(%x0: f32, %x1: f32, %p: f32, %t: f32, %o: f32):
    %angle = arith.mulf %p, %t : f32
    %cos = math.cos %angle : f32
    %sin = math.sin %angle : f32
    %a = arith.mulf %x0, %cos : f32
    %b = arith.mulf %x1, %sin : f32
    %even = arith.subf %a, %b : f32
    %c = arith.mulf %x0, %sin : f32
    %d = arith.mulf %x1, %cos : f32
    %odd = arith.addf %c, %d : f32
    %i = linalg.index 3 : index
    %i0 = arith.constant 0 : index
    %is_even = arith.cmpi eq, %i, %i0 : index
    %y = arith.select %is_even, %even, %odd : f32
    linalg.yield %y : f32
  } -> {PAIRS}
  %rope = tensor.collapse_shape %rotated [[0], [1], [2, 3]] : {PAIRS} into {ROPE}
)";
  case Stage::Transpose:
    return R"(  // [rows, heads, d] -> [heads, rows, d] -> [heads, rows * d]
  %transposed_init = tensor.empty() : {BY_HEAD}
  %transposed = linalg.transpose ins(%rope : {ROPE}) outs(%transposed_init : {BY_HEAD}) permutation = [1, 0, 2]
  %heads = tensor.collapse_shape %transposed [[0], [1, 2]] : {BY_HEAD} into {HEADS}
)";
  }
  return "";
}

/// The SSA value of each stage's result.
const char *stageResult(Stage stage) {
  static const char *names[kStageCount] = {"%rmsnorm", "%matmul", "%silu",
                                           "%gelu",    "%addmul", "%softmax",
                                           "%rope",    "%heads"};
  return names[size_t(stage)];
}

/// The program's text for the stages not excluded for `strategy`; `stages`
/// receives them in the order of the results.
std::string opsProgram(const OpsData &data, const std::string &strategy,
                       std::vector<Stage> &stages) {
  std::string theta;
  for (float t : data.theta)
    theta += (theta.empty() ? "" : ", ") + f32Literal(t);
  std::map<std::string, std::string> values = {
      {"ROW", tensorType({kRows, kDim})},
      {"ROWS", tensorType({kRows})},
      {"GAIN", tensorType({kDim})},
      {"DIM", f32Literal(float(kDim))},
      {"EPS", f32Literal(kEps)},
      {"WEIGHT_BYTES", std::to_string(data.storage.size())},
      {"WEIGHT_Q", quantTensorType(q8Format().attribute, {kDim, kDim})},
      {"WEIGHT", tensorType({kDim, kDim})},
      {"GELU_CUBIC", f32Literal(kGeluCubic)},
      {"GELU_SCALE", f32Literal(kGeluScale)},
      {"SOFTMAX_SCALE", f32Literal(kSoftmaxScale)},
      {"ROWS_N", std::to_string(kRows)},
      {"HEADS_N", std::to_string(kHeads)},
      {"PAIRS_N", std::to_string(kPairs)},
      {"PAIRS", tensorType({kRows, kHeads, kPairs, 2})},
      {"THETA", theta},
      {"THETA_TYPE", tensorType({kPairs})},
      {"ROPE", tensorType(stageShape(Stage::Rope))},
      {"BY_HEAD", tensorType({kHeads, kRows, kHeadDim})},
      {"HEADS", tensorType(stageShape(Stage::Transpose))},
  };

  std::string header = "// Generated by QuantE2ETests (SurroundingOpsTest.cpp)"
                       " for the " +
                       strategy + " strategy.\n";
  std::string body, results, types;
  stages.clear();
  for (size_t s = 0; s < kStageCount; ++s) {
    Stage stage = Stage(s);
    if (std::string reason = exclusionReason(strategy, stage);
        !reason.empty()) {
      header += "//   " + std::string(stageName(stage)) +
                " left out: " + reason + "\n";
      continue;
    }
    header += "//   y" + std::to_string(stages.size()) + " = " +
              stageName(stage) + " " + shapeString(stageShape(stage)) + "\n";
    body += stageText(stage);
    std::string sep = stages.empty() ? "" : ", ";
    results += sep + stageResult(stage);
    types += sep + tensorType(stageShape(stage));
    stages.push_back(stage);
  }

  std::string text = header + R"(#rc = affine_map<(r, c) -> (r, c)>
#r = affine_map<(r, c) -> (r)>
#c = affine_map<(r, c) -> (c)>
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
#even = affine_map<(r, h, i, c) -> (r, h, i, 0)>
#odd = affine_map<(r, h, i, c) -> (r, h, i, 1)>
#pos = affine_map<(r, h, i, c) -> (r)>
#theta = affine_map<(r, h, i, c) -> (i)>
#pair = affine_map<(r, h, i, c) -> (r, h, i, c)>
func.func @main(%x: {ROW}, %g: {GAIN}, %pos: {ROWS}) -> ({TYPES}) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
{BODY}  return {RESULTS} : {TYPES}
}
)";
  // The body and the result list go in first: they hold placeholders too.
  text = substitute(text,
                    {{"BODY", body}, {"RESULTS", results}, {"TYPES", types}});
  text = substitute(text, values);
  assert(!std::regex_search(text, std::regex("\\{[A-Z_]+\\}")) &&
         "a placeholder without a value");
  if (!exclusionReason(strategy, Stage::Matmul).empty())
    return text;
  return text + "{-#\n  dialect_resources: {\n    builtin: {\n      w: \"" +
         resourceBlob(data.storage) + "\"\n    }\n  }\n#-}\n";
}

//===----------------------------------------------------------------------===//
// Compiling and running
//===----------------------------------------------------------------------===//

/// The program of one OpsParam, compiled and run once.
struct OpsRun {
  /// Why the program could not be built, compiled or run; empty on success.
  std::string error;
  std::string dir, source;
  OpsData data;
  /// The stages in the program, in the order of the outputs.
  std::vector<Stage> stages;
  std::vector<std::vector<float>> outputs;

  /// The output of `stage` (which is in the program).
  const std::vector<float> &output(Stage stage) const {
    auto found = std::find(stages.begin(), stages.end(), stage);
    assert(found != stages.end() && "stage not in the program");
    return outputs[size_t(found - stages.begin())];
  }
};

OpsRun buildAndRun(const OpsParam &param) {
  OpsRun run;
  std::string name = "surrounding_ops_" + param.strategy;
  run.dir = freshWorkDir(name);
  run.source = run.dir + "/prog.mlir";
  run.data = makeOpsData(hashString("surrounding_ops"));
  std::string executable = run.dir + "/prog";
  struct Input {
    const char *name;
    std::vector<int64_t> shape;
    const std::vector<float> *values;
  } inputs[] = {{"x", {kRows, kDim}, &run.data.x},
                {"g", {kDim}, &run.data.gain},
                {"pos", {kRows}, &run.data.pos}};
  std::vector<std::string> argv = {executable};
  for (const Input &input : inputs) {
    std::string path = run.dir + "/" + input.name + ".npy";
    if (std::string error = writeF32Npy(path, input.shape, *input.values);
        !error.empty()) {
      run.error = error;
      return run;
    }
    argv.insert(argv.end(), {"--input", path});
  }
  if (!writeTextFile(run.source,
                     opsProgram(run.data, param.strategy, run.stages))) {
    run.error = "cannot write " + run.source;
    return run;
  }
  ProcessResult compiled =
      compileProgram(run.source, executable, param.options);
  if (!compiled.succeeded()) {
    run.error = "quant-compile";
    for (const std::string &option : param.options)
      run.error += " " + option;
    run.error += " " + run.source + " failed: " + compiled.describe();
    return run;
  }
  std::vector<std::string> outputPaths;
  for (size_t i = 0; i < run.stages.size(); ++i) {
    std::string output = "y" + std::to_string(i) + ".npy";
    argv.insert(argv.end(), {"--output", run.dir + "/" + output});
    outputPaths.push_back(outputFile(run.dir, output));
  }
  ProcessResult result = runRecorded(run.dir, "run", argv);
  if (!result.succeeded()) {
    run.error = executable + " failed: " + result.describe();
    return run;
  }
  run.outputs.resize(run.stages.size());
  for (size_t i = 0; i < run.stages.size(); ++i) {
    std::vector<int64_t> shape;
    if (std::string error = readF32Npy(outputPaths[i], shape, run.outputs[i]);
        !error.empty()) {
      run.error = error;
      return run;
    }
    if (shape != stageShape(run.stages[i])) {
      run.error = outputPaths[i] + ": shape " + shapeString(shape) +
                  ", expected " + shapeString(stageShape(run.stages[i]));
      return run;
    }
  }
  return run;
}

const OpsRun &opsRun(const OpsParam &param) {
  static std::map<std::string, OpsRun> runs;
  auto found = runs.find(param.strategy);
  if (found == runs.end())
    found = runs.emplace(param.strategy, buildAndRun(param)).first;
  return found->second;
}

Reference toReference(const std::vector<Tracked> &values) {
  Reference reference;
  for (const Tracked &t : values) {
    reference.values.push_back(t.value);
    reference.bounds.push_back(t.error);
  }
  return reference;
}

//===----------------------------------------------------------------------===//
// References, each from the float inputs of its stage
//===----------------------------------------------------------------------===//

std::vector<Tracked> referenceRmsNorm(const std::vector<float> &x,
                                      const std::vector<float> &gain) {
  std::vector<Tracked> out;
  for (int64_t r = 0; r < kRows; ++r) {
    std::vector<Tracked> squares;
    for (int64_t j = 0; j < kDim; ++j) {
      Tracked a = exact(x[size_t(r * kDim + j)]);
      squares.push_back(a * a);
    }
    Tracked scale = rsqrt(sum(squares) / exact(float(kDim)) + exact(kEps));
    for (int64_t j = 0; j < kDim; ++j)
      out.push_back(exact(x[size_t(r * kDim + j)]) * scale *
                    exact(gain[size_t(j)]));
  }
  return out;
}

std::vector<Tracked> referenceSilu(const std::vector<float> &x) {
  std::vector<Tracked> out;
  for (float v : x) {
    Tracked a = exact(v);
    out.push_back(a * (exact(1.0f) / (exact(1.0f) + exp(-a))));
  }
  return out;
}

/// The tanh approximation with the program's f32 constants, in its order.
std::vector<Tracked> referenceGelu(const std::vector<float> &x) {
  std::vector<Tracked> out;
  for (float v : x) {
    Tracked a = exact(v);
    Tracked inner = a + exact(kGeluCubic) * (a * a * a);
    Tracked th = tanh(exact(kGeluScale) * inner);
    out.push_back(exact(0.5f) * a * (exact(1.0f) + th));
  }
  return out;
}

std::vector<Tracked> referenceAddMul(const std::vector<float> &silu,
                                     const std::vector<float> &gelu,
                                     const std::vector<float> &x) {
  std::vector<Tracked> out;
  for (size_t i = 0; i < x.size(); ++i)
    out.push_back(exact(silu[i]) * exact(gelu[i]) + exact(x[i]));
  return out;
}

std::vector<Tracked> referenceSoftmax(const std::vector<float> &x) {
  std::vector<Tracked> out;
  for (int64_t r = 0; r < kRows; ++r) {
    Tracked max = exact(-INFINITY);
    for (int64_t j = 0; j < kDim; ++j)
      max = maximum(max, exact(x[size_t(r * kDim + j)]));
    std::vector<Tracked> exps;
    for (int64_t j = 0; j < kDim; ++j)
      exps.push_back(
          exp((exact(x[size_t(r * kDim + j)]) - max) * exact(kSoftmaxScale)));
    Tracked total = sum(exps);
    for (const Tracked &e : exps)
      out.push_back(e / total);
  }
  return out;
}

/// out[2i] = x[2i] cos - x[2i+1] sin, out[2i+1] = x[2i] sin + x[2i+1] cos
/// at the angle pos[r] * theta[i], per head; `direction` -1 rotates the
/// other way (a wrong result, for the check's teeth).
std::vector<Tracked> referenceRope(const std::vector<float> &x,
                                   const std::vector<float> &pos,
                                   const std::vector<float> &theta,
                                   double direction = 1) {
  std::vector<Tracked> out(x.size());
  for (int64_t r = 0; r < kRows; ++r)
    for (int64_t h = 0; h < kHeads; ++h)
      for (int64_t i = 0; i < kPairs; ++i) {
        size_t at = size_t(r * kDim + h * kHeadDim + 2 * i);
        Tracked angle = exact(pos[size_t(r)]) * exact(theta[size_t(i)]);
        Tracked c = cos(angle), s = sin(angle);
        s.value *= direction;
        Tracked x0 = exact(x[at]), x1 = exact(x[at + 1]);
        out[at] = x0 * c - x1 * s;
        out[at + 1] = x0 * s + x1 * c;
      }
  return out;
}

/// The exact gelu, 0.5 x (1 + erf(x / sqrt 2)), which the tanh
/// approximation differs from by up to 4.7e-4 (at x = +-2.7), far more than
/// its rounding bound: a wrong result here.
std::vector<Tracked> exactGelu(const std::vector<float> &x,
                               const std::vector<Tracked> &approx) {
  std::vector<Tracked> out;
  for (size_t i = 0; i < x.size(); ++i)
    out.push_back({0.5 * x[i] * (1.0 + std::erf(x[i] / std::sqrt(2.0))),
                   approx[i].error});
  return out;
}

//===----------------------------------------------------------------------===//
// Tests
//===----------------------------------------------------------------------===//

size_t countNonzero(const std::vector<float> &values) {
  return size_t(std::count_if(values.begin(), values.end(),
                              [](float v) { return v != 0; }));
}

/// Elements that differ between two arrays of the same size.
size_t countDifferent(const std::vector<float> &a,
                      const std::vector<float> &b) {
  size_t different = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    different += a[i] != b[i];
  return different;
}

class SurroundingOps : public testing::TestWithParam<OpsParam> {
protected:
  /// The run, or null (with the test skipped or failed) when `stage` is not
  /// in it.
  const OpsRun *runFor(Stage stage);
  /// Checks `output` against `expected` within its bounds.
  void expectWithinBounds(const std::vector<float> &output,
                          const std::vector<Tracked> &expected);
  /// Checks that `output` does not meet a wrong reference.
  void expectOutsideBounds(const std::vector<float> &output,
                           const std::vector<Tracked> &wrong,
                           const std::string &what);
  /// Checks that `output` is mostly nonzero and mostly differs from `input`.
  void expectNontrivial(const std::vector<float> &output,
                        const std::vector<float> &input,
                        const std::string &inputName);
};

/// Marks the current test skipped (GTEST_SKIP returns from its function).
void skipKnownFailure(const std::string &reason) {
  GTEST_SKIP() << "known failure: " << reason;
}

const OpsRun *SurroundingOps::runFor(Stage stage) {
  const OpsParam &param = GetParam();
  mathModel() =
      param.strategy == "vulkan" ? MathModel::Vulkan : MathModel::Libm;
  if (std::string reason = exclusionReason(param.strategy, stage);
      !reason.empty()) {
    skipKnownFailure(reason);
    return nullptr;
  }
  const OpsRun &run = opsRun(param);
  EXPECT_TRUE(run.error.empty()) << run.error;
  if (!run.error.empty())
    return nullptr;
  RecordProperty("program", run.source);
  return &run;
}

void SurroundingOps::expectWithinBounds(const std::vector<float> &output,
                                        const std::vector<Tracked> &expected) {
  ASSERT_EQ(output.size(), expected.size());
  expectWithinReference(output, toReference(expected));
}

void SurroundingOps::expectOutsideBounds(const std::vector<float> &output,
                                         const std::vector<Tracked> &wrong,
                                         const std::string &what) {
  Comparison comparison = compareToReference(output, toReference(wrong));
  EXPECT_GT(comparison.violations, 0u)
      << "the output meets the bound around " << what
      << " too: the tolerance cannot tell them apart";
}

void SurroundingOps::expectNontrivial(const std::vector<float> &output,
                                      const std::vector<float> &input,
                                      const std::string &inputName) {
  EXPECT_GT(countNonzero(output), output.size() * 3 / 4)
      << "the output is mostly zero";
  EXPECT_GT(countDifferent(output, input), output.size() * 3 / 4)
      << "the output is mostly equal to " << inputName;
}

TEST_P(SurroundingOps, RmsNorm) {
  const OpsRun *run = runFor(Stage::RmsNorm);
  if (!run)
    return;
  const std::vector<float> &y = run->output(Stage::RmsNorm);
  expectWithinBounds(y, referenceRmsNorm(run->data.x, run->data.gain));
  expectNontrivial(y, run->data.x, "x");
  // Teeth: rmsnorm without the gain is outside the bound.
  std::vector<float> noGain(size_t(kDim), 1.0f);
  expectOutsideBounds(y, referenceRmsNorm(run->data.x, noGain),
                      "rmsnorm without the gain");
}

TEST_P(SurroundingOps, Matmul) {
  const OpsRun *run = runFor(Stage::Matmul);
  if (!run)
    return;
  const std::vector<float> &x = run->output(Stage::RmsNorm);
  const std::vector<float> &y = run->output(Stage::Matmul);
  MatmulCase shape{"matmul", MatmulForm::TransposedB, 1, kRows, kDim, kDim};
  const fmt::FormatSpec &spec = q8Format().spec;
  const fmt::FormatSpec &other = *fmt::lookupNamedFormat("q4_0");
  std::vector<uint8_t> otherStorage =
      quantizeWeights(other, run->data.weights, kDim, kDim);
  Reference floatRef = referenceMatmul(
      shape, x, decodeWeights(spec, run->data.storage, kDim, kDim));
  Reference floatOther =
      referenceMatmul(shape, x, decodeWeights(other, otherStorage, kDim, kDim));
  Comparison asFloat = compareToReference(y, floatRef);
  EXPECT_EQ(countNonzero(y), y.size()) << "the output has zeros";
  if (GetParam().strategy != "default") {
    RecordProperty("worst_error_over_bound",
                   std::to_string(asFloat.worstRatio));
    EXPECT_EQ(asFloat.violations, 0u)
        << asFloat.violations << " of " << y.size()
        << " elements outside the float bound (worst |diff|/bound "
        << asFloat.worstRatio << "):\n"
        << asFloat.report;
    EXPECT_GT(compareToReference(y, floatOther).violations, 0u)
        << "the output meets the bound for q4_0 weights too";
    return;
  }
  // The default strategy is int8 on CPUs with VNNI, float elsewhere: the
  // result must be that of one of them (and not that of q4_0 weights).
  Reference int8Ref = referenceInt8Matmul(spec, shape, x, run->data.storage);
  Comparison asInt8 = compareToReference(y, int8Ref);
  bool isFloat = asFloat.violations == 0, isInt8 = asInt8.violations == 0;
  RecordProperty("matches", isFloat ? "float" : isInt8 ? "int8" : "neither");
  RecordProperty(
      "worst_error_over_bound",
      std::to_string(isFloat ? asFloat.worstRatio : asInt8.worstRatio));
  EXPECT_TRUE(isFloat || isInt8)
      << "the output is neither the float strategy's result ("
      << asFloat.violations << " violations, worst |diff|/bound "
      << asFloat.worstRatio << "):\n"
      << asFloat.report << "nor the int8 strategy's (" << asInt8.violations
      << " violations, worst |diff|/bound " << asInt8.worstRatio << "):\n"
      << asInt8.report;
  Reference otherRef =
      isFloat ? floatOther : referenceInt8Matmul(other, shape, x, otherStorage);
  EXPECT_GT(compareToReference(y, otherRef).violations, 0u)
      << "the output meets the bound for q4_0 weights too";
}

TEST_P(SurroundingOps, Silu) {
  const OpsRun *run = runFor(Stage::Silu);
  if (!run)
    return;
  const std::vector<float> &x = run->output(Stage::Matmul);
  const std::vector<float> &y = run->output(Stage::Silu);
  expectWithinBounds(y, referenceSilu(x));
  expectNontrivial(y, x, "its input");
  // Teeth: gelu is a similar curve, but not within the bound.
  expectOutsideBounds(y, referenceGelu(x), "gelu");
}

TEST_P(SurroundingOps, Gelu) {
  const OpsRun *run = runFor(Stage::Gelu);
  if (!run)
    return;
  const std::vector<float> &x = run->output(Stage::Matmul);
  const std::vector<float> &y = run->output(Stage::Gelu);
  std::vector<Tracked> expected = referenceGelu(x);
  expectWithinBounds(y, expected);
  expectNontrivial(y, x, "its input");
  expectOutsideBounds(y, exactGelu(x, expected), "the erf-based gelu");
}

TEST_P(SurroundingOps, AddMul) {
  const OpsRun *run = runFor(Stage::AddMul);
  if (!run)
    return;
  const std::vector<float> &silu = run->output(Stage::Silu);
  const std::vector<float> &gelu = run->output(Stage::Gelu);
  const std::vector<float> &y = run->output(Stage::AddMul);
  expectWithinBounds(y, referenceAddMul(silu, gelu, run->data.x));
  expectNontrivial(y, run->data.x, "x");
}

TEST_P(SurroundingOps, Softmax) {
  const OpsRun *run = runFor(Stage::Softmax);
  if (!run)
    return;
  const std::vector<float> &x = run->output(Stage::AddMul);
  const std::vector<float> &y = run->output(Stage::Softmax);
  expectWithinBounds(y, referenceSoftmax(x));
  expectNontrivial(y, x, "its input");
  // Teeth: not one-hot (the check would be weak), and a softmax over the
  // wrong rows is outside the bound.
  EXPECT_LT(*std::max_element(y.begin(), y.end()), 0.5f)
      << "the softmax is nearly one-hot: make the inputs smaller";
  std::vector<float> shifted(x.begin() + kDim, x.end());
  shifted.insert(shifted.end(), x.begin(), x.begin() + kDim);
  expectOutsideBounds(y, referenceSoftmax(shifted), "the next row's softmax");
}

TEST_P(SurroundingOps, Rope) {
  const OpsRun *run = runFor(Stage::Rope);
  if (!run)
    return;
  const std::vector<float> &x = run->output(Stage::Matmul);
  const std::vector<float> &y = run->output(Stage::Rope);
  expectWithinBounds(y, referenceRope(x, run->data.pos, run->data.theta));
  expectNontrivial(y, x, "its input");
  expectOutsideBounds(y, referenceRope(x, run->data.pos, run->data.theta, -1),
                      "the rotation the other way");
}

TEST_P(SurroundingOps, Transpose) {
  const OpsRun *run = runFor(Stage::Transpose);
  if (!run)
    return;
  const std::vector<float> &x = run->output(Stage::Rope);
  const std::vector<float> &y = run->output(Stage::Transpose);
  ASSERT_EQ(y.size(), x.size());
  // A permutation moves floats: bit for bit, y[h, r * d + k] = x[r, h, k].
  size_t mismatches = 0;
  std::string report;
  for (int64_t h = 0; h < kHeads; ++h)
    for (int64_t r = 0; r < kRows; ++r)
      for (int64_t k = 0; k < kHeadDim; ++k) {
        float got = y[size_t((h * kRows + r) * kHeadDim + k)];
        float want = x[size_t((r * kHeads + h) * kHeadDim + k)];
        if (std::memcmp(&got, &want, sizeof(float)) == 0)
          continue;
        if (++mismatches <= 5) {
          char line[160];
          std::snprintf(line, sizeof(line),
                        "  [h %lld, r %lld, %lld] got %.9g, expected %.9g\n",
                        (long long)h, (long long)r, (long long)k, double(got),
                        double(want));
          report += line;
        }
      }
  EXPECT_EQ(mismatches, 0u) << "not the transposition of rope's output:\n"
                            << report;
  expectNontrivial(y, x, "its input in place (no transposition)");
}

std::string paramName(const testing::TestParamInfo<OpsParam> &info) {
  return info.param.strategy == "float"    ? "Float"
         : info.param.strategy == "vulkan" ? "Vulkan"
                                           : "Default";
}

/// The float strategy; the default (int8 with VNNI, float elsewhere), which
/// changes only the matmul; and the Vulkan target.
INSTANTIATE_TEST_SUITE_P(
    Ops, SurroundingOps,
    testing::Values(OpsParam{"float", {"--matmul-strategy=float"}},
                    OpsParam{"default", {}},
                    OpsParam{"vulkan", {"--target=vulkan"}}),
    paramName);

} // namespace
} // namespace quant::e2e
