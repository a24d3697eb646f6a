//===- Compare.cpp - quant-gguf compare: tensor-by-tensor error of B vs A -===//
//
// Decodes the tensors two GGUF files share, in chunks of rows, and prints per
// tensor the relative error, SQNR and largest absolute difference of B
// against the reference A; then an element-weighted summary. Optionally
// draws the per-layer SQNR as a PNG bar chart, written through a temporary
// file renamed into place.
//
//===----------------------------------------------------------------------===//

#include "Chart.h"
#include "ErrorStats.h"
#include "Png.h"
#include "Tool.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <unistd.h>

namespace quant::tool {

namespace {
const char *const kCompareHelp =
    R"(usage: quant-gguf compare A.gguf B.gguf [--png CHART.png] [--threads N]

Compares the tensors of B against the reference A (typically A the f32
original, B a quantized version), decoding both to float32 in chunks of rows.
Prints per tensor name, shape, the formats in A and B, the relative error
||B-A||/||A||, the SQNR 10*log10(sum a^2 / sum (b-a)^2) in dB ("inf" when
identical) and max |b-a|; tensors found in one file only and tensors whose
shapes differ are listed as such. The summary's overall SQNR is
-10*log10 of the element-weighted mean of the tensors' sum (b-a)^2 / sum a^2.

options:
  --png CHART.png   also draw the SQNR of each layer's attn_q, attn_k, attn_v,
                    attn_output, ffn_gate, ffn_up and ffn_down weights, and of
                    token_embd and output, as a bar chart
  --threads N       threads decoding rows (default: all cores)
  -h, --help        show this help
)";

/// Progress lines go to stderr, at most one a second, when the tensors
/// compared hold at least this many elements in all.
constexpr uint64_t kProgressElements = uint64_t(1) << 24;
/// Rows are decoded in chunks of about this many elements per file.
constexpr uint64_t kChunkElements = uint64_t(1) << 20;

/// Writes `bytes` to `path.tmp.<pid>`, syncs it and renames it to `path`;
/// removes the temporary on failure. Returns an empty string or a message.
std::string writeFileAtomically(const std::string &path,
                                const std::vector<uint8_t> &bytes) {
  std::string tmp = ::fmt::format("{}.tmp.{}", path, ::getpid());
  std::FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    return ::fmt::format("{}: cannot create {}: {}", path, tmp,
                         std::strerror(errno));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  int saved = errno;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) {
    std::remove(tmp.c_str());
    return ::fmt::format("{}: cannot write {}: {}", path, tmp,
                         std::strerror(saved));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    saved = errno;
    std::remove(tmp.c_str());
    return ::fmt::format("{}: cannot rename {}: {}", path, tmp,
                         std::strerror(saved));
  }
  return "";
}

/// The last path component.
std::string baseName(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Decodes both tensors in chunks of rows on up to `threads` threads and
/// adds them to `stats`. Each chunk has its own sums, merged in chunk order,
/// so the result does not depend on the thread count.
std::string compareTensor(const gguf::File &fileA, const gguf::TensorInfo &a,
                          const gguf::File &fileB, const gguf::TensorInfo &b,
                          unsigned threads, ErrorStats &stats) {
  uint64_t rowLength = a.rowLength(), rows = a.numRows();
  uint64_t chunkRows = std::max<uint64_t>(1, kChunkElements / rowLength);
  uint64_t chunks = (rows + chunkRows - 1) / chunkRows;
  size_t chunkElements =
      static_cast<size_t>(std::min(chunkRows, rows) * rowLength);
  std::vector<ErrorStats> perChunk(static_cast<size_t>(chunks));
  unsigned workers =
      static_cast<unsigned>(std::min<uint64_t>(std::max(1u, threads), chunks));
  std::vector<std::string> errors(workers);
  std::atomic<uint64_t> next{0};
  auto work = [&](unsigned worker) {
    std::vector<float> bufA(chunkElements), bufB(chunkElements);
    for (uint64_t c = next++; c < chunks; c = next++) {
      uint64_t row = c * chunkRows, count = std::min(chunkRows, rows - row);
      std::string e = decodeRows(fileA, a, row, count, bufA.data());
      if (!e.empty())
        e = ::fmt::format("{}: {}", fileA.name(), e);
      else if (e = decodeRows(fileB, b, row, count, bufB.data()); !e.empty())
        e = ::fmt::format("{}: {}", fileB.name(), e);
      if (!e.empty()) {
        errors[worker] = e;
        next = chunks;
        return;
      }
      perChunk[c].add(bufA.data(), bufB.data(),
                      static_cast<size_t>(count * rowLength));
    }
  };
  if (workers <= 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (unsigned w = 0; w < workers; ++w)
      pool.emplace_back(work, w);
    for (std::thread &t : pool)
      t.join();
  }
  for (const std::string &e : errors)
    if (!e.empty())
      return e;
  for (const ErrorStats &chunk : perChunk)
    stats.merge(chunk);
  return "";
}

/// Parses --threads: an integer from 1 to 1024.
bool parseThreads(const std::string &text, unsigned &threads) {
  unsigned v = 0;
  const char *end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || v < 1 || v > 1024)
    return false;
  threads = v;
  return true;
}

