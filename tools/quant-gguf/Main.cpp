//===- Main.cpp - quant-gguf: inspect, quantize and dump GGUF files -------===//
//
// Dispatches to the subcommands: info, quantize, dump, make-example,
// make-llama.
//
//===----------------------------------------------------------------------===//

#include "Tool.h"

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace quant::tool;

namespace {
const char *const kUsage =
    R"(usage: quant-gguf <command> [options]

Inspect, quantize and dump GGUF v3 model files.

commands:
  info FILE                          print metadata and the tensor table
  quantize IN OUT --format NAME      re-encode 2-D f32/f16/bf16 tensors
  dump FILE TENSOR -o OUT.npy        write one tensor as float32 .npy
  make-example OUT                   write a small deterministic f32 file
  make-llama OUT [options]           write a synthetic llama model (random
                                     weights, any shape and format)
  compare A B [--png CHART.png]      per-tensor error (relative error, SQNR,
                                     max |b-a|) of B against A

Run 'quant-gguf <command> --help' for a command's options.
)";
} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    reportError("missing command (see 'quant-gguf --help')");
    return kExitUsage;
  }
  const std::string &command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "-h" || command == "--help" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command == "info")
    return runInfo(rest);
  if (command == "quantize")
    return runQuantize(rest);
  if (command == "dump")
    return runDump(rest);
  if (command == "make-example")
    return runMakeExample(rest);
  if (command == "make-llama")
    return runMakeLlama(rest);
  if (command == "compare")
    return runCompare(rest);
  if (!command.empty() && command[0] == '-')
    return reportError(::fmt::format(
        "unknown option '{}' (see 'quant-gguf --help')", command));
  return reportError(::fmt::format(
      "unknown command '{}' (commands: info, quantize, dump, make-example, "
      "compare, "
      "make-llama)",
      command));
}
