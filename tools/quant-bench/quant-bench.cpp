//===- quant-bench.cpp - benchmarks of generated quantized kernels --------===//
//
//   quant-bench matmul --format q4_0[,q8_0...] --m 4096 --n 1[,512] --k 14336
//                      [--threads 2] [--baseline openblas] [--runs N]
//                      [--cpu NAME] [--target cpu|vulkan]
//                      [--vulkan-bytes native|emulated]
//   quant-bench error --format NAME [--m ROWS --k COLS]
//
// `matmul` prints one line per case with the median time (ms=), compute
// throughput (gflops=) and weight bandwidth (gbps=: weight bytes read per
// second). With --baseline openblas the same shape runs through OpenBLAS fp32
// sgemv/sgemm in the same process, so ratios come from one run.
// With --target=vulkan the program is lowered by the Vulkan pipeline and its
// kernels run through QuantRuntimeVulkan; lines then also report the median
// GPU time (gpu_ms=, from the runtime's timestamps), and the rates use it
// when the device has timestamps.
// `error` quantizes N(0,1) weights and reports the format's reconstruction
// error against the float64 originals.
//
// A format is a named one or any format attribute written as in IR, e.g.
// --format '#qt.int<bits = 3, block = 64, scale = f16, zero_point>'.
//
//===----------------------------------------------------------------------===//

#include "KernelLibrary.h"

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/SystemLinker.h"
#include "codegen/vulkan/Passes.h"
#include "dialects/qt/QtOps.h"
#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"
#include "quant/formats/PanelLayout.h"
#include "quant/runtime/LargeBuffer.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

using namespace mlir;
using namespace quant;

