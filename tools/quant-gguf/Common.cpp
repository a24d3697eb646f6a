//===- Common.cpp - Argument parsing and messages of quant-gguf -----------===//

#include "Tool.h"

#include "quant/formats/Format.h"
#include "quant/gguf/Tensor.h"

#include <fmt/format.h>

#include <cstdio>

namespace quant::tool {

int reportError(const std::string &message) {
  std::string line = message;
  // Messages are one line by contract; never let a stray newline split them.
  for (char &c : line)
    if (c == '\n' || c == '\r')
      c = ' ';
  ::fmt::print(stderr, "quant-gguf: error: {}\n", line);
  return kExitFailure;
}

int reportUsageError(const std::string &command, const std::string &message) {
  reportError(
      ::fmt::format("{} (see 'quant-gguf {} --help')", message, command));
  return kExitUsage;
}

bool parseArgs(const std::string &command, const std::vector<std::string> &argv,
               const std::vector<OptionSpec> &specs, Args &out, int &exitCode) {
  auto find = [&](const std::string &name) -> const OptionSpec * {
    for (const OptionSpec &s : specs)
      if (s.name == name || (!s.shortName.empty() && s.shortName == name))
        return &s;
    return nullptr;
  };
  bool optionsDone = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string &a = argv[i];
    if (optionsDone || a.empty() || a[0] != '-' || a == "-") {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      optionsDone = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    std::string name = a, value;
    bool hasValue = false;
    if (size_t eq = a.find('=');
        a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      hasValue = true;
    }
    const OptionSpec *spec = find(name);
    if (!spec) {
      exitCode = reportUsageError(
          command,
          ::fmt::format("unknown option '{}' for '{}'", name, command));
      return false;
    }
    if (!spec->takesValue) {
      if (hasValue) {
        exitCode = reportUsageError(
            command, ::fmt::format("option '{}' takes no value", spec->name));
        return false;
      }
      out.options[spec->name] = "";
      continue;
    }
    if (!hasValue) {
      if (i + 1 >= argv.size()) {
        exitCode = reportUsageError(
            command, ::fmt::format("option '{}' needs a value", name));
        return false;
      }
      value = argv[++i];
    }
    if (out.options.count(spec->name)) {
      exitCode = reportUsageError(
          command, ::fmt::format("option '{}' given twice", spec->name));
      return false;
    }
    out.options[spec->name] = value;
  }
  return true;
}

std::vector<std::string> ggufWritableFormats() {
  std::vector<std::string> names;
  for (const quant::fmt::FormatSpec &spec : quant::fmt::namedFormats()) {
    std::optional<uint32_t> id = quant::fmt::ggufTypeId(spec);
    if (id && gguf::blockFormatOf(*id))
      names.push_back(spec.name);
  }
  return names;
}

std::string humanBytes(uint64_t bytes) {
  if (bytes < 1024)
    return ::fmt::format("{} B", bytes);
  static const char *const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024;
  size_t unit = 0;
  while (v >= 1024 && unit + 1 < std::size(kUnits)) {
    v /= 1024;
    ++unit;
  }
  return ::fmt::format("{:.1f} {}", v, kUnits[unit]);
}

} // namespace quant::tool
