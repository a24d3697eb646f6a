//===- DiagnosticsTest.cpp - bad programs, bad inputs, the executable -----===//
//
// quant-compile rejects a shape its format cannot store with a diagnostic
// line naming the file and the problem; a compiled executable rejects a
// missing or mis-shaped input with one error line and writes no output; and
// it depends on no LLVM/MLIR shared library.
//
//===----------------------------------------------------------------------===//

#include "E2EUtil.h"
#include "MatmulProgram.h"

#include "quant/formats/Format.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace quant::e2e {
namespace {

std::vector<std::string> splitLines(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty())
      lines.push_back(line);
  return lines;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return text;
}

/// True when `err` shows a crash rather than a diagnostic.
bool looksLikeCrash(const std::string &err) {
  return err.find("Stack dump") != std::string::npos ||
         err.find("PLEASE submit a bug report") != std::string::npos ||
         err.find("Assertion") != std::string::npos;
}

//===----------------------------------------------------------------------===//
// quant-compile: shapes a format cannot store
//===----------------------------------------------------------------------===//

/// A weight type whose blocked dimension the format's block size does not
/// divide, and the diagnostic expected for it.
struct BadShape {
  std::string name;
  std::string format; ///< a TestFormat id
  int64_t depth;      ///< K, not a multiple of the block size
  bool plain;         ///< weights [K, M] axis 0 instead of [M, K]
  std::string message;
};

void PrintTo(const BadShape &bad, std::ostream *os) { *os << bad.name; }

const TestFormat &testFormat(const std::string &id) {
  for (const TestFormat &format : testFormats())
    if (format.id == id)
      return format;
  ADD_FAILURE() << "no test format " << id;
  return testFormats().front();
}

/// `y = x·Wᵀ` (or `x·W`) with weights of `depth` columns in `format`; the
/// blob holds 64 arbitrary bytes (the type is rejected before they matter).
std::string badShapeProgram(const BadShape &bad) {
  const TestFormat &format = testFormat(bad.format);
  std::string k = std::to_string(bad.depth);
  std::vector<int64_t> shape = bad.plain ? std::vector<int64_t>{bad.depth, 2}
                                         : std::vector<int64_t>{2, bad.depth};
  std::string qType =
      quantTensorType(format.attribute, shape, bad.plain ? 0 : -1);
  std::string wType = "tensor<" + shapeString(shape) + "xf32>";
  std::string maps = bad.plain
                         ? ""
                         : " indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
                           "affine_map<(m, n, k) -> (n, k)>, "
                           "affine_map<(m, n, k) -> (m, n)>]";
  return "func.func @main(%x: tensor<3x" + k +
         "xf32>) -> tensor<3x2xf32> {\n"
         "  %w = qt.constant dense_resource<w> : tensor<64xi8> -> " +
         qType + "\n  %wf = qt.dequantize %w : " + qType + " -> " + wType +
         "\n  %acc = arith.constant dense<0.0> : tensor<3x2xf32>\n"
         "  %y = linalg.matmul" +
         maps + " ins(%x, %wf : tensor<3x" + k + "xf32>, " + wType +
         ") outs(%acc : tensor<3x2xf32>) -> tensor<3x2xf32>\n"
         "  return %y : tensor<3x2xf32>\n}\n"
         "{-#\n  dialect_resources: { builtin: { w: \"" +
         resourceBlob(std::vector<uint8_t>(64, 0x11)) + "\" } }\n#-}\n";
}

class CompileRejects : public testing::TestWithParam<BadShape> {};

TEST_P(CompileRejects, BlockSizeNotDividingK) {
  const BadShape &bad = GetParam();
  std::string dir = freshWorkDir("errors_" + bad.name);
  std::string source = dir + "/bad.mlir", output = dir + "/bad";
  ASSERT_TRUE(writeTextFile(source, badShapeProgram(bad)));
  ProcessResult result = compileProgram(source, output);
  EXPECT_EQ(result.signal, 0) << result.describe();
  EXPECT_NE(result.exitCode, 0) << "quant-compile accepted " << source;
  EXPECT_FALSE(looksLikeCrash(result.err)) << result.err;
  EXPECT_FALSE(fileExists(output)) << "an output was left behind";
  EXPECT_FALSE(fileExists(output + ".tmp")) << "a partial output was left";
  // One line says it all: the file, the location, and what is wrong.
  std::vector<std::string> lines = splitLines(result.err);
  bool found = std::any_of(lines.begin(), lines.end(), [&](auto &line) {
    return line.rfind(source + ":", 0) == 0 &&
           line.find("error: " + bad.message) != std::string::npos;
  });
  EXPECT_TRUE(found) << "no line '" << source
                     << ":LINE:COL: error: " << bad.message << "' in stderr:\n"
                     << result.err;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, CompileRejects,
    testing::Values(
        BadShape{"q4_0_k48", "q4_0", 48, false,
                 "block size 32 does not divide dimension 1 (size 48)"},
        BadShape{"q4_k_k384", "q4_k", 384, false,
                 "block size 256 does not divide dimension 1 (size 384)"},
        BadShape{"int4_g128_k192", "int4_g128", 192, false,
                 "block size 128 does not divide dimension 1 (size 192)"},
        BadShape{"int3_g64_zp_k96", "int3_g64_zp", 96, false,
                 "block size 64 does not divide dimension 1 (size 96)"},
        BadShape{"q8_0_plain_k40", "q8_0", 40, true,
                 "block size 32 does not divide dimension 0 (size 40)"}),
    [](const testing::TestParamInfo<BadShape> &info) {
      return info.param.name;
    });