namespace {

/// A format to benchmark: its label and description.
struct FormatChoice {
  std::string label;
  fmt::FormatSpec spec;
};

struct Options {
  std::string command;
  std::vector<std::string> formats;
  int64_t m = 4096, k = 14336;
  std::vector<int64_t> n = {1};
  int threads = 2;
  int runs = 0; // 0: until about a second of measurements
  bool openblas = false;
  /// Weights in huge pages (as compiled models hold them), else 4 KiB pages.
  bool hugePages = true;
  std::string cpu = "host";
  std::string strategy = "auto";
  bench::Target target = bench::Target::Cpu;
  vulkan::ByteStorage byteStorage = vulkan::ByteStorage::Native;
};

[[noreturn]] void die(const std::string &message, int code = 1) {
  std::fprintf(stderr, "quant-bench: error: %s\n", message.c_str());
  std::exit(code);
}

void usage() {
  std::printf(
      "usage: quant-bench matmul --format F[,F...] --m M --n N[,N...] --k K\n"
      "                          [--threads T] [--baseline openblas] "
      "[--runs R] [--cpu NAME]\n"
      "                          [--strategy auto|float|int8|packed] "
      "[--target cpu|vulkan]\n"
      "                          [--vulkan-bytes native|emulated] "
      "[--pages huge|small]\n"
      "       quant-bench error --format F [--m ROWS] [--k COLS]\n\n"
      "matmul: times y = x * W^T with W (M x K) in a quantized format and x "
      "(N x K) f32.\n"
      "error:  reconstruction error of a format on N(0,1) weights.\n"
      "--target=vulkan runs the kernels as SPIR-V compute shaders through the\n"
      "  Vulkan runtime (QUANT_VK_DEVICE, QUANT_VK_VALIDATION apply); buffers\n"
      "  live in the runtime's memory, gpu_ms= is the GPU time and gflops/gbps\n"
      "  use it when the device has timestamps (else the wall time). --threads\n"
      "  has no effect on it (only on --baseline openblas); --strategy int8 is\n"
      "  not available; --vulkan-bytes picks 8-bit storage or its emulation.\n"
      "--pages: the weights (quantized, and f32 for the baseline) in 2 MiB\n"
      "  transparent huge pages (default, as compiled models hold them) or\n"
      "  4 KiB pages.\n"
      "--strategy packed: the int8 kernel on weights stored as packed panels\n"
      "  (as quant-compile embeds a model's weights; q4_0, q4_1, q5_0, q5_1,\n"
      "  q8_0, q4_k, q5_k, q6_k, M a multiple of 16).\n"
      "F is a named format or a format attribute as written in IR, e.g.\n"
      "  '#qt.int<bits = 3, block = 64, scale = f16, zero_point>'\n"
      "Named formats: ");
  for (const fmt::FormatSpec &spec : fmt::namedFormats())
    std::printf("%s ", spec.name.c_str());
  std::printf("\n");
}

int64_t parseInt(const std::string &flag, llvm::StringRef text) {
  int64_t value;
  if (text.getAsInteger(10, value) || value <= 0)
    die(flag + " needs a positive integer, got '" + text.str() + "'", 2);
  return value;
}

Options parseOptions(int argc, char **argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0) {
    usage();
    std::exit(argc < 2 ? 2 : 0);
  }
  if (std::strcmp(argv[1], "matmul") != 0 && std::strcmp(argv[1], "error") != 0)
    die(std::string("unknown benchmark '") + argv[1] + "' (try: matmul, error)",
        2);
  Options options;
  options.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      usage();
      std::exit(0);
    }
    // Values follow as the next argument or after `=` (--target=vulkan).
    llvm::StringRef value;
    if (size_t equals = flag.find('=');
        flag.rfind("--", 0) == 0 && equals != std::string::npos) {
      value = llvm::StringRef(argv[i]).drop_front(equals + 1);
      flag.resize(equals);
    } else {
      if (i + 1 >= argc)
        die(flag + " needs a value", 2);
      value = argv[++i];
    }
    if (flag == "--format") {
      // Attributes may contain commas; lists are for named formats.
      if (value.starts_with("#")) {
        options.formats.push_back(value.str());
        continue;
      }
      llvm::SmallVector<llvm::StringRef> names;
      value.split(names, ',');
      for (llvm::StringRef name : names)
        options.formats.push_back(name.str());
    } else if (flag == "--m") {
      options.m = parseInt(flag, value);
    } else if (flag == "--k") {
      options.k = parseInt(flag, value);
    } else if (flag == "--n") {
      llvm::SmallVector<llvm::StringRef> sizes;
      value.split(sizes, ',');
      options.n.clear();
      for (llvm::StringRef size : sizes)
        options.n.push_back(parseInt(flag, size));
    } else if (flag == "--threads") {
      options.threads = int(parseInt(flag, value));
    } else if (flag == "--runs") {
      options.runs = int(parseInt(flag, value));
    } else if (flag == "--strategy") {
      if (value != "auto" && value != "float" && value != "int8" &&
          value != "packed")
        die("unknown strategy '" + value.str() +
                "' (auto, float, int8, packed)",
            2);
      options.strategy = value.str();
    } else if (flag == "--target") {
      if (value == "cpu")
        options.target = bench::Target::Cpu;
      else if (value == "vulkan")
        options.target = bench::Target::Vulkan;
      else
        die("unknown target '" + value.str() + "' (cpu, vulkan)", 2);
    } else if (flag == "--vulkan-bytes") {
      if (value == "native")
        options.byteStorage = vulkan::ByteStorage::Native;
      else if (value == "emulated")
        options.byteStorage = vulkan::ByteStorage::Emulated;
      else
        die("unknown --vulkan-bytes '" + value.str() +
                "' (native, emulated)",
            2);
    } else if (flag == "--pages") {
      if (value != "huge" && value != "small")
        die("unknown --pages '" + value.str() + "' (huge, small)", 2);
      options.hugePages = value == "huge";
    } else if (flag == "--cpu") {
      options.cpu = value.str();
    } else if (flag == "--baseline") {
      if (value != "openblas")
        die("unknown baseline '" + value.str() + "' (supported: openblas)", 2);
      options.openblas = true;
    } else {
      die("unknown flag '" + flag + "'", 2);
    }
  }
  if (options.formats.empty() && !options.openblas)
    die("nothing to run: give --format and/or --baseline openblas", 2);
  if (options.command == "error" && options.formats.empty())
    die("error needs --format", 2);
  if (options.target == bench::Target::Vulkan && options.strategy != "auto" &&
      options.strategy != "float")
    die("--strategy " + options.strategy +
            " is not available with --target=vulkan (its kernels dequantize "
            "to float)",
        2);
  return options;
}

