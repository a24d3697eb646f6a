//===- CommandLine.h - The AOT executable's command line --------*- C++ -*-===//
//
// Option parsing for qrt_main, kept apart from running the program so it can
// be tested without a compiled program.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_CPU_COMMANDLINE_H
#define QUANT_RUNTIME_CPU_COMMANDLINE_H

#include <cstdint>
#include <string>
#include <vector>

namespace quant::rt {

/// The most runs --bench accepts.
constexpr int64_t kMaxBenchRuns = 1000000000;

/// The parsed command line of an AOT executable.
struct Options {
  /// --input files, in the order of the program's inputs.
  std::vector<std::string> inputs;
  /// --output files, one per program output (or none).
  std::vector<std::string> outputs;
  /// --bench N: timed runs after one warm-up run; 0 when not benchmarking.
  int64_t benchRuns = 0;
  /// --threads N; 0 when not given.
  int32_t threads = 0;
  /// --help / -h.
  bool help = false;
  /// --signature.
  bool signature = false;
};

/// Parses argv[1, argc). Options take their value as the next argument or
/// after '=' (--input=a.npy). On a usage error returns false and sets `error`
/// to one line without the program name.
bool parseCommandLine(int argc, char **argv, Options &options,
                      std::string &error);

/// The program name for messages: the last path component of argv[0].
std::string programName(const char *argv0);

/// The --help text.
std::string usageText(const std::string &program);

} // namespace quant::rt

#endif // QUANT_RUNTIME_CPU_COMMANDLINE_H
