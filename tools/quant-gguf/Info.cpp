//===- Info.cpp - quant-gguf info: metadata and tensor table --------------===//

#include "Tool.h"

#include "quant/gguf/Reader.h"

#include <fmt/format.h>

#include <algorithm>

namespace quant::tool {

namespace {
const char *const kInfoHelp =
    R"(usage: quant-gguf info FILE

Prints the header, every metadata key (arrays summarized by element type,
length and first items) and a table of the tensors: name, shape in reading
order (rows x cols), format, and bytes.
)";
} // namespace

int runInfo(const std::vector<std::string> &argv) {
  Args args;
  int exitCode = 0;
  if (!parseArgs("info", argv, {}, args, exitCode))
    return exitCode;
  if (args.help) {
    std::fputs(kInfoHelp, stdout);
    return 0;
  }
  if (args.positional.size() != 1)
    return reportUsageError("info", args.positional.empty()
                                        ? "missing FILE"
                                        : "expected exactly one FILE");
  gguf::Expected<gguf::File> opened = gguf::openFile(args.positional[0]);
  if (!opened)
    return reportError(opened.message());
  const gguf::File &file = *opened;

  ::fmt::print("file: {}\n", file.name());
  ::fmt::print("GGUF version {}, alignment {}, {} metadata keys, {} tensors, "
               "data section at byte {}, {} bytes\n",
               file.version(), file.alignment(), file.metadata().size(),
               file.tensors().size(), file.dataSectionOffset(),
               file.bufferSize());

  ::fmt::print("\nmetadata:\n");
  size_t keyWidth = 0;
  for (const gguf::KeyValue &kv : file.metadata().entries())
    keyWidth = std::max(keyWidth, gguf::escapeForDisplay(kv.key).size());
  keyWidth = std::min<size_t>(keyWidth, 48);
  for (const gguf::KeyValue &kv : file.metadata().entries())
    ::fmt::print("  {:<{}}  {:<6}  {}\n", gguf::escapeForDisplay(kv.key),
                 keyWidth, gguf::toString(kv.value.type()),
                 kv.value.toDisplayString(6));

  ::fmt::print("\ntensors:\n");
  struct Row {
    std::string index, name, shape, type, bytes;
  };
  std::vector<Row> rows;
  rows.push_back({"#", "name", "shape", "format", "bytes"});
  uint64_t total = 0;
  for (size_t i = 0; i < file.tensors().size(); ++i) {
    const gguf::TensorInfo &t = file.tensors()[i];
    rows.push_back({::fmt::format("{}", i), gguf::escapeForDisplay(t.name),
                    t.shapeString(), gguf::typeName(t.type),
                    ::fmt::format("{}", t.byteSize)});
    total += t.byteSize;
  }
  size_t w[5] = {0, 0, 0, 0, 0};
  for (const Row &r : rows) {
    w[0] = std::max(w[0], r.index.size());
    w[1] = std::max(w[1], r.name.size());
    w[2] = std::max(w[2], r.shape.size());
    w[3] = std::max(w[3], r.type.size());
    w[4] = std::max(w[4], r.bytes.size());
  }
  for (const Row &r : rows)
    ::fmt::print("  {:>{}}  {:<{}}  {:<{}}  {:<{}}  {:>{}}\n", r.index, w[0],
                 r.name, w[1], r.shape, w[2], r.type, w[3], r.bytes, w[4]);
  ::fmt::print("total tensor data: {} bytes ({})\n", total, humanBytes(total));
  return 0;
}

} // namespace quant::tool
