//===- SystemLinker.cpp - link generated code with the runtime ------------===//

#include "codegen/cpu/SystemLinker.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstdlib>

std::string quant::cpu::runtimeDirectory(const char *argv0) {
  if (const char *path = std::getenv("QUANT_RUNTIME_DIR"))
    return path;
  std::string self = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&runtimeDirectory));
  llvm::SmallString<256> path(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(self)));
  llvm::sys::path::append(path, "lib");
  return std::string(path);
}

std::string quant::cpu::runSystemCompiler(llvm::ArrayRef<std::string> arguments) {
  auto compiler = llvm::sys::findProgramByName("c++");
  if (!compiler)
    return "no C++ compiler ('c++') on PATH to link with";
  llvm::SmallVector<llvm::StringRef> args = {*compiler};
  for (const std::string &argument : arguments)
    args.push_back(argument);
  std::string message;
  if (llvm::sys::ExecuteAndWait(*compiler, args, std::nullopt, {}, 0, 0,
                                &message) != 0)
    return "linking failed" + (message.empty() ? "" : ": " + message);
  return "";
}
