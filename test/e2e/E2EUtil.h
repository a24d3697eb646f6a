//===- E2EUtil.h - processes, files and random data -------------*- C++ -*-===//
//
// Helpers shared by the end-to-end tests: where quant-compile and the scratch
// directory are, running a program and capturing its output, .npy files of
// float32 tensors, and a portable deterministic random number generator.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_E2E_E2EUTIL_H
#define QUANT_TEST_E2E_E2EUTIL_H

#include <cstdint>
#include <string>
#include <vector>

namespace quant::e2e {

/// The quant-compile executable under test: $QUANT_E2E_COMPILER, else the
/// one built beside the test.
std::string compilerPath();

/// A fresh, empty scratch directory `<work dir>/<name>` (removed first if it
/// exists); the work directory is $QUANT_E2E_WORK_DIR, else the build's.
std::string freshWorkDir(const std::string &name);

/// What a finished child process left behind.
struct ProcessResult {
  /// The exit code, or -1 when the process did not exit normally.
  int exitCode = -1;
  /// The signal that ended the process, 0 if it exited normally.
  int signal = 0;
  std::string out, err;

  /// True for a normal exit with code 0.
  bool succeeded() const { return signal == 0 && exitCode == 0; }
  /// "exit code 1" / "killed by signal 11", then the captured stderr.
  std::string describe() const;
};

/// Runs `argv` (argv[0] a path) and waits for it. Its stdout and stderr go to
/// `logPrefix`.out / .err, which are kept for debugging and read back.
ProcessResult runProcess(const std::vector<std::string> &argv,
                         const std::string &logPrefix);

/// Runs quant-compile on `source` with `-o output` (quietly), plus `options`.
ProcessResult compileProgram(const std::string &source,
                             const std::string &output,
                             const std::vector<std::string> &options = {});

/// Writes `text` to `path`; false on failure.
bool writeTextFile(const std::string &path, const std::string &text);
bool fileExists(const std::string &path);

/// Writes a float32 .npy file; on failure returns a message, else "".
std::string writeF32Npy(const std::string &path,
                        const std::vector<int64_t> &shape,
                        const std::vector<float> &values);

/// Reads a float32 .npy file; on failure returns a message, else "".
std::string readF32Npy(const std::string &path, std::vector<int64_t> &shape,
                       std::vector<float> &values);

/// The paths of the files in `dir` whose names end with `suffix`, sorted.
std::vector<std::string> listFiles(const std::string &dir,
                                   const std::string &suffix);

/// spirv-val (SPIRV-Tools): $QUANT_SPIRV_VAL, else the one on PATH.
std::string spirvValPath();

/// True when a Vulkan driver is installed: the one VK_DRIVER_FILES names, or
/// any ICD in the standard directories.
bool vulkanDeviceAvailable();

/// "2x3x4", "5".
std::string shapeString(const std::vector<int64_t> &shape);

/// A small deterministic generator (splitmix64 + Box-Muller), identical on
/// every platform, unlike the distributions of <random>.
class Rng {
public:
  explicit Rng(uint64_t seed) : state(seed) {}
  /// Uniform 64-bit integer.
  uint64_t next();
  /// Uniform in [0, 1).
  double uniform();
  /// Standard normal N(0, 1).
  double normal();

private:
  uint64_t state;
  bool haveSpare = false;
  double spare = 0;
};

/// A stable 64-bit hash of `text` (FNV-1a), for seeds.
uint64_t hashString(const std::string &text);

} // namespace quant::e2e

#endif // QUANT_TEST_E2E_E2EUTIL_H
