//===- DeviceReplay.cpp - runs recorded here, replayed elsewhere ----------===//

#include "DeviceReplay.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace quant::e2e {

std::string deviceOutputsDir() {
  const char *dir = std::getenv("QUANT_E2E_DEVICE_OUTPUTS");
  return dir && *dir ? dir : "";
}

/// The replayed copy of work directory `dir` (<work root>/<program>):
/// <device outputs>/<work root's name>/<program>.
static std::string replayedDir(const std::string &dir) {
  fs::path path(dir);
  return (fs::path(deviceOutputsDir()) / path.parent_path().filename() /
          path.filename())
      .string();
}

std::string outputFile(const std::string &dir, const std::string &name) {
  return (deviceOutputsDir().empty() ? dir : replayedDir(dir)) + "/" + name;
}

static std::string readText(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Writes `<dir>/<label>.args`; an argument that names something inside
/// `dir` is written relative to it (the replay runs inside its copy).
static void recordArgs(const std::string &dir, const std::string &label,
                       const std::vector<std::string> &argv) {
  std::ofstream out(dir + "/" + label + ".args", std::ios::binary);
  std::string prefix = dir + "/";
  for (const std::string &arg : argv)
    out << (arg.rfind(prefix, 0) == 0 ? "./" + arg.substr(prefix.size()) : arg)
        << "\n";
}

/// The environment variables that change what a recorded run computes (the
/// runtime's weight-chunk limit, lavapipe's subgroup size), written as
/// `<dir>/<label>.env` lines NAME=VALUE for the replay to set.
static void recordEnvironment(const std::string &dir, const std::string &label) {
  std::ofstream out(dir + "/" + label + ".env", std::ios::binary);
  for (const char *name : {"QUANT_VK_MAX_WEIGHT_BYTES", "LP_NATIVE_VECTOR_WIDTH"})
    if (const char *value = std::getenv(name))
      out << name << "=" << value << "\n";
}

ProcessResult runRecorded(const std::string &dir, const std::string &label,
                          const std::vector<std::string> &argv) {
  recordArgs(dir, label, argv);
  recordEnvironment(dir, label);
  if (deviceOutputsDir().empty())
    return runProcess(argv, dir + "/" + label);
  ProcessResult result;
  std::string base = replayedDir(dir) + "/" + label;
  std::string rc = readText(base + ".rc");
  if (rc.empty()) {
    result.err = "no replayed run " + base + ".rc";
    return result;
  }
  // The replay's shell reports a signal as 128 + its number.
  int code = std::atoi(rc.c_str());
  if (code > 128)
    result.signal = code - 128;
  else
    result.exitCode = code;
  result.out = readText(base + ".out");
  result.err = readText(base + ".err");
  return result;
}

} // namespace quant::e2e
