//===- ObjectEmitter.cpp - LLVM-dialect modules to machine code -----------===//

#include "codegen/cpu/ObjectEmitter.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/TargetParser/X86TargetParser.h"

#include <mutex>

using namespace mlir;

std::string quant::cpu::hostCpuName() {
  return llvm::sys::getHostCPUName().str();
}

/// Registers the native target once.
static void initializeTargets() {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

/// "+feature,-feature,..." for the host, or empty to use the CPU's defaults.
static std::string hostFeatures() {
  std::string features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures()) {
    if (!features.empty())
      features += ",";
    features += (feature.second ? "+" : "-") + feature.first().str();
  }
  return features;
}

bool quant::cpu::isKnownCpu(const std::string &cpu) {
  return cpu == "host" ||
         llvm::X86::parseArchX86(cpu, /*Only64Bit=*/true) != llvm::X86::CK_None;
}

bool quant::cpu::cpuHasFeature(const std::string &cpu,
                               const std::string &feature) {
  if (!isKnownCpu(cpu))
    return false;
  if (cpu == "host") {
    auto features = llvm::sys::getHostCPUFeatures();
    auto it = features.find(feature);
    return it != features.end() && it->second;
  }
  initializeTargets();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return false;
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(triple, cpu, ""));
  return info && info->checkFeatures("+" + feature);
}

std::string quant::cpu::emitMachineCode(ModuleOp module,
                                        const TargetOptions &options,
                                        bool asObject,
                                        llvm::raw_pwrite_stream &os) {
  initializeTargets();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return "no target for " + triple.str() + ": " + error;
  if (!isKnownCpu(options.cpu))
    return "unknown CPU '" + options.cpu +
           "' (try x86-64, x86-64-v2, x86-64-v3, x86-64-v4, skylake-avx512, "
           "cascadelake)";
  bool host = options.cpu == "host";
  std::string cpu = host ? hostCpuName() : options.cpu;
  std::string features = host ? hostFeatures() : "";
  llvm::CodeGenOptLevel level = options.optLevel >= 3 ? llvm::CodeGenOptLevel::Aggressive
                                : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                                        : llvm::CodeGenOptLevel::None;
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, level));
  if (!machine)
    return "cannot create a target machine for CPU '" + cpu + "'";

  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context);
  if (!llvmModule)
    return "translation to LLVM IR failed";
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  for (llvm::Function &function : *llvmModule) {
    if (function.isDeclaration())
      continue;
    function.addFnAttr("target-cpu", cpu);
    if (!features.empty())
      function.addFnAttr("target-features", features);
  }
  auto optimize = makeOptimizingTransformer(options.optLevel, /*sizeLevel=*/0,
                                            machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return "LLVM optimization failed: " + llvm::toString(std::move(err));
  if (!asObject) {
    llvmModule->print(os, nullptr);
    return "";
  }
  llvm::legacy::PassManager passes;
  if (machine->addPassesToEmitFile(passes, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return "the target cannot emit object files";
  passes.run(*llvmModule);
  return "";
}
