//===- Quantize.cpp - quant-gguf quantize: re-encode tensors --------------===//
//
// Re-encodes every 2-D f32/f16/bf16 tensor whose row length the format's
// block size divides; copies the others unchanged with a note. Rows are
// encoded in parallel; the output goes through the GGUF writer's temporary
// file and rename. --method gptq|awq (QuantizePtq.cpp) calibrates a llama
// model first and then produces its linear weights (and, for AWQ, the
// rescaled norm weights) with that method.
//
//===----------------------------------------------------------------------===//

#include "QuantizePtq.h"
#include "Tool.h"

#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"
#include "quant/gguf/Writer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <thread>

namespace quant::tool {

namespace {
const char *const kQuantizeHelp =
    R"(usage: quant-gguf quantize IN.gguf OUT.gguf --format NAME
                         [--method rtn|gptq|awq --calib FILE.txt ...]

Re-encodes every 2-D f32, f16 or bf16 tensor of IN whose row length (the
innermost dimension) the format's block size divides; other tensors are
copied unchanged, with a note. All metadata is kept;
general.quantization_version is set to 2 and general.file_type to the
format's llama.cpp file type. OUT is written to a temporary file and renamed
into place on success.

Methods (the format decides the block and group sizes):
  rtn    round to nearest with the format's encoder (the default)
  gptq   GPTQ: error feedback through the inverse Hessian of calibration
         inputs, block headers recomputed from the updated weights
  awq    AWQ: activation-aware per-channel scales folded into the norms (and
         into v / up rows), then a clipping search; norms are rewritten
gptq and awq need a llama model with f32/f16/bf16 weights and calibration
text; they apply to the linear weights (attention, FFN, output), while
token_embd.weight is quantized with rtn. Calibration runs the float64
reference forward pass over windows of BOS + text tokens.

options:
  -f, --format NAME        the target format, one of:
                           {}
  -m, --method NAME        rtn (default), gptq or awq
  --calib FILE.txt         calibration text (required for gptq and awq)
  --calib-windows N        use at most N windows (default 64)
  --calib-context N        tokens per window, BOS included (default: the
                           model's context length, at most 512)
  --damp X                 gptq: damping, relative to mean(diag H) (0.01)
  --no-act-order           gptq: keep the column order
  -t, --threads N          worker threads (default: one per core)
  -h, --help               show this help
)";

/// llama.cpp's `general.file_type` value for a file mostly in `format`.
std::optional<uint32_t> llamaFileType(std::string_view format) {
  static const std::pair<const char *, uint32_t> kTypes[] = {
      {"q4_0", 2},  {"q4_1", 3},  {"q8_0", 7},    {"q5_0", 8},
      {"q5_1", 9},  {"q2_k", 10}, {"q3_k", 11},   {"q4_k", 14},
      {"q5_k", 16}, {"q6_k", 18}, {"iq4_nl", 25}, {"mxfp4", 38}};
  for (const auto &[name, id] : kTypes)
    if (format == name)
      return id;
  return std::nullopt;
}

/// Runs body(begin, end) over [0, n) split across up to `threads` threads
/// (0: the hardware's thread count).
template <typename Fn> void parallelFor(uint64_t n, unsigned threads, Fn body) {
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<uint64_t>(threads, n));
  if (threads <= 1) {
    body(uint64_t(0), n);
    return;
  }
  std::vector<std::thread> pool;
  uint64_t chunk = (n + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    uint64_t begin = t * chunk, end = std::min(n, begin + chunk);
    if (begin >= end)
      break;
    pool.emplace_back([=] { body(begin, end); });
  }
  for (std::thread &th : pool)
    th.join();
}

/// Why a tensor is copied instead of quantized, or "" to quantize it.
std::string copyReason(const gguf::TensorInfo &t,
                       const quant::fmt::FormatSpec &spec) {
  if (!gguf::isPlainType(t.type))
    return ::fmt::format("already {}", gguf::typeName(t.type));
  if (t.dims.size() != 2)
    return ::fmt::format("{}-D tensor", t.dims.size());
  std::string why = quant::fmt::checkRowLength(spec, t.rowLength());
  if (!why.empty())
    return ::fmt::format("row length {} not a multiple of the {} block size {}",
                         t.rowLength(), spec.name, spec.blockSize);
  return "";
}
} // namespace

