//===- Main.cpp - qrt_main: the AOT executable's command line -------------===//
//
// Reads the inputs, checks them against the compiled program's signature,
// runs quant_program_entry (optionally as a benchmark) and writes or prints
// the outputs. Every failure is one "prog: error: ..." line on stderr and a
// non-zero exit code: 2 for usage errors, 1 for everything else. No output
// file is left behind when the run fails.
//
//===----------------------------------------------------------------------===//

#include "BenchStats.h"
#include "CommandLine.h"
#include "DType.h"
#include "Signature.h"
#include "ThreadPool.h"

#include "quant/runtime/Npy.h"
#include "quant/runtime/Runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <set>

using namespace quant::rt;

namespace {

/// Exit codes.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

/// How many values of each output are printed without --output.
constexpr size_t kPrintedValues = 8;

/// Prints "prog: error: message" and returns `code`.
int reportError(const std::string &program, const std::string &message,
                int code) {
  std::fprintf(stderr, "%s: error: %s\n", program.c_str(), message.c_str());
  return code;
}

/// A zeroed, aligned buffer of `bytes` bytes whose data() is never null.
AlignedBytes makeBuffer(uint64_t bytes) {
  AlignedBytes buffer;
  buffer.reserve(std::max<size_t>(size_t(bytes), kBufferAlignment));
  buffer.resize(size_t(bytes));
  return buffer;
}

/// Reads input `index` from `path` into `buffer`, checking it against the
/// signature; bf16 inputs are read as f32 and converted.
bool loadInput(int32_t index, const qrt_tensor_sig &tensor,
               const std::string &path, AlignedBytes &buffer,
               std::string &error) {
  NpyArray array;
  if (!readNpy(path, array, error))
    return false;
  std::vector<int64_t> expectedShape = signatureShape(tensor);
  NpyDType expectedDType = npyDTypeFor(tensor.dtype);
  if (array.shape != expectedShape || array.dtype != expectedDType) {
    std::string expected =
        formatShape(expectedShape) + " " + dtypeName(tensor.dtype);
    if (tensor.dtype == QRT_BF16)
      expected += " (as f32)";
    error = tensorLabel("input", index, tensor) + ": expected shape " +
            expected + ", got " + formatShape(array.shape) + " " +
            npyDTypeName(array.dtype) + " from " + path;
    return false;
  }
  if (tensor.dtype != QRT_BF16) {
    buffer = std::move(array.data);
    return true;
  }
  size_t count = array.data.size() / sizeof(float);
  buffer = makeBuffer(count * sizeof(uint16_t));
  for (size_t i = 0; i < count; ++i) {
    float value;
    std::memcpy(&value, array.data.data() + i * sizeof(float), sizeof(float));
    uint16_t bits = floatToBfloat16(value);
    std::memcpy(buffer.data() + i * sizeof(uint16_t), &bits, sizeof(bits));
  }
  return true;
}

/// Writes output `tensor` from `buffer` to `path`; bf16 is written as f32.
bool storeOutput(const qrt_tensor_sig &tensor, const AlignedBytes &buffer,
                 const std::string &path, std::string &error) {
  std::vector<int64_t> shape = signatureShape(tensor);
  NpyDType dtype = npyDTypeFor(tensor.dtype);
  if (tensor.dtype != QRT_BF16)
    return writeNpy(path, dtype, shape, buffer.data(), error);
  size_t count = buffer.size() / sizeof(uint16_t);
  std::vector<float> widened(count);
  for (size_t i = 0; i < count; ++i) {
    uint16_t bits;
    std::memcpy(&bits, buffer.data() + i * sizeof(uint16_t), sizeof(bits));
    widened[i] = bfloat16ToFloat(bits);
  }
  return writeNpy(path, dtype, shape, widened.data(), error);
}

/// Prints "output 1 (y): 2x3 f32 = [1, 2, 3, ...]".
void printOutput(int32_t index, const qrt_tensor_sig &tensor,
                 const AlignedBytes &buffer) {
  size_t count = buffer.size() / dtypeSize(tensor.dtype);
  std::string line = tensorLabel("output", index, tensor) + ": " +
                     describeTensor(tensor) + " = [";
  for (size_t i = 0; i < count && i < kPrintedValues; ++i) {
    if (i)
      line += ", ";
    line += formatElement(tensor.dtype, buffer.data(), i);
  }
  if (count > kPrintedValues)
    line += ", ...";
  line += "]";
  std::printf("%s\n", line.c_str());
}

/// Picks the thread count: --threads, else QUANT_THREADS (the pool's own
/// default), else the signature's default, else one per core.
void configureThreads(const Options &options,
                      const qrt_program_sig &signature) {
  if (options.threads > 0)
    qrt_set_num_threads(options.threads);
  else if (parseThreadCount(std::getenv("QUANT_THREADS")) > 0)
    return;
  else if (signature.default_threads > 0)
    qrt_set_num_threads(signature.default_threads);
}

/// "1 input", "2 inputs".
std::string countOf(size_t count, const char *noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

/// Milliseconds since `start`.
double elapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

int runMain(int argc, char **argv) {
  std::string program = programName(argc > 0 ? argv[0] : nullptr);
  Options options;
  std::string error;
  if (!parseCommandLine(argc, argv, options, error))
    return reportError(program, error, kExitUsage);
  if (options.help) {
    std::fputs(usageText(program).c_str(), stdout);
    return 0;
  }

  const qrt_program_sig &signature = quant_program_signature;
  if (!validateSignature(signature, error))
    return reportError(program, error, kExitFailure);
  if (options.signature) {
    std::fputs(formatSignature(signature).c_str(), stdout);
    return 0;
  }

  size_t numInputs = size_t(signature.num_inputs);
  size_t numOutputs = size_t(signature.num_outputs);
  if (options.inputs.size() != numInputs)
    return reportError(program,
                       "expected " + countOf(numInputs, "input") +
                           " (--input), got " +
                           std::to_string(options.inputs.size()),
                       kExitUsage);
  if (!options.outputs.empty() && options.outputs.size() != numOutputs)
    return reportError(program,
                       "expected " + countOf(numOutputs, "output") +
                           " (--output), got " +
                           std::to_string(options.outputs.size()),
                       kExitUsage);
  std::set<std::string> outputPaths;
  for (const std::string &path : options.outputs)
    if (!outputPaths.insert(path).second)
      return reportError(program, "output file " + path + " given twice",
                         kExitUsage);

  // Inputs then outputs, as quant_program_entry expects them.
  std::vector<AlignedBytes> buffers(numInputs + numOutputs);
  for (size_t i = 0; i < numInputs; ++i)
    if (!loadInput(int32_t(i), signature.inputs[i], options.inputs[i],
                   buffers[i], error))
      return reportError(program, error, kExitFailure);
  for (size_t i = 0; i < numOutputs; ++i)
    buffers[numInputs + i] = makeBuffer(signatureBytes(signature.outputs[i]));
  std::vector<void *> pointers;
  for (AlignedBytes &buffer : buffers)
    pointers.push_back(buffer.data());

  configureThreads(options, signature);
  quant_program_entry(pointers.data()); // The warm-up run when benchmarking.
  if (options.benchRuns > 0) {
    std::vector<double> times;
    times.reserve(size_t(options.benchRuns));
    for (int64_t run = 0; run < options.benchRuns; ++run) {
      auto start = std::chrono::steady_clock::now();
      quant_program_entry(pointers.data());
      times.push_back(elapsedMs(start));
    }
    std::printf("%s\n",
                formatBenchLine(summarizeTimes(std::move(times)),
                                options.benchRuns, qrt_get_num_threads())
                    .c_str());
  }

  if (options.outputs.empty()) {
    if (options.benchRuns == 0)
      for (size_t i = 0; i < numOutputs; ++i)
        printOutput(int32_t(i), signature.outputs[i], buffers[numInputs + i]);
    if (std::fflush(stdout) != 0 || std::ferror(stdout))
      return reportError(program, "cannot write to standard output",
                         kExitFailure);
    return 0;
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    if (storeOutput(signature.outputs[i], buffers[numInputs + i],
                    options.outputs[i], error))
      continue;
    // A partial set of outputs must not pass for a complete one.
    for (size_t j = 0; j < i; ++j)
      std::remove(options.outputs[j].c_str());
    return reportError(program, error, kExitFailure);
  }
  std::fflush(stdout);
  return 0;
}

} // namespace

extern "C" int qrt_main(int argc, char **argv) {
  try {
    return runMain(argc, argv);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "%s: error: out of memory\n",
                 programName(argc > 0 ? argv[0] : nullptr).c_str());
  } catch (...) {
    std::fprintf(stderr, "%s: error: internal error\n",
                 programName(argc > 0 ? argv[0] : nullptr).c_str());
  }
  return kExitFailure;
}
