//===- LlamaPtq.h - Post-training quantization of a llama model --*- C++
//-*-===//
//
// The model-level side of RTN, GPTQ and AWQ for llama GGUF models: which
// matrices are quantized with which statistics, the AWQ folding plan, and
// one entry point per matrix (quant-gguf quantize --method uses them).
//
// Linear weights: blk.N.{attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,
// ffn_down}.weight and output.weight (when not tied). token_embd.weight is
// an embedding (rows are looked up, not multiplied): callers quantize it
// with RTN.
//
// AWQ plan (all folds exact in real arithmetic; the float model is
// unchanged up to rounding, see applyAwqPlan):
//   attn_norm   /= s1;  attn_q, attn_k, attn_v columns *= s1
//   attn_v rows /= s2;  attn_output columns *= s2     (v -> o; with GQA one
//       scale per key/value channel, repeated over the query heads sharing
//       it: o_c = Σ_j a_j v_j,c' is linear in v and the attention weights do
//       not depend on v, so scaling v's channel c' scales every o_c that
//       reads it)
//   ffn_norm    /= s3;  ffn_gate, ffn_up columns *= s3
//   ffn_up rows /= s4;  ffn_down columns *= s4       (h = silu(g) * u is
//       linear in u)
//   output_norm /= s5;  output columns *= s5        (untied output only)
// Each s is searched (awqSearchScales) on the original weights and the
// calibration samples of the float model, in that order, as in the AWQ
// reference. The clipping search (awqClip) then runs on the folded weights
// of every matrix except attn_q and attn_k (whose outputs meet in q·k, as in
// the AWQ reference), against the samples divided by the matrix's column
// scales.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_PTQ_LLAMAPTQ_H
#define QUANT_PTQ_LLAMAPTQ_H

#include "quant/formats/Format.h"
#include "quant/models/Llama.h"
#include "quant/models/LlamaForward.h"
#include "quant/ptq/Awq.h"
#include "quant/ptq/Calibration.h"
#include "quant/ptq/Gptq.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quant::ptq {

enum class Method { Rtn, Gptq, Awq };
/// "rtn", "gptq", "awq".
std::string_view toString(Method m);
std::optional<Method> parseMethod(std::string_view name);

/// The linear weights of `config`'s model, in file order of a llama layer
/// (blk.0.attn_q ... blk.N.ffn_down, then output.weight when not tied).
std::vector<std::string> llamaLinearWeights(const models::LlamaConfig &config);

/// The AWQ transformation of a model.
struct AwqPlan {
  /// Matrix -> per-column factors (multiply).
  std::map<std::string, std::vector<double>> columnScales;
  /// Matrix -> per-row divisors.
  std::map<std::string, std::vector<double>> rowDivisors;
  /// Norm weight -> per-element divisors.
  std::map<std::string, std::vector<double>> normDivisors;
  /// One entry per searched group.
  struct Group {
    std::string name; ///< e.g. "blk.0.attn_norm -> attn_q,attn_k,attn_v".
    double alpha = 0, loss = 0, rtnLoss = 0;
  };
  std::vector<Group> groups;
};

/// Searches every group of every layer (see above). Groups whose input has
/// no calibration samples are skipped (s = 1). `progress` is called after
/// each group with (group, done, total).
AwqPlan planAwq(const models::LlamaWeights &weights,
                const models::LlamaConfig &config, const Calibration &calib,
                const fmt::FormatSpec &spec, const AwqOptions &options,
                const std::function<void(const AwqPlan::Group &, size_t,
                                         size_t)> &progress = {});

/// Tensor `name` of `weights` with the plan applied, in double (unchanged
/// when the plan does not touch it).
models::DecodedMatrix awqTransformed(const models::LlamaWeights &weights,
                                     const AwqPlan &plan,
                                     const std::string &name);

/// Overrides every tensor the plan touches with awqTransformed of its
/// current values (call it once, on the original weights).
void applyAwqPlan(models::LlamaWeights &weights, const AwqPlan &plan);

struct PtqOptions {
  Method method = Method::Rtn;
  GptqOptions gptq;
  AwqOptions awq;
};

/// What happened to one matrix.
struct MatrixReport {
  /// The method applied: toString(method), or "rtn" when the method needed
  /// calibration data the calibration lacks.
  std::string applied;
  /// Relative output error on the calibration samples of the matrix's
  /// input, ‖(Ŵ − W) X‖² / ‖W X‖², with Ŵ the quantized matrix mapped back
  /// to the original model (AWQ scales undone); for the method and for
  /// RTN. Negative when there are no samples.
  double relError = -1, rtnRelError = -1;
  GptqReport gptq;
  AwqClipResult clip;
};

/// Quantizes the linear weight `name` (one of llamaLinearWeights) of the
/// original `weights` (no overrides) into rows * spec.rowBytes(cols) bytes
/// at `out` with `options.method`: RTN; GPTQ with calib's H of the
/// matrix's input; AWQ with `plan` (required for Awq) folded in and the
/// clipping search. Returns "" or a one-line error.
std::string quantizeLlamaMatrix(const models::LlamaWeights &weights,
                                const Calibration *calib, const AwqPlan *plan,
                                const fmt::FormatSpec &spec,
                                const std::string &name,
                                const PtqOptions &options, uint8_t *out,
                                MatrixReport *report = nullptr);

} // namespace quant::ptq

#endif // QUANT_PTQ_LLAMAPTQ_H