int runQuantize(const std::vector<std::string> &argv) {
  Args args;
  int exitCode = 0;
  std::vector<OptionSpec> specs = {{"--format", "-f", true}};
  for (const OptionSpec &s : ptqOptionSpecs())
    specs.push_back(s);
  if (!parseArgs("quantize", argv, specs, args, exitCode))
    return exitCode;
  std::vector<std::string> valid = ggufWritableFormats();
  std::string validList = ::fmt::format("{}", ::fmt::join(valid, ", "));
  if (args.help) {
    ::fmt::print(kQuantizeHelp, validList);
    return 0;
  }
  if (args.positional.size() != 2)
    return reportUsageError("quantize", args.positional.size() < 2
                                            ? "expected IN.gguf and OUT.gguf"
                                            : "too many arguments");
  auto formatIt = args.options.find("--format");
  if (formatIt == args.options.end())
    return reportUsageError("quantize", ::fmt::format("missing --format NAME "
                                                      "(one of: {})",
                                                      validList));
  const std::string &formatName = formatIt->second;
  PtqCliOptions ptqOptions;
  if (!parsePtqOptions(args, ptqOptions, exitCode))
    return exitCode;
  const std::string &inPath = args.positional[0];
  const std::string &outPath = args.positional[1];

  const quant::fmt::FormatSpec *spec =
      quant::fmt::lookupNamedFormat(formatName);
  if (!spec)
    return reportError(::fmt::format("unknown format '{}' (GGUF formats: {})",
                                     gguf::escapeForDisplay(formatName),
                                     validList));
  std::optional<uint32_t> typeId = quant::fmt::ggufTypeId(*spec);
  if (!typeId || !gguf::blockFormatOf(*typeId))
    return reportError(::fmt::format("format '{}' has no GGUF type id and "
                                     "cannot be written to GGUF (GGUF "
                                     "formats: {})",
                                     formatName, validList));

  gguf::Expected<gguf::File> opened = gguf::openFile(inPath);
  if (!opened)
    return reportError(opened.message());
  const gguf::File &in = *opened;
  std::unique_ptr<PtqSession> session;
  if (ptqOptions.method != ptq::Method::Rtn) {
    std::string error;
    session = PtqSession::create(in, *spec, ptqOptions, error);
    if (!session)
      return reportError(error);
  }

  gguf::Writer writer;
  for (const gguf::KeyValue &kv : in.metadata().entries())
    writer.metadata().set(kv.key, kv.value);
  writer.metadata().set("general.quantization_version", gguf::Value::u32(2));
  if (std::optional<uint32_t> ft = llamaFileType(spec->name))
    writer.metadata().set("general.file_type", gguf::Value::u32(*ft));
  else
    writer.metadata().remove("general.file_type");

  size_t count = in.tensors().size();
  size_t nameWidth = 0, shapeWidth = 0;
  for (const gguf::TensorInfo &t : in.tensors()) {
    nameWidth = std::max(nameWidth, gguf::escapeForDisplay(t.name).size());
    shapeWidth = std::max(shapeWidth, t.shapeString().size());
  }
  // "bf16 -> q4_k": the widest type column.
  size_t typeWidth = 8 + spec->name.size();
  std::string prefixFmt =
      ::fmt::format("[{{:>{}}}/{}] {{:<{}}}  ",
                    ::fmt::format("{}", count).size(), count, nameWidth);
  uint64_t bytesIn = 0, bytesOut = 0;
  size_t quantized = 0, copied = 0;

  for (size_t i = 0; i < count; ++i) {
    const gguf::TensorInfo &t = in.tensors()[i];
    std::string prefix = ::fmt::format(::fmt::runtime(prefixFmt), i + 1,
                                       gguf::escapeForDisplay(t.name));
    std::string reason = copyReason(t, *spec);
    gguf::Error added;
    bytesIn += t.byteSize;
    if (session && session->rewritesAsF32(t.name)) {
      // AWQ folded its scales into this tensor: written as f32.
      ++copied;
      const uint64_t outBytes = t.numElements() * 4;
      bytesOut += outBytes;
      std::string line =
          ::fmt::format("{}{:<{}}  {:<{}}  awq scales folded in\n", prefix,
                        gguf::typeName(t.type) + " -> f32", typeWidth,
                        t.shapeString(), shapeWidth);
      const PtqSession *ps = session.get();
      std::string name = t.name;
      added = writer.addTensor(t.name, t.dims, gguf::kTypeF32,
                               [ps, name, line](uint8_t *out, size_t size) {
                                 std::fputs(line.c_str(), stdout);
                                 std::fflush(stdout);
                                 return ps->writeF32(name, out, size);
                               });
    } else if (!reason.empty()) {
      ++copied;
      bytesOut += t.byteSize;
      gguf::TensorData data = in.tensorData(t);
      std::string line = ::fmt::format("{}{:<{}}  {:<{}}  copied: {}\n", prefix,
                                       gguf::typeName(t.type), typeWidth,
                                       t.shapeString(), shapeWidth, reason);
      added = writer.addTensor(
          t.name, t.dims, t.type, [data, line](uint8_t *out, size_t size) {
            std::fputs(line.c_str(), stdout);
            std::fflush(stdout);
            std::memcpy(out, data.data, std::min(size, data.size));
            return gguf::Error::success();
          });
    } else {
      ++quantized;
      size_t n = static_cast<size_t>(t.rowLength());
      size_t rowBytes = spec->rowBytes(n);
      uint64_t outBytes = rowBytes * t.numRows();
      bytesOut += outBytes;
      std::string head =
          ::fmt::format("{}{:<{}}  {:<{}}  ...", prefix,
                        gguf::typeName(t.type) + " -> " + spec->name, typeWidth,
                        t.shapeString(), shapeWidth);
      std::string tail = ::fmt::format(" {} -> {}\n", humanBytes(t.byteSize),
                                       humanBytes(outBytes));
      const gguf::File *file = &in;
      const unsigned threads = ptqOptions.threads;
      if (session && session->isLinear(t.name)) {
        const PtqSession *ps = session.get();
        std::string name = t.name;
        std::string tailStart = tail.substr(0, tail.size() - 1);
        added = writer.addTensor(
            t.name, t.dims, *typeId,
            [ps, name, head, tailStart](uint8_t *out, size_t size) {
              std::fputs(head.c_str(), stdout);
              std::fflush(stdout);
              std::string note;
              if (gguf::Error e = ps->quantize(name, out, size, note))
                return e;
              ::fmt::print("{}, {}\n", tailStart, note);
              std::fflush(stdout);
              return gguf::Error::success();
            });
      } else {
        added = writer.addTensor(
            t.name, t.dims, *typeId,
            [file, t, spec, n, rowBytes, head, tail, threads](uint8_t *out,
                                                              size_t size) {
              std::fputs(head.c_str(), stdout);
              std::fflush(stdout);
              if (size != rowBytes * t.numRows())
                return gguf::Error::failure("internal error: size mismatch");
              // Plain 2-D types (checked by copyReason) always decode.
              if (std::string why = checkDecodable(t); !why.empty())
                return gguf::Error::failure(why);
              parallelFor(t.numRows(), threads,
                          [&](uint64_t begin, uint64_t end) {
                            std::vector<float> row(n);
                            for (uint64_t r = begin; r < end; ++r) {
                              (void)decodeRows(*file, t, r, 1, row.data());
                              quant::fmt::quantizeRow(*spec, row.data(), n,
                                                      out + r * rowBytes);
                            }
                          });
              std::fputs(tail.c_str(), stdout);
              std::fflush(stdout);
              return gguf::Error::success();
            });
      }
    }
    if (added)
      return reportError(::fmt::format("{}: {}", outPath, added.message()));
  }

  if (gguf::Error e = writer.writeFile(outPath))
    return reportError(e.message());
  ::fmt::print("wrote {}: {} tensors quantized to {}{}, {} copied; tensor data "
               "{} -> {}\n",
               outPath, quantized, spec->name,
               session ? ::fmt::format(" ({} for the linear weights)",
                                       ptq::toString(ptqOptions.method))
                       : std::string(),
               copied, humanBytes(bytesIn), humanBytes(bytesOut));
  return 0;
}

} // namespace quant::tool