/// Resolves a named format or parses a `#qt...` format attribute.
FormatChoice resolveFormat(MLIRContext &context, const std::string &text) {
  if (const fmt::FormatSpec *named = fmt::lookupNamedFormat(text))
    return {text, *named};
  if (text.empty() || text[0] != '#')
    die("unknown format '" + text + "' (see --help for the named formats)", 2);
  Attribute attr = parseAttribute(text, &context);
  auto format = dyn_cast_or_null<qt::QuantFormatAttrInterface>(attr);
  if (!format)
    die("'" + text + "' is not a valid qt format attribute", 2);
  return {text, format.getFormatSpec()};
}

/// Reconstruction error of `choice` on N(0,1) weights of `rows x cols`.
int runError(MLIRContext &context, const Options &options) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal(0.0, 1.0);
  for (const std::string &text : options.formats) {
    FormatChoice choice = resolveFormat(context, text);
    fmt::FormatSpec spec = choice.spec;
    if (std::string problem = fmt::checkRowLength(spec, size_t(options.k));
        !problem.empty())
      die(choice.label + ": " + problem);
    std::vector<float> row(size_t(options.k)), decoded(size_t(options.k));
    std::vector<uint8_t> bytes(spec.rowBytes(size_t(options.k)));
    double sumSquaredError = 0, sumSquares = 0, maxError = 0;
    for (int64_t r = 0; r < options.m; ++r) {
      for (float &v : row)
        v = float(normal(rng));
      fmt::quantizeRow(spec, row.data(), row.size(), bytes.data());
      fmt::dequantizeRow(spec, bytes.data(), row.size(), decoded.data());
      for (size_t i = 0; i < row.size(); ++i) {
        double error = double(decoded[i]) - double(row[i]);
        sumSquaredError += error * error;
        sumSquares += double(row[i]) * double(row[i]);
        maxError = std::max(maxError, std::abs(error));
      }
    }
    double count = double(options.m) * double(options.k);
    std::printf("error format=%s bpw=%.4f rmse=%.6f max=%.6f sqnr_db=%.2f\n",
                choice.label.c_str(), spec.bitsPerWeight(size_t(options.k)),
                std::sqrt(sumSquaredError / count), maxError,
                10.0 * std::log10(sumSquares / sumSquaredError));
  }
  return 0;
}

/// Median, min and max of repeated timings of `body`, in milliseconds, and
/// the median GPU time of the runs (0 when unknown).
struct Timing {
  double median, min, max;
  double gpuMedian = 0;
};

/// Times `body`; `gpuMs`, when given, returns the GPU time of the run that
/// just completed.
Timing measure(const std::function<void()> &body, int runs,
               const std::function<double()> &gpuMs = nullptr) {
  // Warm-up: page in weights, start threads; for Vulkan also create the
  // pipelines (shader compilation) and the runtime's first buffers.
  body();
  if (gpuMs)
    gpuMs(); // Not the warm-up's.
  std::vector<double> times, gpuTimes;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; runs ? i < runs : true; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    body();
    auto t1 = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    if (gpuMs)
      gpuTimes.push_back(gpuMs());
    double elapsed =
        std::chrono::duration<double>(t1 - start).count();
    if (!runs && ((elapsed > 1.0 && times.size() >= 5) || times.size() >= 500))
      break;
  }
  std::sort(times.begin(), times.end());
  Timing timing{times[times.size() / 2], times.front(), times.back()};
  if (!gpuTimes.empty()) {
    std::sort(gpuTimes.begin(), gpuTimes.end());
    timing.gpuMedian = gpuTimes[gpuTimes.size() / 2];
  }
  return timing;
}

