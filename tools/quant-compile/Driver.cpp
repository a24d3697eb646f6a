//===- Driver.cpp - what quant-compile's program and model paths share ----===//

#include "Driver.h"

#include "codegen/cpu/SystemLinker.h"

#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace quant;
using namespace quant::driver;

void Progress::step(const llvm::Twine &what) {
  if (quiet)
    return;
  double elapsed = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  llvm::errs() << llvm::format("[%d/%d] ", ++current, total) << what
               << llvm::format(" (%.1f s)", elapsed) << "\n";
}

int driver::fail(const llvm::Twine &message) {
  llvm::errs() << "quant-compile: error: " << message << "\n";
  return 1;
}

bool driver::writeFile(llvm::StringRef path, llvm::StringRef text,
                       std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  os << text;
  return true;
}

WorkDirectory::WorkDirectory(std::string &error) {
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("quant-compile", path))
    error = "cannot create a temporary directory: " + ec.message();
}

WorkDirectory::~WorkDirectory() {
  if (!path.empty())
    llvm::sys::fs::remove_directories(path);
}

std::string WorkDirectory::file(llvm::StringRef name) const {
  llvm::SmallString<128> result(path);
  llvm::sys::path::append(result, name);
  return std::string(result);
}

std::string driver::emitLowered(mlir::ModuleOp module, EmitKind emit,
                                const cpu::TargetOptions &target,
                                const std::string &outputFile) {
  std::string error;
  auto out = mlir::openOutputFile(outputFile, &error);
  if (!out)
    return error;
  if (emit == EmitKind::Mlir) {
    module.print(out->os());
  } else {
    std::string problem = cpu::emitMachineCode(
        module, target, emit == EmitKind::Object, out->os());
    if (!problem.empty())
      return problem;
  }
  out->keep();
  return "";
}

std::string driver::linkExecutable(std::vector<std::string> inputs,
                                   const std::string &outputFile) {
  std::string temporary = outputFile + ".tmp";
  inputs.push_back("-o");
  inputs.push_back(temporary);
  std::string error = cpu::runSystemCompiler(inputs);
  if (!error.empty()) {
    llvm::sys::fs::remove(temporary);
    return error;
  }
  if (std::error_code ec = llvm::sys::fs::rename(temporary, outputFile)) {
    llvm::sys::fs::remove(temporary);
    return "cannot write " + outputFile + ": " + ec.message();
  }
  return "";
}

std::string driver::createSpirvDirectory(const std::string &path,
                                         bool &created) {
  created = !llvm::sys::fs::exists(path);
  if (std::error_code ec = llvm::sys::fs::create_directories(path))
    return "cannot create " + path + ": " + ec.message();
  return "";
}