/// One line of the table, before padding.
struct Row {
  std::string name, shape, typeA, typeB;
  /// Either the three numbers, or `note` spanning their columns.
  std::string relError, sqnr, maxError, note;
};

} // namespace

int runCompare(const std::vector<std::string> &argv) {
  Args args;
  int exitCode = 0;
  if (!parseArgs("compare", argv,
                 {{"--png", "", true}, {"--threads", "", true}}, args,
                 exitCode))
    return exitCode;
  if (args.help) {
    std::fputs(kCompareHelp, stdout);
    return 0;
  }
  if (args.positional.size() != 2)
    return reportUsageError("compare", args.positional.size() < 2
                                           ? "expected A.gguf and B.gguf"
                                           : "too many arguments");
  std::string pngPath;
  if (auto it = args.options.find("--png"); it != args.options.end()) {
    if (it->second.empty())
      return reportUsageError("compare", "--png needs a file name");
    pngPath = it->second;
  }

  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  if (auto it = args.options.find("--threads");
      it != args.options.end() && !parseThreads(it->second, threads))
    return reportUsageError(
        "compare",
        ::fmt::format("--threads expects an integer from 1 to 1024, got '{}'",
                      gguf::escapeForDisplay(it->second)));

  gguf::Expected<gguf::File> openedA = gguf::openFile(args.positional[0]);
  if (!openedA)
    return reportError(openedA.message());
  gguf::Expected<gguf::File> openedB = gguf::openFile(args.positional[1]);
  if (!openedB)
    return reportError(openedB.message());
  const gguf::File &fileA = *openedA, &fileB = *openedB;

  // The plan: A's tensors in order, then those only in B.
  struct Item {
    const gguf::TensorInfo *a = nullptr, *b = nullptr;
  };
  std::vector<Item> items;
  size_t common = 0;
  uint64_t elementsToCompare = 0;
  for (const gguf::TensorInfo &t : fileA.tensors()) {
    const gguf::TensorInfo *other = fileB.findTensor(t.name);
    items.push_back({&t, other});
    if (other) {
      ++common;
      if (other->dims == t.dims)
        elementsToCompare += t.numElements();
    }
  }
  for (const gguf::TensorInfo &t : fileB.tensors())
    if (!fileA.findTensor(t.name))
      items.push_back({nullptr, &t});
  if (common == 0)
    return reportError(::fmt::format(
        "{} and {} have no tensor name in common ({} and {} tensors)",
        fileA.name(), fileB.name(), fileA.tensors().size(),
        fileB.tensors().size()));

  // Column widths come from what is known before decoding, so rows can be
  // printed as they are computed.
  size_t wName = 4, wShape = 5, wA = 1, wB = 1;
  for (const Item &item : items) {
    const gguf::TensorInfo &t = item.a ? *item.a : *item.b;
    wName = std::max(wName, gguf::escapeForDisplay(t.name).size());
    wShape = std::max(wShape, t.shapeString().size());
    if (item.a)
      wA = std::max(wA, gguf::typeName(item.a->type).size());
    if (item.b)
      wB = std::max(wB, gguf::typeName(item.b->type).size());
  }
  const size_t wRel = 10, wSqnr = 8, wMax = 10;
  auto printRow = [&](const Row &r) {
    std::string line =
        ::fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  ", r.name, wName,
                      r.shape, wShape, r.typeA, wA, r.typeB, wB);
    if (!r.note.empty())
      line += r.note;
    else
      line += ::fmt::format("{:>{}}  {:>{}}  {:>{}}", r.relError, wRel, r.sqnr,
                            wSqnr, r.maxError, wMax);
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    ::fmt::print("{}\n", line);
    std::fflush(stdout);
  };

  ::fmt::print("A: {}\nB: {}\n\n", fileA.name(), fileB.name());
  printRow({"name", "shape", "A", "B", "rel.err", "SQNR dB", "max|b-a|", ""});

  using Clock = std::chrono::steady_clock;
  bool progress = elementsToCompare >= kProgressElements;
  Clock::time_point lastProgress = Clock::now();
  uint64_t elementsDone = 0;
  size_t onlyA = 0, onlyB = 0, mismatched = 0, failed = 0, index = 0;
  OverallStats overall;
  std::vector<chart::Value> chartValues;
  for (const Item &item : items) {
    const gguf::TensorInfo &t = item.a ? *item.a : *item.b;
    Row row;
    row.name = gguf::escapeForDisplay(t.name);
    row.shape = t.shapeString();
    row.typeA = item.a ? gguf::typeName(item.a->type) : "-";
    row.typeB = item.b ? gguf::typeName(item.b->type) : "-";
    if (!item.b) {
      row.note = "only in A";
      ++onlyA;
    } else if (!item.a) {
      row.note = "only in B";
      ++onlyB;
    } else if (item.a->dims != item.b->dims) {
      row.note =
          ::fmt::format("shape mismatch: B is {}", item.b->shapeString());
      ++mismatched;
    } else {
      ++index;
      if (progress && Clock::now() - lastProgress >= std::chrono::seconds(1)) {
        ::fmt::print(stderr, "compare: {:.0f}% of elements, tensor {}/{}: {}\n",
                     100.0 * elementsDone / elementsToCompare, index,
                     common - mismatched, row.name);
        lastProgress = Clock::now();
      }
      ErrorStats stats;
      if (std::string e =
              compareTensor(fileA, *item.a, fileB, *item.b, threads, stats);
          !e.empty()) {
        row.note = "not compared: " + e;
        ++failed;
      } else {
        row.relError = formatScientific(stats.relativeError());
        row.sqnr = formatDb(stats.sqnrDb());
        row.maxError = formatScientific(stats.maxAbsError);
        overall.add(stats);
        chartValues.push_back({t.name, stats.sqnrDb()});
      }
      elementsDone += t.numElements();
      printRow(row);
      if (stats.nonFinite)
        ::fmt::print("  note: {} element pairs with NaN or infinity "
                     "skipped\n",
                     stats.nonFinite);
      continue;
    }
    printRow(row);
  }

  ::fmt::print("\nsummary: {} tensors compared ({} elements), overall SQNR "
               "{} dB, relative error {}, max |b-a| {}",
               overall.tensors, overall.elements, formatDb(overall.sqnrDb()),
               formatScientific(overall.relativeError()),
               formatScientific(overall.maxAbsError));
  ::fmt::print("; {} only in A, {} only in B, {} shape mismatches{}\n", onlyA,
               onlyB, mismatched,
               failed ? ::fmt::format(", {} not decodable", failed) : "");
  std::fflush(stdout);

  if (overall.tensors == 0)
    return reportError(::fmt::format(
        "no tensor could be compared ({} shape mismatches, {} not "
        "decodable)",
        mismatched, failed));

  if (!pngPath.empty()) {
    raster::Image image = chart::drawSqnrChart(
        chartValues,
        ::fmt::format("SQNR per layer: {} vs {}", baseName(fileB.name()),
                      baseName(fileA.name())));
    std::vector<uint8_t> png =
        png::encodeRgb(static_cast<uint32_t>(image.width()),
                       static_cast<uint32_t>(image.height()), image.pixels());
    if (std::string e = writeFileAtomically(pngPath, png); !e.empty())
      return reportError(e);
    ::fmt::print("wrote {}: {} x {} pixels\n", pngPath, image.width(),
                 image.height());
  }
  return 0;
}

} // namespace quant::tool