void report(const std::string &what, const Options &options, int64_t n,
            const Timing &t, double weightBytes) {
  double flops = 2.0 * double(options.m) * double(n) * double(options.k);
  std::printf("matmul %s m=%lld n=%lld k=%lld threads=%d ms=%.4f min=%.4f "
              "max=%.4f gflops=%.1f gbps=%.2f\n",
              what.c_str(), (long long)options.m, (long long)n,
              (long long)options.k, options.threads, t.median, t.min, t.max,
              flops / (t.median * 1e6), weightBytes / (t.median * 1e6));
  std::fflush(stdout);
}

/// A Vulkan line: like report()'s without threads, with the GPU time; the
/// rates use the GPU time when there is one, else the wall time.
void reportVulkan(const std::string &what, const Options &options, int64_t n,
                  const Timing &t, double weightBytes) {
  double flops = 2.0 * double(options.m) * double(n) * double(options.k);
  bool gpu = t.gpuMedian > 0;
  double ms = gpu ? t.gpuMedian : t.median;
  char gpuText[32] = "n/a";
  if (gpu)
    std::snprintf(gpuText, sizeof(gpuText), "%.4f", t.gpuMedian);
  std::printf("matmul %s m=%lld n=%lld k=%lld ms=%.4f min=%.4f max=%.4f "
              "gpu_ms=%s gflops=%.1f gbps=%.2f (%s time)\n",
              what.c_str(), (long long)options.m, (long long)n,
              (long long)options.k, t.median, t.min, t.max, gpuText,
              flops / (ms * 1e6), weightBytes / (ms * 1e6),
              gpu ? "gpu" : "wall");
  std::fflush(stdout);
}

/// Copies `bytes` bytes of `data` into a buffer of `library`; fatal when
/// out of memory.
void *copyIntoLibrary(bench::KernelLibrary &library, const void *data,
                      size_t bytes) {
  void *buffer = library.allocate(bytes);
  if (!buffer)
    die("out of memory for a " + std::to_string(bytes) + "-byte buffer");
  if (data)
    std::memcpy(buffer, data, bytes);
  return buffer;
}

/// y = x * W^T with W given as raw storage of `format`.
OwningOpRef<ModuleOp> buildProgram(MLIRContext &context,
                                   const fmt::FormatSpec &spec,
                                   const Options &options, int64_t n) {
  OpBuilder b(&context);
  Location loc = b.getUnknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  auto qtype = qt::QuantTensorType::get(
      &context, {options.m, options.k}, qt::getFormatAttr(&context, spec));
  RankedTensorType storage = qtype.getStorageTensorType();
  auto xType = RankedTensorType::get({n, options.k}, b.getF32Type());
  auto yType = RankedTensorType::get({n, options.m}, b.getF32Type());
  auto func = func::FuncOp::create(
      b, loc, "main", b.getFunctionType({xType, storage}, {yType}));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value weights =
      qt::FromStorageOp::create(b, loc, qtype, body->getArgument(1));
  auto y = qt::MatmulOp::create(b, loc, yType, body->getArgument(0), weights,
                                /*transpose_b=*/true);
  if (options.strategy == "packed")
    y->setAttr(qt::kPackedWeightsAttrName, b.getUnitAttr());
  func::ReturnOp::create(b, loc, y.getResult());
  return module;
}


} // namespace

