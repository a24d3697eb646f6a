//===- ToolCheck.cpp - Checker used by the quant-gguf end-to-end test -----===//
//
// quant-gguf-check formats [--non-gguf]
//   Prints the named formats that can (or, with --non-gguf, cannot) be
//   written to GGUF, one per line.
// quant-gguf-check compare ORIG.gguf QUANT.gguf TENSOR DUMP.npy
//   Checks that DUMP.npy (written by `quant-gguf dump QUANT.gguf TENSOR`) is a
//   float32 .npy of the tensor's reading-order shape whose values equal the
//   format library's decoding of the bytes in QUANT.gguf, bit for bit, and
//   that those values are within the format's per-block error bound
//   (blockErrorBound) of the original values in ORIG.gguf, or identical to
//   them when the tensor was copied.
// quant-gguf-check llama FILE.gguf [KEY=VALUE...]
//   Checks that FILE is a llama model readLlamaConfig accepts (as written by
//   `quant-gguf make-llama`) and prints its hyper-parameters; each KEY=VALUE
//   (dim, layers, heads, kv-heads, ffn, vocab, context, tied) must match.
//
// The .npy parsing here is independent of the tool's writer.
//
//===----------------------------------------------------------------------===//

#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"
#include "quant/formats/Half.h"
#include "quant/gguf/Reader.h"
#include "quant/models/Llama.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace gguf = quant::gguf;
namespace qf = quant::fmt;

namespace {
int fail(const std::string &msg) {
  ::fmt::print(stderr, "quant-gguf-check: FAIL: {}\n", msg);
  return 1;
}

/// Decodes a whole tensor with the format library (the reference).
std::vector<float> decode(const gguf::File &file, const gguf::TensorInfo &t) {
  gguf::TensorData d = file.tensorData(t);
  size_t n = t.rowLength(), rows = t.numRows();
  std::vector<float> out(n * rows);
  size_t rowBytes = d.size / rows;
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t *in = d.data + r * rowBytes;
    float *o = out.data() + r * n;
    if (t.type == gguf::kTypeF32) {
      std::memcpy(o, in, n * 4);
    } else if (t.type == gguf::kTypeF16 || t.type == gguf::kTypeBF16) {
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        o[i] =
            t.type == gguf::kTypeF16 ? qf::halfToFloat(h) : qf::bf16ToFloat(h);
      }
    } else {
      qf::dequantizeRow(*gguf::blockFormatOf(t.type), in, n, o);
    }
  }
  return out;
}

/// Reads a little-endian float32 C-order .npy v1.0/2.0 file.
bool readNpy(const std::string &path, std::vector<uint64_t> &shape,
             std::vector<float> &values, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), {});
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0) {
    error = "not a .npy file";
    return false;
  }
  size_t headerLen, start;
  if (b[6] == 1) {
    headerLen = b[8] | (b[9] << 8);
    start = 10;
  } else {
    error = ::fmt::format("unexpected .npy version {}.{}", b[6], b[7]);
    return false;
  }
  if (start + headerLen > b.size() || (start + headerLen) % 16 != 0) {
    error = "bad header length";
    return false;
  }
  std::string h(reinterpret_cast<const char *>(&b[start]), headerLen);
  if (h.find("'descr': '<f4'") == std::string::npos ||
      h.find("'fortran_order': False") == std::string::npos ||
      h.back() != '\n') {
    error = "header is not float32 C order: " + h;
    return false;
  }
  size_t s = h.find("'shape': (");
  size_t e = h.find(')', s);
  if (s == std::string::npos || e == std::string::npos) {
    error = "no shape in header";
    return false;
  }
  std::string dims = h.substr(s + 10, e - s - 10);
  shape.clear();
  size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ','))
      ++pos;
    if (pos >= dims.size())
      break;
    size_t used = 0;
    shape.push_back(std::stoull(dims.substr(pos), &used));
    pos += used;
  }
  uint64_t count = 1;
  for (uint64_t d : shape)
    count *= d;
  size_t dataStart = start + headerLen;
  if (b.size() - dataStart != count * 4) {
    error = ::fmt::format("{} data bytes for {} floats", b.size() - dataStart,
                          count);
    return false;
  }
  values.resize(count);
  std::memcpy(values.data(), &b[dataStart], count * 4);
  return true;
}

int listFormats(bool nonGguf) {
  for (const qf::FormatSpec &spec : qf::namedFormats()) {
    std::optional<uint32_t> id = qf::ggufTypeId(spec);
    bool writable = id && gguf::blockFormatOf(*id);
    if (writable != nonGguf)
      ::fmt::print("{}\n", spec.name);
  }
  return 0;
}

