//===- Dump.cpp - quant-gguf dump: one tensor as a float32 .npy file ------===//
//
// Decodes a tensor (any supported type) to float32 and writes it as a NumPy
// .npy version 1.0 file, shape in row-major reading order (GGUF dims
// reversed), through a temporary file renamed into place on success.
//
//===----------------------------------------------------------------------===//

#include "Tool.h"

#include "quant/runtime/Npy.h"


#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace quant::tool {

namespace {
const char *const kDumpHelp =
    R"(usage: quant-gguf dump FILE TENSOR -o OUT.npy

Writes tensor TENSOR of FILE, decoded to float32, as a NumPy .npy (v1.0)
file. The shape is in row-major reading order: GGUF dims reversed, so a
matrix with dims {cols, rows} becomes an array of shape (rows, cols).

options:
  -o, --output OUT.npy   the file to write (required)
  -h, --help             show this help
)";

/// A file written under `path.tmp.<pid>` and renamed to `path` by commit();
/// removed when destroyed uncommitted.
class AtomicOutput {
public:
  explicit AtomicOutput(std::string path)
      : path_(std::move(path)),
        tmp_(::fmt::format("{}.tmp.{}", path_, ::getpid())) {}
  ~AtomicOutput() {
    if (file_)
      std::fclose(file_);
    if (opened_ && !committed_)
      std::remove(tmp_.c_str());
  }
  AtomicOutput(const AtomicOutput &) = delete;
  AtomicOutput &operator=(const AtomicOutput &) = delete;

  std::string open() {
    file_ = std::fopen(tmp_.c_str(), "wb");
    if (!file_)
      return sysError("cannot create");
    opened_ = true;
    return "";
  }
  std::string write(const void *data, size_t n) {
    if (std::fwrite(data, 1, n, file_) != n)
      return sysError("cannot write");
    return "";
  }
  std::string commit() {
    bool ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
    int saved = errno;
    ok = std::fclose(file_) == 0 && ok;
    file_ = nullptr;
    if (!ok) {
      errno = saved;
      return sysError("cannot write");
    }
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
      return ::fmt::format("{}: cannot rename {}: {}", path_, tmp_,
                           std::strerror(errno));
    committed_ = true;
    return "";
  }

private:
  std::string sysError(const char *what) const {
    return ::fmt::format("{}: {} {}: {}", path_, what, tmp_,
                         std::strerror(errno));
  }

  std::string path_, tmp_;
  std::FILE *file_ = nullptr;
  bool opened_ = false, committed_ = false;
};

} // namespace

int runDump(const std::vector<std::string> &argv) {
  Args args;
  int exitCode = 0;
  if (!parseArgs("dump", argv, {{"--output", "-o", true}}, args, exitCode))
    return exitCode;
  if (args.help) {
    std::fputs(kDumpHelp, stdout);
    return 0;
  }
  if (args.positional.size() != 2)
    return reportUsageError("dump", args.positional.size() < 2
                                        ? "expected FILE and TENSOR"
                                        : "too many arguments");
  auto outIt = args.options.find("--output");
  if (outIt == args.options.end() || outIt->second.empty())
    return reportUsageError("dump", "missing -o OUT.npy");
  const std::string &outPath = outIt->second;

  gguf::Expected<gguf::File> opened = gguf::openFile(args.positional[0]);
  if (!opened)
    return reportError(opened.message());
  const gguf::File &file = *opened;
  const gguf::TensorInfo *tensor = file.findTensor(args.positional[1]);
  if (!tensor)
    return reportError(::fmt::format(
        "{}: no tensor named '{}' ({} tensors; see 'quant-gguf info {}')",
        file.name(), gguf::escapeForDisplay(args.positional[1]),
        file.tensors().size(), file.name()));
  if (std::string why = checkDecodable(*tensor); !why.empty())
    return reportError(::fmt::format("{}: {}", file.name(), why));

  std::vector<uint64_t> shape(tensor->dims.rbegin(), tensor->dims.rend());
  AtomicOutput out(outPath);
  if (std::string e = out.open(); !e.empty())
    return reportError(e);
  std::string header = rt::formatNpyHeader(
      rt::NpyDType::F32, std::vector<int64_t>(shape.begin(), shape.end()));
  if (std::string e = out.write(header.data(), header.size()); !e.empty())
    return reportError(e);

  // Stream rows in chunks of about 1M floats.
  uint64_t rowLength = tensor->rowLength(), rows = tensor->numRows();
  uint64_t chunkRows = std::max<uint64_t>(1, (1u << 20) / rowLength);
  std::vector<float> buf(
      static_cast<size_t>(std::min(chunkRows, rows) * rowLength));
  for (uint64_t r = 0; r < rows; r += chunkRows) {
    uint64_t count = std::min(chunkRows, rows - r);
    if (std::string e = decodeRows(file, *tensor, r, count, buf.data());
        !e.empty())
      return reportError(::fmt::format("{}: {}", file.name(), e));
    if (std::string e = out.write(buf.data(), count * rowLength * 4);
        !e.empty())
      return reportError(e);
  }
  if (std::string e = out.commit(); !e.empty())
    return reportError(e);
  ::fmt::print("wrote {}: tensor '{}' ({} {}) as float32, shape ({})\n",
               outPath, gguf::escapeForDisplay(tensor->name),
               gguf::typeName(tensor->type), tensor->shapeString(),
               ::fmt::format("{}", ::fmt::join(shape, ", ")));
  return 0;
}

} // namespace quant::tool
