//===- Calibration.h - Linear-layer input statistics -------------*- C++
//-*-===//
//
// Calibration for post-training quantization: the float64 forward pass of a
// llama model (quant/models/LlamaForward.h) runs over windows of calibration
// tokens, and every distinct linear-layer input is summarised:
//
//   * H = Σ x xᵀ (K x K, double) and the number of vectors (GPTQ),
//   * the per-channel mean |x| (AWQ's activation salience),
//   * a bounded random subsample of the input vectors (reservoir sampling
//     with a fixed seed; AWQ's scale and clipping searches).
//
// attn_q/attn_k/attn_v read one input (the attention RMSNorm's output) and
// ffn_gate/ffn_up another (the FFN RMSNorm's); each such input is collected
// once, under the name of the group's first matrix (inputGroupLeader).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_PTQ_CALIBRATION_H
#define QUANT_PTQ_CALIBRATION_H

#include "quant/models/Llama.h"
#include "quant/models/LlamaForward.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace quant::ptq {

/// What the calibration collected for one linear-layer input of width `dim`.
struct InputStats {
  size_t dim = 0;
  /// Input vectors seen (one per position and window).
  uint64_t count = 0;
  /// Σ x xᵀ over all vectors, dim x dim row-major, symmetric (both halves
  /// filled). Empty when the calibration did not collect Hessians.
  std::vector<double> hessian;
  /// Σ |x_c| per channel.
  std::vector<double> sumAbs;
  /// Up to the calibration's maxSamples input vectors, row-major
  /// (numSamples() x dim): a uniform random subsample of all vectors seen.
  std::vector<double> samples;

  size_t numSamples() const { return dim ? samples.size() / dim : 0; }
  /// sumAbs / count (zeros when count is 0).
  std::vector<double> meanAbs() const;
};

/// The matrix under whose name the input of `weightName` is collected:
/// "blk.N.attn_q.weight" for attn_q/attn_k/attn_v, "blk.N.ffn_gate.weight"
/// for ffn_gate/ffn_up, else `weightName` itself.
std::string inputGroupLeader(const std::string &weightName);

struct CalibrationOptions {
  /// Largest number of input vectors kept per input (0: none).
  size_t maxSamples = 256;
  /// Seed of the reservoir sampling (each input uses its own stream, derived
  /// from the seed and the input's name).
  uint64_t seed = 0x5EED;
  /// Whether to accumulate H (dim x dim doubles per input).
  bool collectHessian = true;
  /// Optional: only inputs whose leader name passes are collected.
  std::function<bool(const std::string &leaderName)> filter;
  /// Optional: called after each window with (windows done, total).
  std::function<void(size_t done, size_t total)> progress;
};

/// Accumulates input statistics; feed it with observe() (the forward pass's
/// LinearObserver) and call finish() before reading.
class Calibration {
public:
  explicit Calibration(CalibrationOptions options = {});
  ~Calibration();
  Calibration(Calibration &&) noexcept;
  Calibration &operator=(Calibration &&) noexcept;

  /// One input vector of matrix `weightName`; vectors of non-leader
  /// matrices (attn_k, attn_v, ffn_up) are ignored, since their leader sees
  /// the same vector.
  void observe(const std::string &weightName, const double *x, size_t n);
  /// Flushes pending accumulation and fills the lower half of each H. Call
  /// it before reading H through find()/inputs() (the other statistics are
  /// always current); observe() may continue afterwards.
  void finish();

  /// The statistics of `weightName`'s input (via its group leader), or
  /// nullptr when none were collected.
  const InputStats *find(const std::string &weightName) const;
  /// All statistics, by leader name.
  const std::map<std::string, InputStats> &inputs() const;
  /// Windows and tokens run (set by calibrate()).
  size_t windows = 0;
  uint64_t tokens = 0;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Cuts `tokens` (text tokens, no BOS) into consecutive windows of up to
/// `windowLength` - 1 tokens, each preceded by `bos` (none when bos < 0,
/// then windows hold windowLength tokens); at most `maxWindows` windows
/// (0: all). windowLength must be >= 2.
std::vector<std::vector<int32_t>>
makeCalibrationWindows(const std::vector<int32_t> &tokens, int32_t bos,
                       size_t windowLength, size_t maxWindows);

/// Runs the forward pass (without the logits) over every window and returns
/// the finished statistics. Throws what llamaForward throws.
Calibration calibrate(const models::LlamaWeights &weights,
                      const models::LlamaConfig &config,
                      const std::vector<std::vector<int32_t>> &windows,
                      const CalibrationOptions &options = {});

} // namespace quant::ptq

#endif // QUANT_PTQ_CALIBRATION_H
