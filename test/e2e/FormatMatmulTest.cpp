//===- FormatMatmulTest.cpp - compiled matmuls vs the reference codec -----===//
//
// For every format and matmul strategy, one program computing all the cases
// of matmulCases() is compiled by quant-compile and run once; each test
// checks one case's output against a double-precision reference computed
// from the codec's decoding of the same weight bytes, within a rigorous
// float32 rounding bound: Reference.cpp (float strategy, every format) and
// Int8Reference.cpp (int8 strategy, the formats with integer codes).
//
//===----------------------------------------------------------------------===//

#include "DeviceReplay.h"
#include "E2EUtil.h"
#include "Int8Reference.h"
#include "MatmulProgram.h"
#include "Expectations.h"
#include "Reference.h"

#include "quant/formats/Codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <ostream>

namespace quant::e2e {
namespace {

/// Where a program runs.
enum class Target { Cpu, Vulkan, VulkanEmulatedBytes };

/// A format compiled with a strategy for a CPU, or for Vulkan.
struct MatmulParam {
  TestFormat format;
  Strategy strategy;
  /// quant-compile --cpu; empty for the host.
  std::string cpu;
  Target target = Target::Cpu;
};

bool isVulkan(const MatmulParam &param) { return param.target != Target::Cpu; }

/// The quant-compile options of `param`.
std::vector<std::string> compileOptions(const MatmulParam &param) {
  if (isVulkan(param))
    return {"--target=vulkan",
            param.target == Target::Vulkan ? "--vulkan-bytes=native"
                                           : "--vulkan-bytes=emulated"};
  std::vector<std::string> options = {std::string("--matmul-strategy=") +
                                      strategyName(param.strategy)};
  if (!param.cpu.empty())
    options.push_back("--cpu=" + param.cpu);
  return options;
}

/// Test names show the format's id, test output its IR spelling.
void PrintTo(const MatmulParam &param, std::ostream *os) {
  *os << param.format.attribute;
  for (const std::string &option : compileOptions(param))
    *os << " " << option;
}

std::vector<MatmulParam> paramsFor(const std::vector<TestFormat> &formats,
                                   Strategy strategy,
                                   const std::string &cpu = "",
                                   Target target = Target::Cpu) {
  std::vector<MatmulParam> params;
  for (const TestFormat &format : formats)
    params.push_back({format, strategy, cpu, target});
  return params;
}

/// A case the compiler is known to get wrong: skipped, with the reason, until
/// it is fixed. `cpu`, `format` and `test` "*" match anything (`test` is a
/// case name, "threads" or "fused").
struct KnownFailure {
  Strategy strategy;
  const char *cpu;
  const char *format;
  const char *test;
  const char *reason;
};

const std::vector<KnownFailure> &knownFailures() {
  // Cases that the compiler is known to get wrong go here, with the reason;
  // they are reported as skipped. None at present.
  static const std::vector<KnownFailure> list = {};
  return list;
}

bool matches(const char *pattern, const std::string &value) {
  return std::string(pattern) == "*" || value == pattern;
}

const char *knownFailure(const MatmulParam &param, const std::string &test) {
  if (isVulkan(param) && !vulkanDeviceAvailable())
    return "no Vulkan driver on this machine (lavapipe: mesa-vulkan-drivers)";
  for (const KnownFailure &known : knownFailures())
    if (known.strategy == param.strategy && matches(known.cpu, param.cpu) &&
        matches(known.format, param.format.id) && matches(known.test, test))
      return known.reason;
  return nullptr;
}

/// One program, compiled and run once on its cases' inputs.
struct ProgramRun {
  /// Why the program could not be built, compiled or run; empty on success.
  std::string error;
  std::string dir, source, executable;
  std::vector<CaseData> cases;
  /// The outputs of the run with the default thread count, one per case.
  std::vector<std::vector<float>> outputs;
};

/// Runs `run.executable` on the inputs with `extraArgs`, writing the outputs
/// to `<dir>/<prefix><i>.npy` and reading them into `outputs`; returns an
/// error message or "".
std::string runExecutable(const ProgramRun &run,
                          const std::vector<std::string> &extraArgs,
                          const std::string &prefix,
                          std::vector<std::vector<float>> &outputs) {
  std::vector<std::string> argv = {run.executable};
  for (size_t i = 0; i < run.cases.size(); ++i)
    argv.insert(argv.end(),
                {"--input", run.dir + "/x" + std::to_string(i) + ".npy"});
  std::vector<std::string> outputPaths;
  for (size_t i = 0; i < run.cases.size(); ++i) {
    std::string name = prefix + std::to_string(i) + ".npy";
    argv.insert(argv.end(), {"--output", run.dir + "/" + name});
    outputPaths.push_back(outputFile(run.dir, name));
  }
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  ProcessResult result = runRecorded(run.dir, prefix + "run", argv);
  if (!result.succeeded())
    return run.executable + " failed: " + result.describe();
  outputs.assign(run.cases.size(), {});
  for (size_t i = 0; i < run.cases.size(); ++i) {
    std::vector<int64_t> shape;
    if (std::string error = readF32Npy(outputPaths[i], shape, outputs[i]);
        !error.empty())
      return error;
    if (shape != run.cases[i].shape.resultShape())
      return outputPaths[i] + ": shape " + shapeString(shape) + ", expected " +
             shapeString(run.cases[i].shape.resultShape());
  }
  return "";
}

/// The scratch directory of a program:
/// <work>/<format id>[_int8][_<cpu>][_vulkan[_emulated]].
std::string directoryName(const MatmulParam &param) {
  std::string target = param.target == Target::Cpu      ? ""
                       : param.target == Target::Vulkan ? "_vulkan"
                                                        : "_vulkan_emulated";
  return param.format.id + (param.strategy == Strategy::Float ? "" : "_int8") +
         (param.cpu.empty() ? "" : "_" + param.cpu) + target;
}

/// Generates, compiles and runs the program of `param`.
ProgramRun buildAndRun(const MatmulParam &param) {
  ProgramRun run;
  run.dir = freshWorkDir(directoryName(param));
  run.source = run.dir + "/prog.mlir";
  run.executable = run.dir + "/prog";
  uint64_t seed = hashString(directoryName(param));
  for (const MatmulCase &shape : matmulCases(param.format, param.strategy))
    run.cases.push_back(
        makeCaseData(param.format, shape, seed ^ hashString(shape.name)));
  for (size_t i = 0; i < run.cases.size(); ++i) {
    const CaseData &data = run.cases[i];
    std::string error =
        writeF32Npy(run.dir + "/x" + std::to_string(i) + ".npy",
                    data.shape.activationShape(), data.activations);
    if (!error.empty()) {
      run.error = error;
      return run;
    }
  }
  if (!writeTextFile(run.source, matmulProgram(param.format, run.cases))) {
    run.error = "cannot write " + run.source;
    return run;
  }
  std::vector<std::string> options = compileOptions(param);
  ProcessResult compiled = compileProgram(run.source, run.executable, options);
  if (!compiled.succeeded()) {
    run.error = "quant-compile";
    for (const std::string &option : options)
      run.error += " " + option;
    run.error += " " + run.source + " failed: " + compiled.describe();
    return run;
  }
  run.error = runExecutable(run, {}, "y", run.outputs);
  return run;
}

/// The run of `param`, built on first use.
const ProgramRun &programRun(const MatmulParam &param) {
  static std::map<std::string, ProgramRun> runs;
  std::string key = directoryName(param);
  auto found = runs.find(key);
  if (found == runs.end())
    found = runs.emplace(key, buildAndRun(param)).first;
  return found->second;
}

/// A format other than `spec` that stores rows of `depth` elements: decoding
/// with it must give results outside the tolerance. A named one where the
/// depth allows, else 4-bit codes with one f32 scale per row.
fmt::FormatSpec otherFormat(const fmt::FormatSpec &spec, int64_t depth) {
  for (const char *name : {"q8_0", "q4_0"}) {
    const fmt::FormatSpec *other = fmt::lookupNamedFormat(name);
    if (other && other->name != spec.name &&
        fmt::checkRowLength(*other, size_t(depth)).empty())
      return *other;
  }
  fmt::FormatSpec perRow;
  perRow.name = "int4 per row";
  perRow.bits = 4;
  perRow.blockSize = 0;
  perRow.scaleType = fmt::ScaleType::F32;
  perRow.codeKind = fmt::CodeKind::SInt;
  return perRow;
}

/// The expected output of `shape` for weights `storage` in `spec`.
Reference expectedOutput(Strategy strategy, const fmt::FormatSpec &spec,
                         const CaseData &data,
                         const std::vector<uint8_t> &storage) {
  const MatmulCase &shape = data.shape;
  if (strategy == Strategy::Int8)
    return referenceInt8Matmul(spec, shape, data.activations, storage);
  return referenceMatmul(
      shape, data.activations,
      decodeWeights(spec, storage, shape.storageRows(), shape.depth));
}

class Matmul : public testing::TestWithParam<MatmulParam> {
protected:
  /// Checks the output of case `name` of the program.
  void checkCase(const std::string &name);
};

void Matmul::checkCase(const std::string &name) {
  const MatmulParam &param = GetParam();
  const TestFormat &format = param.format;
  if (const char *reason = knownFailure(param, name))
    GTEST_SKIP() << "known failure: " << reason;
  const ProgramRun &run = programRun(param);
  ASSERT_TRUE(run.error.empty()) << run.error;
  auto found =
      std::find_if(run.cases.begin(), run.cases.end(),
                   [&](const CaseData &c) { return c.shape.name == name; });
  ASSERT_NE(found, run.cases.end()) << "no case " << name;
  size_t index = size_t(found - run.cases.begin());
  const CaseData &data = *found;
  const MatmulCase &shape = data.shape;
  const std::vector<float> &output = run.outputs[index];
  std::string options;
  for (const std::string &option : compileOptions(param))
    options += " " + option;
  SCOPED_TRACE(format.id + " (" + options + ") " +
               shape.describe() + "; output y" + std::to_string(index) +
               " of " + run.source);

  Reference reference =
      expectedOutput(param.strategy, format.spec, data, data.storage);
  expectWithinReference(output, reference);
  if (HasFatalFailure())
    return;

  // The check has teeth: the output is not trivially zero, and the same
  // weights stored in another format give results outside the bound.
  size_t nonzero = size_t(std::count_if(output.begin(), output.end(),
                                        [](float y) { return y != 0; }));
  EXPECT_GT(nonzero, output.size() / 2) << "the output is mostly zero";
  fmt::FormatSpec other = otherFormat(format.spec, shape.depth);
  Reference otherReference = expectedOutput(
      param.strategy, other, data,
      quantizeWeights(other, data.weights, shape.storageRows(), shape.depth));
  Comparison otherComparison = compareToReference(output, otherReference);
  RecordProperty("other_format_worst_error_over_bound",
                 std::to_string(otherComparison.worstRatio));
  EXPECT_GT(otherComparison.violations, 0u)
      << "the output meets the bound for format " << other.name
      << " too: the tolerance cannot tell formats apart";
  if (param.strategy == Strategy::Int8) {
    // ... and a kernel that did not round the activations would fail too.
    Reference unrounded =
        expectedOutput(Strategy::Float, format.spec, data, data.storage);
    unrounded.bounds = reference.bounds;
    Comparison floatComparison = compareToReference(output, unrounded);
    RecordProperty("float_result_worst_error_over_bound",
                   std::to_string(floatComparison.worstRatio));
    EXPECT_GT(floatComparison.violations, 0u)
        << "the output meets the int8 bound around the float result: were "
           "the activations quantized at all?";
  }
}

TEST_P(Matmul, Decode) { checkCase("decode"); }
TEST_P(Matmul, SmallN) { checkCase("small_n"); }
TEST_P(Matmul, TailNM) { checkCase("tail_n_m"); }
TEST_P(Matmul, FullTiles) { checkCase("full_tiles"); }
TEST_P(Matmul, Panels) { checkCase("panels"); }
TEST_P(Matmul, PackedTiles) { checkCase("packed_tiles"); }
TEST_P(Matmul, PlainWeights) { checkCase("plain"); }
TEST_P(Matmul, Matvec) { checkCase("matvec"); }
TEST_P(Matmul, Vecmat) { checkCase("vecmat"); }
TEST_P(Matmul, BatchedWeights) { checkCase("batched"); }
TEST_P(Matmul, BatchedSharedWeights) { checkCase("batched_shared"); }
TEST_P(Matmul, ShortK) { checkCase("short_k"); }
TEST_P(Matmul, TinyWeights) { checkCase("tiny_weights"); }

/// --threads 1, 2 and 5 (more threads than some matmuls have rows per
/// thread) and the default give bit-identical outputs: each output element
/// is computed by one thread, in an order that does not depend on the split.
TEST_P(Matmul, ThreadCountsAgree) {
  const MatmulParam &param = GetParam();
  if (const char *reason = knownFailure(param, "threads"))
    GTEST_SKIP() << "known failure: " << reason;
  // Vulkan kernels do not use the host's threads; and lavapipe compiles a
  // kernel loaded from its shader cache with different float contraction
  // than a fresh one, so reruns agree within the bound, not bit for bit.
  if (isVulkan(param))
    GTEST_SKIP() << "host threads do not apply to Vulkan kernels";
  const ProgramRun &run = programRun(param);
  ASSERT_TRUE(run.error.empty()) << run.error;
  for (const char *threads : {"1", "2", "5"}) {
    SCOPED_TRACE(std::string("--threads ") + threads);
    std::vector<std::vector<float>> outputs;
    ASSERT_EQ(runExecutable(run, {"--threads", threads},
                            "t" + std::string(threads) + "_y", outputs),
              "");
    for (size_t i = 0; i < run.cases.size(); ++i) {
      ASSERT_EQ(outputs[i].size(), run.outputs[i].size());
      EXPECT_EQ(std::memcmp(outputs[i].data(), run.outputs[i].data(),
                            outputs[i].size() * sizeof(float)),
                0)
          << "differs from the default thread count: "
          << run.cases[i].shape.describe();
    }
  }
}

/// Every matmul of the program became a dispatch of a fused kernel (matmuls
/// of the same format and shapes share one kernel): none was left to
/// dequantize its weights into a float copy (which would compute the same
/// numbers, only slower and with more memory).
TEST_P(Matmul, AllMatmulsFused) {
  const MatmulParam &param = GetParam();
  if (const char *reason = knownFailure(param, "fused"))
    GTEST_SKIP() << "known failure: " << reason;
  const ProgramRun &run = programRun(param);
  ASSERT_TRUE(run.error.empty()) << run.error;
  if (isVulkan(param)) {
    // One fused matmul kernel per matmul, and every SPIR-V module valid.
    std::string dir = run.dir + "/spirv";
    std::vector<std::string> argv = {compilerPath(), "--quiet",
                                     "--emit=spirv"};
    for (const std::string &option : compileOptions(param))
      argv.push_back(option);
    argv.insert(argv.end(), {run.source, "-o", dir});
    ProcessResult result = runProcess(argv, dir);
    ASSERT_TRUE(result.succeeded()) << result.describe();
    std::vector<std::string> modules = listFiles(dir, ".spv");
    size_t matmuls = size_t(std::count_if(
        modules.begin(), modules.end(), [](const std::string &path) {
          return path.find("/qt_matmul_") != std::string::npos;
        }));
    EXPECT_EQ(matmuls, run.cases.size())
        << "fused matmul kernels in " << dir << " for the "
        << run.cases.size() << " matmuls of " << run.source;
    for (const std::string &module : modules) {
      ProcessResult valid = runProcess(
          {spirvValPath(), "--target-env", "vulkan1.1", module},
          module + ".val");
      EXPECT_TRUE(valid.succeeded())
          << "spirv-val rejects " << module << ": " << valid.describe();
    }
    return;
  }
  std::string lowered = run.dir + "/prog.lowered.mlir";
  std::vector<std::string> argv = {compilerPath(), "--quiet", "--emit=mlir"};
  for (const std::string &option : compileOptions(param))
    argv.push_back(option);
  argv.insert(argv.end(), {run.source, "-o", lowered});
  ProcessResult result = runProcess(argv, lowered);
  ASSERT_TRUE(result.succeeded()) << result.describe();
  std::ifstream in(lowered);
  size_t dispatches = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find("llvm.call @qrt_parallel_for") != std::string::npos)
      ++dispatches;
  EXPECT_EQ(dispatches, run.cases.size())
      << "fused kernel dispatches in " << lowered << " for the "
      << run.cases.size() << " matmuls of " << run.source;
}

/// Byte emulation changes only how bytes are loaded, the same way for every
/// format: one format of each layout family (block scales, zero points,
/// super-blocks, per-row scales, codebooks, minifloats) covers it, and keeps
/// the lavapipe run short (its shader compiler takes seconds per kernel).
std::vector<TestFormat> emulatedBytesFormats() {
  std::vector<TestFormat> formats;
  for (const TestFormat &format : testFormats())
    for (const char *id : {"q4_0", "q8_0", "q4_k", "int8_pc", "mxfp4",
                           "int3_g64_zp", "codebook4_g32"})
      if (format.id == id)
        formats.push_back(format);
  return formats;
}

std::string paramName(const testing::TestParamInfo<MatmulParam> &info) {
  return info.param.format.id;
}

/// The float strategy, for every format.
INSTANTIATE_TEST_SUITE_P(Float, Matmul,
                         testing::ValuesIn(paramsFor(testFormats(),
                                                     Strategy::Float)),
                         paramName);
/// The int8 strategy (the default on CPUs with VNNI), for the formats it
/// handles: on the host (vpdpbusd where it has VNNI) and on a baseline CPU
/// without VNNI (the portable integer dot product).
INSTANTIATE_TEST_SUITE_P(Int8, Matmul,
                         testing::ValuesIn(paramsFor(int8TestFormats(),
                                                     Strategy::Int8)),
                         paramName);
/// Vulkan (lavapipe in CI, with the validation layer: any message fails the
/// run), with 8-bit storage buffers and with bytes emulated in 32-bit words.
INSTANTIATE_TEST_SUITE_P(Vulkan, Matmul,
                         testing::ValuesIn(paramsFor(testFormats(),
                                                     Strategy::Float, "",
                                                     Target::Vulkan)),
                         paramName);
INSTANTIATE_TEST_SUITE_P(VulkanEmulatedBytes, Matmul,
                         testing::ValuesIn(paramsFor(
                             emulatedBytesFormats(), Strategy::Float, "",
                             Target::VulkanEmulatedBytes)),
                         paramName);
INSTANTIATE_TEST_SUITE_P(Int8NoVnni, Matmul,
                         testing::ValuesIn(paramsFor(int8TestFormats(),
                                                     Strategy::Int8,
                                                     "x86-64-v2")),
                         paramName);

} // namespace
} // namespace quant::e2e
