//===- CommandLine.cpp - The AOT executable's command line ----------------===//

#include "CommandLine.h"

#include "ThreadPool.h"

#include <cstring>

using namespace quant::rt;

namespace {

/// Parses a positive decimal count no larger than `max`; 0 if invalid.
int64_t parseCount(const std::string &text, int64_t max) {
  if (text.empty())
    return 0;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return 0;
    value = value * 10 + (c - '0');
    if (value > max)
      return 0;
  }
  return value;
}

} // namespace

bool quant::rt::parseCommandLine(int argc, char **argv, Options &options,
                                 std::string &error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i] ? argv[i] : "";
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      continue;
    }
    if (arg == "--signature") {
      options.signature = true;
      continue;
    }
    std::string name = arg, value;
    bool hasValue = false;
    if (size_t eq = arg.find('=');
        arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      hasValue = true;
    }
    bool known = name == "--input" || name == "--output" || name == "--bench" ||
                 name == "--threads";
    if (!known) {
      if (arg.rfind("-", 0) == 0 && arg.size() > 1)
        error = "unknown option '" + name + "' (see --help)";
      else
        error = "unexpected argument '" + arg + "' (see --help)";
      return false;
    }
    if (!hasValue) {
      if (i + 1 >= argc || !argv[i + 1] ||
          std::strncmp(argv[i + 1], "--", 2) == 0) {
        error = "missing value for " + name;
        return false;
      }
      value = argv[++i];
    }
    if (value.empty()) {
      error = "empty value for " + name;
      return false;
    }
    if (name == "--input") {
      options.inputs.push_back(value);
    } else if (name == "--output") {
      options.outputs.push_back(value);
    } else if (name == "--bench") {
      options.benchRuns = parseCount(value, kMaxBenchRuns);
      if (!options.benchRuns) {
        error = "invalid value '" + value +
                "' for --bench (expected a count "
                "from 1 to " +
                std::to_string(kMaxBenchRuns) + ")";
        return false;
      }
    } else {
      options.threads = parseThreadCount(value.c_str());
      if (!options.threads) {
        error = "invalid value '" + value +
                "' for --threads (expected a "
                "count from 1 to " +
                std::to_string(kMaxThreads) + ")";
        return false;
      }
    }
  }
  return true;
}

std::string quant::rt::programName(const char *argv0) {
  std::string name = argv0 && *argv0 ? argv0 : "program";
  size_t slash = name.find_last_of('/');
  if (slash != std::string::npos && slash + 1 < name.size())
    name = name.substr(slash + 1);
  return name;
}

std::string quant::rt::usageText(const std::string &program) {
  return "usage: " + program +
         " [--input FILE.npy]... [--output FILE.npy]... [--bench N]"
         " [--threads N]\n"
         "\n"
         "Runs the compiled program on .npy inputs.\n"
         "\n"
         "options:\n"
         "  --input FILE.npy   an input, once per program input, in order\n"
         "  --output FILE.npy  where an output goes, once per program output;\n"
         "                     without it the outputs are summarized on "
         "stdout\n"
         "  --bench N          run N timed times after one warm-up run and\n"
         "                     print the median, min and max time\n"
         "  --threads N        worker threads (default: QUANT_THREADS, else\n"
         "                     the program's default, else one per core)\n"
         "  --signature        print the program's inputs and outputs\n"
         "  -h, --help         print this help\n";
}
