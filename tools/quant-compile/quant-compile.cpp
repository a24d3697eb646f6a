//===- quant-compile.cpp - the ahead-of-time compiler driver --------------===//
//
// quant-compile prog.mlir -o prog: compiles a program's entry function, its
// fused quantized kernels and its constant weights into one standalone
// executable linked with the runtime library.
// quant-compile model.gguf -o chat: compiles a llama-family model into a
// text-generation executable (ModelCompiler.cpp).
//
//===----------------------------------------------------------------------===//

#include "Driver.h"
#include "ModelCompiler.h"
#include "ProgramSignature.h"

#include "codegen/cpu/ObjectEmitter.h"
#include "codegen/cpu/Passes.h"
#include "codegen/cpu/SystemLinker.h"
#include "codegen/vulkan/Passes.h"
#include "passes/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using namespace quant::driver;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("quant-compile options");
cl::opt<std::string> inputFile(cl::Positional,
                               cl::desc("<program.mlir | model.gguf>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                cl::value_desc("path"), cl::cat(category));
cl::opt<EmitKind> emit(
    "emit", cl::desc("What to produce"), cl::init(EmitKind::Executable),
    cl::values(clEnumValN(EmitKind::Mlir, "mlir", "lowered MLIR (LLVM dialect)"),
               clEnumValN(EmitKind::Llvm, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::Object, "obj", "an object file"),
               clEnumValN(EmitKind::Executable, "exe",
                          "a standalone executable (default)"),
               clEnumValN(EmitKind::Spirv, "spirv",
                          "--target=vulkan: the SPIR-V kernels, one "
                          "<module>.spv per kernel in the directory -o names")),
    cl::cat(category));
cl::opt<std::string> target("target",
                            cl::desc("Code generation target: cpu (default) "
                                     "or vulkan (SPIR-V kernels run through "
                                     "the Vulkan runtime)"),
                            cl::init("cpu"), cl::cat(category));
cl::opt<std::string> vulkanBytes(
    "vulkan-bytes",
    cl::desc("--target=vulkan: how kernels read 8-bit data: native (8-bit "
             "storage buffers; default) or emulated (from 32-bit words, for "
             "devices without 8-bit storage)"),
    cl::init("native"), cl::cat(category));
cl::opt<std::string> cpu("cpu",
                         cl::desc("x86-64 CPU to compile for (default: host)"),
                         cl::init("host"), cl::cat(category));
cl::opt<unsigned> optLevel("O", cl::desc("Optimization level (0-3)"),
                           cl::Prefix, cl::init(3), cl::cat(category));
/// --threads N: the default thread count baked into the executable (0: one
/// per core; --threads at run time overrides it). Parsed by hand because
/// LLVM's own options already use the name.
int threads = 0;
cl::opt<std::string> entryName("entry", cl::desc("Entry function (default: "
                                                 "main, or the only public "
                                                 "function)"),
                               cl::cat(category));
cl::opt<std::string> matmulStrategy(
    "matmul-strategy",
    cl::desc("Fused matmul kernels: float (dequantize in registers + FMA, any "
             "format), int8 (int8 activations + integer dot products, "
             "integer-code formats), auto (int8 where it applies and the CPU "
             "has VNNI; default)"),
    cl::init("auto"), cl::cat(category));
cl::opt<int64_t> parallelLoopsMinWork(
    "parallel-loops-min-work",
    cl::desc("Estimated iterations from which a host loop nest (attention, "
             "normalization, activation) runs on the thread pool (default "
             "32768)"),
    cl::init(32768), cl::Hidden, cl::cat(category));
cl::opt<bool> quiet("quiet", cl::desc("No progress output"), cl::init(false),
                    cl::cat(category));
cl::opt<int64_t> contextLength(
    "context",
    cl::desc("Models: KV-cache positions (default: the model's context "
             "length, at most 4096)"),
    cl::init(0), cl::cat(category));
cl::opt<int64_t> prefillBatch(
    "batch", cl::desc("Models: prompt tokens per batched step (default 32)"),
    cl::init(32), cl::cat(category));
cl::opt<std::string> weightsMode(
    "weights",
    cl::desc("Models: embedded (default: the GGUF inside the executable) or "
             "external (mapped from the GGUF file at run time)"),
    cl::init("embedded"), cl::cat(category));

/// The entry function: --entry, else `main`, else the only public function.
func::FuncOp findEntry(ModuleOp module, std::string &error) {
  if (!entryName.empty()) {
    auto entry = module.lookupSymbol<func::FuncOp>(entryName);
    if (!entry)
      error = "no function '" + entryName + "' in " + inputFile;
    return entry;
  }
  if (auto entry = module.lookupSymbol<func::FuncOp>("main"))
    return entry;
  func::FuncOp found;
  for (auto function : module.getOps<func::FuncOp>()) {
    if (function.isPrivate() || function.isDeclaration())
      continue;
    if (found) {
      error = "several public functions in " + inputFile +
              "; choose one with --entry";
      return {};
    }
    found = function;
  }
  if (!found)
    error = "no public function to compile in " + inputFile;
  return found;
}

} // namespace

/// quant-compile model.gguf: the model path with the parsed options.
int compileModelFromOptions(const char *argv0) {
  ModelCompileOptions options;
  options.inputFile = inputFile;
  options.outputFile = outputFile;
  options.emit = emit;
  options.target.cpu = cpu;
  options.target.optLevel = optLevel;
  options.matmulStrategy = matmulStrategy;
  options.parallelLoopsMinWork = parallelLoopsMinWork;
  options.vulkan = target == "vulkan";
  options.vulkanNativeBytes = vulkanBytes == "native";
  options.threads = threads;
  options.contextLength = contextLength;
  options.prefillBatch = prefillBatch;
  options.quiet = quiet;
  options.argv0 = argv0;
  if (weightsMode != "embedded" && weightsMode != "external")
    return fail("unknown --weights '" + weightsMode +
                "' (expected embedded or external)");
  options.externalWeights = weightsMode == "external";
  if (contextLength < 0)
    return fail("--context must be positive");
  return compileModel(options);
}

/// Removes `--threads N` / `--threads=N` from the arguments into `threads`.
bool extractThreads(std::vector<char *> &args) {
  for (size_t i = 1; i < args.size(); ++i) {
    llvm::StringRef arg(args[i]);
    std::optional<llvm::StringRef> value;
    size_t consumed = 1;
    if (arg == "--threads" || arg == "-threads") {
      if (i + 1 >= args.size()) {
        fail("--threads needs a value");
        return false;
      }
      value = args[i + 1];
      consumed = 2;
    } else if (arg.consume_front("--threads=") ||
               arg.consume_front("-threads=")) {
      value = arg;
    }
    if (!value)
      continue;
    if (value->getAsInteger(10, threads) || threads < 0) {
      fail("--threads needs a non-negative integer, got '" + *value + "'");
      return false;
    }
    args.erase(args.begin() + i, args.begin() + i + consumed);
    --i;
  }
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::vector<char *> args(argv, argv + argc);
  if (!extractThreads(args))
    return 1;
  // --mlir-print-ir-after-failure, --mlir-timing and the other pass manager
  // options, for compiler work (hidden from --help).
  mlir::registerPassManagerCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      int(args.size()), args.data(),
      "quant-compile: compile a quantized tensor program ahead of time\n\n"
      "  quant-compile prog.mlir -o prog\n"
      "  ./prog --input x.npy --output y.npy [--bench N] [--threads N]\n\n"
      "  --threads=<N>  default thread count baked into the executable\n"
      "                 (0: one per core; overridable at run time)\n");

  if (target != "cpu" && target != "vulkan")
    return fail("unknown target '" + target + "' (supported: cpu, vulkan)");
  bool vulkan = target == "vulkan";
  if (vulkanBytes != "native" && vulkanBytes != "emulated")
    return fail("unknown --vulkan-bytes '" + vulkanBytes +
                "' (expected native or emulated)");
  if (emit == EmitKind::Spirv && !vulkan)
    return fail("--emit=spirv needs --target=vulkan");
  if (parallelLoopsMinWork < 1)
    return fail("--parallel-loops-min-work must be at least 1");
  if (vulkan && matmulStrategy == "int8")
    return fail("--matmul-strategy=int8 is not available with "
                "--target=vulkan (its kernels dequantize to float)");
  if (matmulStrategy != "auto" && matmulStrategy != "float" &&
      matmulStrategy != "int8")
    return fail("unknown --matmul-strategy '" + matmulStrategy +
                "' (expected auto, float or int8)");
  if (!quant::cpu::isKnownCpu(cpu))
    return fail("unknown CPU '" + cpu +
                "' (try x86-64, x86-64-v2, x86-64-v3, x86-64-v4, "
                "skylake-avx512, cascadelake)");
  if (optLevel > 3)
    return fail("optimization level must be 0 to 3");
  if (outputFile.empty()) {
    if (emit == EmitKind::Executable || emit == EmitKind::Spirv)
      return fail("no output file: use -o PATH");
    outputFile = "-";
  }

  if (llvm::StringRef(inputFile).ends_with(".gguf"))
    return compileModelFromOptions(argv[0]);

  Progress progress(emit == EmitKind::Executable ? 4 : 3, quiet);
  DialectRegistry registry;
  quant::vulkan::registerVulkanDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();

  progress.step("parsing " + inputFile);
  std::string error;
  auto buffer = openInputFile(inputFile, &error);
  if (!buffer)
    return fail(inputFile + ": " + error);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("could not parse " + inputFile);

  func::FuncOp entry = findEntry(*module, error);
  if (!entry)
    return fail(error);
  quant::ProgramSignature signature;
  if (std::string problem = quant::readSignature(entry, signature);
      !problem.empty())
    return fail(inputFile + ": " + problem);

  progress.step(vulkan ? "fusing, compiling kernels to SPIR-V and lowering "
                         "the host code to the LLVM dialect"
                       : "fusing and lowering to the LLVM dialect");
  PassManager pm(&context);
  if (failed(applyPassManagerCLOptions(pm)))
    return fail("bad pass manager options");
  std::string weightsDir =
      llvm::sys::path::parent_path(inputFile.getValue()).str();
  // --emit=spirv writes into a directory created here, removed on failure.
  bool createdSpirvDirectory = false;
  if (vulkan) {
    quant::vulkan::VulkanPipelineOptions pipeline;
    pipeline.entry = entry.getSymName().str();
    pipeline.weightsDir = weightsDir;
    pipeline.byteStorage = vulkanBytes == "native"
                               ? quant::vulkan::ByteStorage::Native
                               : quant::vulkan::ByteStorage::Emulated;
    if (emit == EmitKind::Spirv) {
      if (std::string problem =
              createSpirvDirectory(outputFile, createdSpirvDirectory);
          !problem.empty())
        return fail(problem);
      pipeline.spirvDirectory = outputFile;
    }
    quant::vulkan::buildVulkanPipeline(pm, pipeline);
  } else {
    quant::cpu::CpuPipelineOptions pipeline;
    pipeline.entry = entry.getSymName().str();
    pipeline.matmulStrategy = matmulStrategy;
    pipeline.parallelLoopsMinWork = parallelLoopsMinWork;
    pipeline.vnni = quant::cpu::cpuHasFeature(cpu, "avx512vnni");
    pipeline.weightsDir = weightsDir;
    quant::cpu::buildCpuPipeline(pm, pipeline);
  }
  if (failed(pm.run(*module))) {
    if (createdSpirvDirectory)
      llvm::sys::fs::remove_directories(outputFile);
    return fail("lowering " + inputFile + " failed (see the diagnostics above)");
  }
  if (emit == EmitKind::Spirv)
    return 0;

  quant::cpu::TargetOptions targetOptions;
  targetOptions.cpu = cpu;
  targetOptions.optLevel = optLevel;
  if (emit != EmitKind::Mlir)
    progress.step("generating code for " +
                  (cpu == "host" ? quant::cpu::hostCpuName() : cpu.getValue()));
  if (emit != EmitKind::Executable) {
    error = emitLowered(*module, emit, targetOptions, outputFile);
    return error.empty() ? 0 : fail(error);
  }

  // An executable: object + generated main/signature + runtime, linked by the
  // system C++ compiler.
  WorkDirectory work(error);
  if (!error.empty())
    return fail(error);
  std::string objectPath = work.file("program.o"),
              sourcePath = work.file("main.cpp");
  error = emitLowered(*module, EmitKind::Object, targetOptions, objectPath);
  if (!error.empty())
    return fail(error);
  if (!writeFile(sourcePath, quant::signatureSource(signature, threads),
                 error))
    return fail(sourcePath + ": " + error);

  progress.step("linking " + outputFile);
  std::string runtimeDir = quant::cpu::runtimeDirectory(argv[0]);
  std::vector<std::string> libraries =
      vulkan ? std::vector<std::string>{"libQuantRuntimeVulkanMain.a",
                                        "libQuantRuntimeVulkan.a",
                                        "libQuantRuntime.a"}
             : std::vector<std::string>{"libQuantRuntimeMain.a",
                                        "libQuantRuntime.a"};
  std::vector<std::string> linkInputs = {
      "-O2", "-I" QUANT_RUNTIME_INCLUDE_DIR, sourcePath, objectPath};
  for (const std::string &library : libraries) {
    std::string path = runtimeDir + "/" + library;
    if (!llvm::sys::fs::exists(path))
      return fail("runtime library " + library + " not found in " +
                  runtimeDir + " (set QUANT_RUNTIME_DIR)");
    linkInputs.push_back(path);
  }
  if (vulkan)
    linkInputs.push_back("-lvulkan");
  linkInputs.insert(linkInputs.end(), {"-lpthread", "-lm"});
  error = linkExecutable(linkInputs, outputFile);
  return error.empty() ? 0 : fail(error);
}