int main(int argc, char **argv) {
  Options options = parseOptions(argc, argv);
  DialectRegistry registry;
  vulkan::registerVulkanDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  if (options.command == "error")
    return runError(context, options);

  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto allocate = [&](size_t bytes) {
    rt::LargeBuffer buffer = rt::LargeBuffer::allocate(bytes, options.hugePages);
    if (!buffer.data())
      die("no memory for " + std::to_string(bytes >> 20) + " MiB of weights");
    return buffer;
  };
  size_t weightCount = size_t(options.m * options.k);
  rt::LargeBuffer weightMemory = allocate(weightCount * sizeof(float));
  llvm::MutableArrayRef<float> weights(
      reinterpret_cast<float *>(weightMemory.data()), weightCount);
  for (float &w : weights)
    w = normal(rng);
  int64_t maxN = *std::max_element(options.n.begin(), options.n.end());
  std::vector<float> x(size_t(maxN * options.k));
  for (float &v : x)
    v = normal(rng);
  std::vector<float> y(size_t(maxN * options.m));

  bench::BuildOptions build;
  build.target = options.target;
  build.host.cpu = options.cpu;
  bool packed = options.strategy == "packed";
  build.strategy = packed ? "int8" : options.strategy;
  build.byteStorage = options.byteStorage;
  bool vulkanTarget = options.target == bench::Target::Vulkan;
  std::string runtimeDir = cpu::runtimeDirectory(argv[0]);

  for (const std::string &text : options.formats) {
    FormatChoice choice = resolveFormat(context, text);
    const std::string &name = choice.label;
    const fmt::FormatSpec &spec = choice.spec;
    if (std::string problem = fmt::checkRowLength(spec, size_t(options.k));
        !problem.empty())
      die(name + " cannot hold rows of " + std::to_string(options.k) +
          " elements: " + problem);
    size_t rowBytes = spec.rowBytes(size_t(options.k));
    rt::LargeBuffer storageMemory = allocate(rowBytes * size_t(options.m));
    llvm::MutableArrayRef<uint8_t> storage(storageMemory.data(),
                                           storageMemory.size());
    for (int64_t r = 0; r < options.m; ++r)
      fmt::quantizeRow(spec, weights.data() + r * options.k, size_t(options.k),
                       storage.data() + r * rowBytes);
    if (packed) {
      if (!fmt::canPackPanels(spec, size_t(options.m), size_t(options.k)))
        die(name + " with M = " + std::to_string(options.m) +
            " has no packed-panel layout (q4_0, q4_1, q5_0, q5_1, q8_0, q4_k, "
            "q5_k, q6_k and M a multiple of 16)");
      std::vector<uint8_t> rowMajor(storage.begin(), storage.end());
      fmt::packPanels(spec, rowMajor.data(), size_t(options.m),
                      size_t(options.k), storage.data());
    }
    for (int64_t n : options.n) {
      OwningOpRef<ModuleOp> module = buildProgram(context, spec, options, n);
      bench::KernelLibrary library;
      if (std::string error = library.load(*module, build, runtimeDir);
          !error.empty())
        die(name + ": " + error);
      if (!vulkanTarget) {
        library.setThreads(options.threads);
        void *buffers[] = {x.data(), storage.data(), y.data()};
        Timing t = measure([&] { library.run(buffers); }, options.runs);
        report("format=" + name + " strategy=" + options.strategy, options, n,
               t, double(storage.size()));
        continue;
      }
      // Buffers in the runtime's memory are bound without copies, so the
      // time is the kernels' and not that of copying weights in.
      size_t xBytes = size_t(n * options.k) * sizeof(float);
      size_t yBytes = size_t(n * options.m) * sizeof(float);
      void *buffers[] = {copyIntoLibrary(library, x.data(), xBytes),
                         copyIntoLibrary(library, storage.data(),
                                         storage.size()),
                         copyIntoLibrary(library, nullptr, yBytes)};
      Timing t = measure([&] { library.run(buffers); }, options.runs,
                         [&] { return library.takeGpuMs(); });
      const char *bytes = options.byteStorage == vulkan::ByteStorage::Native
                              ? "native"
                              : "emulated";
      reportVulkan("format=" + name + " target=vulkan bytes=" + bytes, options,
                   n, t, double(storage.size()));
    }
  }

  if (options.openblas) {
    openblas_set_num_threads(options.threads);
    for (int64_t n : options.n) {
      Timing t = measure(
          [&] {
            if (n == 1)
              cblas_sgemv(CblasRowMajor, CblasNoTrans, int(options.m),
                          int(options.k), 1.0f, weights.data(),
                          int(options.k), x.data(), 1, 0.0f, y.data(), 1);
            else
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(n),
                          int(options.m), int(options.k), 1.0f, x.data(),
                          int(options.k), weights.data(), int(options.k),
                          0.0f, y.data(), int(options.m));
          },
          options.runs);
      report(n == 1 ? "openblas-f32-sgemv" : "openblas-f32-sgemm", options, n,
             t, double(weights.size() * sizeof(float)));
    }
  }
  return 0;
}
