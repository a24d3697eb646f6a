//===- QuantizePtq.h - quantize --method gptq|awq ------------------*- C++
//-*-===//
//
// Private to tools/quant-gguf: the calibration-based methods of `quantize`.
// Quantize.cpp keeps the tensor loop and the output; a PtqSession decides
// and produces the llama linear weights (GPTQ/AWQ) and the tensors AWQ
// rewrites in f32 (norm weights with the scales folded in).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TOOLS_QUANT_GGUF_QUANTIZEPTQ_H
#define QUANT_TOOLS_QUANT_GGUF_QUANTIZEPTQ_H

#include "Tool.h"

#include "quant/formats/Format.h"
#include "quant/gguf/Error.h"
#include "quant/gguf/Reader.h"
#include "quant/ptq/LlamaPtq.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace quant::tool {

/// The quantize options of the methods.
struct PtqCliOptions {
  ptq::Method method = ptq::Method::Rtn;
  std::string calibPath;
  /// Calibration windows (at most) and tokens per window (0: the model's
  /// context length, at most kDefaultCalibContext).
  size_t windows = 64;
  size_t context = 0;
  double damp = 0.01;
  bool actOrder = true;
  unsigned threads = 0;
};

/// Default cap of the calibration window length (the float64 reference
/// forward pass is quadratic in it).
constexpr size_t kDefaultCalibContext = 512;

/// The option specs the methods add to `quantize`.
std::vector<OptionSpec> ptqOptionSpecs();

/// Reads --method, --calib, --calib-windows, --calib-context, --damp,
/// --no-act-order, --threads from `args`; on an error prints it and returns
/// false with `exitCode` set.
bool parsePtqOptions(const Args &args, PtqCliOptions &out, int &exitCode);

/// Calibration, AWQ plan and per-tensor production for one input model.
class PtqSession {
public:
  /// Checks the model (a llama GGUF with f32/f16/bf16 linear weights),
  /// reads and tokenizes the calibration text, runs the calibration and, for
  /// AWQ, the scale search, printing progress on stdout. Returns nullptr
  /// with `error` set (one line) on failure.
  static std::unique_ptr<PtqSession> create(const gguf::File &in,
                                            const fmt::FormatSpec &spec,
                                            const PtqCliOptions &options,
                                            std::string &error);

  /// Whether `name` is a linear weight this session quantizes.
  bool isLinear(const std::string &name) const {
    return linear_.count(name) != 0;
  }
  /// Whether AWQ changed tensor `name` (a norm, or a matrix the format
  /// cannot hold): it is then written as f32 with the scales folded in.
  bool rewritesAsF32(const std::string &name) const;

  /// Quantizes the linear weight `name` into `out` (`size` bytes); `note`
  /// receives "gptq, output error 0.0036 (rtn 0.0067)"-style text.
  gguf::Error quantize(const std::string &name, uint8_t *out, size_t size,
                       std::string &note) const;
  /// Writes tensor `name` as f32 with the AWQ plan applied.
  gguf::Error writeF32(const std::string &name, uint8_t *out,
                       size_t size) const;

private:
  PtqSession(const gguf::File &in, const fmt::FormatSpec &spec)
      : weights_(in), spec_(spec) {}

  models::LlamaWeights weights_;
  fmt::FormatSpec spec_;
  ptq::PtqOptions options_;
  std::unique_ptr<ptq::Calibration> calib_;
  ptq::AwqPlan plan_;
  std::set<std::string> linear_;
};

} // namespace quant::tool

#endif // QUANT_TOOLS_QUANT_GGUF_QUANTIZEPTQ_H