/// --matmul-strategy=int8 with a format without integer codes is a
/// diagnostic naming the op and the format, not a crash or a silent
/// fallback.
TEST(CompileRejectsStrategy, Int8WithCodebookFormat) {
  std::string dir = freshWorkDir("errors_int8_nf4");
  std::string source = dir + "/nf4.mlir", output = dir + "/nf4";
  const TestFormat &format = testFormat("nf4");
  MatmulCase shape{"y", MatmulForm::TransposedB, 1, 3, 2, 128};
  ASSERT_TRUE(writeTextFile(
      source, matmulProgram(format, {makeCaseData(format, shape, 11)})));
  ProcessResult result =
      compileProgram(source, output, {"--matmul-strategy=int8"});
  EXPECT_EQ(result.signal, 0) << result.describe();
  EXPECT_NE(result.exitCode, 0) << "quant-compile accepted " << source;
  EXPECT_FALSE(looksLikeCrash(result.err)) << result.err;
  EXPECT_FALSE(fileExists(output)) << "an output was left behind";
  std::vector<std::string> lines = splitLines(result.err);
  bool found = std::any_of(lines.begin(), lines.end(), [&](auto &line) {
    return line.rfind(source + ":", 0) == 0 &&
           line.find("error: ") != std::string::npos &&
           line.find("cannot use the int8 strategy with #qt.nf4") !=
               std::string::npos;
  });
  EXPECT_TRUE(found) << result.err;
}

//===----------------------------------------------------------------------===//
// The compiled executable: bad inputs, linked libraries
//===----------------------------------------------------------------------===//

/// A small q8_0 program `y = x·Wᵀ` (x 3x64, W 2x64), compiled once.
class Executable : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = freshWorkDir("executable");
    const TestFormat &format = testFormat("q8_0");
    MatmulCase shape{"y", MatmulForm::TransposedB, 1, 3, 2, 64};
    CaseData data = makeCaseData(format, shape, 7);
    std::string source = dir + "/prog.mlir";
    program = dir + "/prog";
    compileError.clear();
    if (!writeTextFile(source, matmulProgram(format, {data}))) {
      compileError = "cannot write " + source;
      return;
    }
    ProcessResult result = compileProgram(source, program);
    if (!result.succeeded())
      compileError = "quant-compile " + source + ": " + result.describe();
  }

  void SetUp() override { ASSERT_TRUE(compileError.empty()) << compileError; }

  /// Runs the program with `args`; expects a failure with one error line
  /// containing `expected`, and no output file.
  void expectRunError(const std::vector<std::string> &args,
                      const std::string &expected, const std::string &log) {
    std::string output = dir + "/y.npy";
    std::vector<std::string> argv = {program};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--output", output});
    ProcessResult result = runProcess(argv, dir + "/" + log);
    EXPECT_EQ(result.signal, 0) << result.describe();
    EXPECT_NE(result.exitCode, 0) << "the program accepted bad input";
    EXPECT_FALSE(fileExists(output)) << "an output was written";
    std::vector<std::string> lines = splitLines(result.err);
    ASSERT_EQ(lines.size(), 1u) << "expected one error line:\n" << result.err;
    EXPECT_EQ(lines[0].rfind("prog: error: ", 0), 0u) << lines[0];
    EXPECT_NE(lines[0].find(expected), std::string::npos)
        << "'" << expected << "' not in: " << lines[0];
  }

  static std::string dir, program, compileError;
};

std::string Executable::dir, Executable::program, Executable::compileError;

TEST_F(Executable, MissingInputFile) {
  std::string missing = dir + "/missing.npy";
  expectRunError({"--input", missing}, missing, "missing");
}

TEST_F(Executable, WrongInputShape) {
  std::string input = dir + "/x_3x32.npy";
  ASSERT_EQ(writeF32Npy(input, {3, 32}, std::vector<float>(96, 1.0f)), "");
  expectRunError({"--input", input}, "expected shape 3x64", "shape");
}

TEST_F(Executable, WrongInputRank) {
  std::string input = dir + "/x_192.npy";
  ASSERT_EQ(writeF32Npy(input, {192}, std::vector<float>(192, 1.0f)), "");
  expectRunError({"--input", input}, "expected shape 3x64", "rank");
}

TEST_F(Executable, MissingInputArgument) {
  expectRunError({}, "input", "count");
}

TEST_F(Executable, CorrectInputRuns) {
  std::string input = dir + "/x_ok.npy", output = dir + "/y_ok.npy";
  ASSERT_EQ(writeF32Npy(input, {3, 64}, std::vector<float>(192, 1.0f)), "");
  ProcessResult result =
      runProcess({program, "--input", input, "--output", output}, dir + "/ok");
  ASSERT_TRUE(result.succeeded()) << result.describe();
  std::vector<int64_t> shape;
  std::vector<float> values;
  ASSERT_EQ(readF32Npy(output, shape, values), "");
  EXPECT_EQ(shape, (std::vector<int64_t>{3, 2}));
}

/// The executable is standalone: `ldd` lists no LLVM or MLIR library (and
/// nothing it cannot find).
TEST_F(Executable, LinksNoLlvmOrMlir) {
  ProcessResult result =
      runProcess({"/usr/bin/env", "ldd", program}, dir + "/ldd");
  ASSERT_TRUE(result.succeeded()) << result.describe();
  std::string libraries = lowercase(result.out);
  EXPECT_NE(libraries.find("libc.so"), std::string::npos) << result.out;
  EXPECT_EQ(libraries.find("llvm"), std::string::npos) << result.out;
  EXPECT_EQ(libraries.find("mlir"), std::string::npos) << result.out;
  EXPECT_EQ(libraries.find("not found"), std::string::npos) << result.out;
}

} // namespace
} // namespace quant::e2e