int compare(const std::string &origPath, const std::string &quantPath,
            const std::string &name, const std::string &npyPath) {
  gguf::Expected<gguf::File> orig = gguf::openFile(origPath);
  if (!orig)
    return fail(orig.message());
  gguf::Expected<gguf::File> quant = gguf::openFile(quantPath);
  if (!quant)
    return fail(quant.message());
  const gguf::TensorInfo *ot = orig->findTensor(name);
  const gguf::TensorInfo *qt = quant->findTensor(name);
  if (!ot || !qt)
    return fail("tensor " + name + " missing");
  if (ot->dims != qt->dims)
    return fail("dims differ between the original and the quantized file");

  std::vector<uint64_t> shape;
  std::vector<float> dumped;
  std::string error;
  if (!readNpy(npyPath, shape, dumped, error))
    return fail(npyPath + ": " + error);
  std::vector<uint64_t> expectedShape(qt->dims.rbegin(), qt->dims.rend());
  if (shape != expectedShape)
    return fail(::fmt::format("{}: shape ({}) differs from ({})", npyPath,
                              ::fmt::join(shape, ", "),
                              ::fmt::join(expectedShape, ", ")));

  std::vector<float> reference = decode(*quant, *qt);
  if (std::memcmp(reference.data(), dumped.data(), dumped.size() * 4) != 0)
    return fail(npyPath + ": values differ from the format library's "
                          "decoding");

  std::vector<float> original = decode(*orig, *ot);
  if (qt->type == ot->type) {
    if (std::memcmp(original.data(), dumped.data(), dumped.size() * 4) != 0)
      return fail(name + " was copied but its values changed");
    ::fmt::print("ok {} {}: {} values, copied unchanged\n", name,
                 gguf::typeName(qt->type), dumped.size());
    return 0;
  }
  const qf::FormatSpec *spec = gguf::blockFormatOf(qt->type);
  if (!spec)
    return fail("unexpected type " + gguf::typeName(qt->type));
  size_t bs = spec->blockSize;
  double maxErr = 0, maxRatio = 0, sumSq = 0, sumSqErr = 0;
  for (size_t b = 0; b < original.size() / bs; ++b) {
    const float *x = original.data() + b * bs;
    const float *y = dumped.data() + b * bs;
    double bound = qf::blockErrorBound(*spec, x, bs);
    for (size_t i = 0; i < bs; ++i) {
      double err = std::fabs(double(x[i]) - double(y[i]));
      if (!(err <= bound))
        return fail(::fmt::format(
            "{} {}: element {} of block {}: |{} - {}| = {} exceeds the bound "
            "{}",
            name, spec->name, i, b, x[i], y[i], err, bound));
      maxErr = std::max(maxErr, err);
      if (bound > 0)
        maxRatio = std::max(maxRatio, err / bound);
      sumSq += double(x[i]) * x[i];
      sumSqErr += err * err;
    }
  }
  double relRms = sumSq > 0 ? std::sqrt(sumSqErr / sumSq) : 0.0;
  // A sanity guard against a degenerate bound: even 2-bit formats keep the
  // relative RMS error of these Gaussian-like weights well below 0.5.
  if (!(relRms < 0.5))
    return fail(::fmt::format("{} {}: relative rms error {} is implausible",
                              name, spec->name, relRms));
  ::fmt::print("ok {} {}: {} values, max |err| {:.3g}, max err/bound {:.6f}, "
               "relative rms error {:.4f}\n",
               name, spec->name, dumped.size(), maxErr, maxRatio, relRms);
  return 0;
}

int checkLlama(const std::string &path,
               const std::vector<std::string> &expectations) {
  gguf::Expected<gguf::File> file = gguf::openFile(path);
  if (!file)
    return fail(file.message());
  gguf::Expected<quant::models::LlamaConfig> config =
      quant::models::readLlamaConfig(*file);
  if (!config)
    return fail(config.message());
  const quant::models::LlamaConfig &c = *config;
  std::pair<const char *, uint64_t> values[] = {
      {"dim", c.dim},         {"layers", c.layers},
      {"heads", c.heads},     {"kv-heads", c.kvHeads},
      {"ffn", c.ffnDim},      {"vocab", c.vocabSize},
      {"context", c.contextLength}, {"tied", c.tiedOutput ? 1 : 0}};
  for (const std::string &e : expectations) {
    size_t eq = e.find('=');
    bool found = false;
    for (const auto &[key, value] : values) {
      if (eq == std::string::npos || e.substr(0, eq) != key)
        continue;
      found = true;
      if (e.substr(eq + 1) != std::to_string(value))
        return fail(::fmt::format("{}: {} is {}, expected {}", path, key,
                                  value, e.substr(eq + 1)));
    }
    if (!found)
      return fail(::fmt::format("unknown expectation '{}'", e));
  }
  ::fmt::print("ok llama {}: dim {}, layers {}, heads {}/{}, ffn {}, vocab "
               "{}, context {}, rope dim {}, tied {}\n",
               path, c.dim, c.layers, c.heads, c.kvHeads, c.ffnDim,
               c.vocabSize, c.contextLength, c.ropeDim, c.tiedOutput);
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "formats")
    return listFormats(args.size() > 1 && args[1] == "--non-gguf");
  if (args.size() == 5 && args[0] == "compare")
    return compare(args[1], args[2], args[3], args[4]);
  if (args.size() >= 2 && args[0] == "llama")
    return checkLlama(args[1],
                      std::vector<std::string>(args.begin() + 2, args.end()));
  ::fmt::print(stderr, "usage: quant-gguf-check formats [--non-gguf]\n"
                       "       quant-gguf-check compare ORIG.gguf QUANT.gguf "
                       "TENSOR DUMP.npy\n"
                       "       quant-gguf-check llama FILE.gguf "
                       "[KEY=VALUE...]\n");
  return 2;
}
