//===- E2EUtil.cpp - processes, files and random data for e2e tests -------===//

#include "E2EUtil.h"

#include "quant/models/Mixing.h"
#include "quant/runtime/Npy.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace quant::e2e {

std::string compilerPath() {
  if (const char *path = std::getenv("QUANT_E2E_COMPILER"))
    return path;
  return QUANT_E2E_COMPILER;
}

std::string freshWorkDir(const std::string &name) {
  const char *base = std::getenv("QUANT_E2E_WORK_DIR");
  fs::path dir = fs::path(base ? base : QUANT_E2E_WORK_DIR) / name;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  return dir.string();
}

std::string ProcessResult::describe() const {
  std::string text = signal ? "killed by signal " + std::to_string(signal)
                            : "exit code " + std::to_string(exitCode);
  return text + ", stderr:\n" + err;
}

static std::string readWholeFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ProcessResult runProcess(const std::vector<std::string> &argv,
                         const std::string &logPrefix) {
  ProcessResult result;
  std::string outPath = logPrefix + ".out", errPath = logPrefix + ".err";
  std::vector<char *> args;
  for (const std::string &arg : argv)
    args.push_back(const_cast<char *>(arg.c_str()));
  args.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    result.err = "fork failed: " + std::string(std::strerror(errno));
    return result;
  }
  if (pid == 0) {
    int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0)
      _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(args[0], args.data());
    std::string message =
        "cannot execute " + argv[0] + ": " + std::strerror(errno) + "\n";
    ssize_t ignored = write(2, message.data(), message.size());
    (void)ignored;
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    result.exitCode = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.signal = WTERMSIG(status);
  result.out = readWholeFile(outPath);
  result.err = readWholeFile(errPath);
  return result;
}

ProcessResult compileProgram(const std::string &source,
                             const std::string &output,
                             const std::vector<std::string> &options) {
  std::vector<std::string> argv = {compilerPath(), "--quiet"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {source, "-o", output});
  return runProcess(argv, output + ".compile");
}

bool writeTextFile(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return bool(out.flush());
}

bool fileExists(const std::string &path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string writeF32Npy(const std::string &path,
                        const std::vector<int64_t> &shape,
                        const std::vector<float> &values) {
  std::string error;
  if (!rt::writeNpy(path, rt::NpyDType::F32, shape, values.data(), error))
    return error;
  return "";
}

std::string readF32Npy(const std::string &path, std::vector<int64_t> &shape,
                       std::vector<float> &values) {
  rt::NpyArray array;
  std::string error;
  if (!rt::readNpy(path, array, error))
    return error;
  if (array.dtype != rt::NpyDType::F32)
    return path + ": expected f32, got " + rt::npyDTypeName(array.dtype);
  shape = array.shape;
  values.resize(array.data.size() / sizeof(float));
  std::memcpy(values.data(), array.data.data(), values.size() * sizeof(float));
  return "";
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string text;
  for (int64_t dim : shape)
    text += (text.empty() ? "" : "x") + std::to_string(dim);
  return text;
}

uint64_t Rng::next() { return models::splitmix64(state); }

double Rng::uniform() { return double(next() >> 11) * 0x1.0p-53; }

double Rng::normal() {
  if (haveSpare) {
    haveSpare = false;
    return spare;
  }
  double u1 = 1.0 - uniform(); // (0, 1]: log is finite
  double u2 = uniform();
  double radius = std::sqrt(-2.0 * std::log(u1));
  spare = radius * std::sin(2.0 * M_PI * u2);
  haveSpare = true;
  return radius * std::cos(2.0 * M_PI * u2);
}

uint64_t hashString(const std::string &text) {
  return models::fnv1a64(text.data(), text.size());
}

} // namespace quant::e2e

namespace quant::e2e {

std::vector<std::string> listFiles(const std::string &dir,
                                   const std::string &suffix) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string path = entry.path().string();
    if (path.size() >= suffix.size() &&
        path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0)
      paths.push_back(path);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

std::string spirvValPath() {
  if (const char *path = std::getenv("QUANT_SPIRV_VAL"))
    return path;
  const char *searchPath = std::getenv("PATH");
  std::stringstream dirs(searchPath ? searchPath : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = dir + "/spirv-val";
    if (access(candidate.c_str(), X_OK) == 0)
      return candidate;
  }
  return "/usr/bin/spirv-val";
}

bool vulkanDeviceAvailable() {
  if (const char *files = std::getenv("VK_DRIVER_FILES"))
    return std::filesystem::exists(files);
  std::error_code ec;
  for (const char *dir :
       {"/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d"})
    if (std::filesystem::is_directory(dir, ec) &&
        !std::filesystem::is_empty(dir, ec))
      return true;
  return false;
}

} // namespace quant::e2e
