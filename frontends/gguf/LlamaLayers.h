//===- LlamaLayers.h - tensor-level building blocks of a llama model ------===//
//
// Builds the layers of a llama-family transformer as linalg/tensor/qt ops on
// tensors with a static batch of B rows: RMSNorm, linear layers on weights
// in their stored format, RoPE, causal grouped-query attention over a KV
// cache of dynamic length, SwiGLU. The CPU pipeline fuses and lowers them
// like any other program.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_FRONTENDS_GGUF_LLAMALAYERS_H
#define QUANT_FRONTENDS_GGUF_LLAMALAYERS_H

#include "quant/formats/Format.h"
#include "quant/models/Llama.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace quant::frontends {

/// Emits the ops of one forward step (B rows at positions pos..pos+B-1).
/// How the layers are built for a target.
struct LlamaLayerOptions {
  /// RoPE tables and rotation in float64; otherwise the tables are computed
  /// in float64 and stored as float32 and the rotation is float32 (for
  /// targets without float64 arithmetic).
  bool float64Rope = true;
  /// Attention's weighted sum over the keys as the innermost loop, so that
  /// GPU targets map all its parallel loops (rows, heads, head dimensions)
  /// to invocations; otherwise the head dimension is innermost (contiguous
  /// rows of values for CPU vector loops).
  bool reductionInnermost = false;
  /// Linear layers whose weights have a packed-panel layout
  /// (fmt::canPackPanels) are marked qt.packed_weights: the caller stores
  /// those weights packed (LlamaProgram::packedWeights).
  bool packWeights = false;
};

/// True when a [rows, cols] weight of `format` is stored as packed panels
/// under LlamaLayerOptions::packWeights (fmt::canPackPanels).
bool hasPackedPanels(const fmt::FormatSpec &format,
                     llvm::ArrayRef<int64_t> shape);

class LlamaLayers {
public:
  LlamaLayers(mlir::OpBuilder &builder, mlir::Location loc,
              const models::LlamaConfig &config, int64_t batch,
              const LlamaLayerOptions &options = {});

  /// The element type of the RoPE tables.
  mlir::Type ropeType() const;

  /// `x / sqrt(mean(x²) + eps) * weight` over the last dimension of [B, N].
  mlir::Value rmsNorm(mlir::Value x, mlir::Value weight);
  /// `x · Wᵀ` for x [B, K] and W [M, K]: a quantized tensor (fused qt.matmul)
  /// or a plain f32/f16/bf16 matrix (a contraction widening W on the fly).
  /// x · Wᵀ; `packable` false keeps the weight's stored layout whatever
  /// the options say (a weight the runtime also reads itself).
  mlir::Value linear(mlir::Value x, mlir::Value weight, bool packable = true);
  /// cos θ and sin θ ([B, ropeDim/2] each, of ropeType()) of the RoPE angles
  /// θ = (position + b) · base^(−2i/ropeDim): computed once per step and
  /// shared by every layer's queries and keys.
  std::pair<mlir::Value, mlir::Value> ropeTables(mlir::Value position);
  /// Rotates adjacent pairs (2i, 2i+1) of the first ropeDim dims of each of
  /// `heads` heads of x [B, heads*headDim] by the angles of ropeTables.
  mlir::Value rope(mlir::Value x, int64_t heads, mlir::Value cos,
                   mlir::Value sin);
  /// Causal grouped-query attention of q [B, dim] over keys and values
  /// [kvHeads, L, headDim] (L dynamic = position + B), row b seeing keys
  /// 0..position+b.
  mlir::Value attention(mlir::Value q, mlir::Value keys, mlir::Value values,
                        mlir::Value position);
  /// `silu(gate) * up`, elementwise.
  mlir::Value swiglu(mlir::Value gate, mlir::Value up);
  /// `a + b`, elementwise.
  mlir::Value add(mlir::Value a, mlir::Value b);

private:
  mlir::Value empty(llvm::ArrayRef<int64_t> shape,
                    mlir::ValueRange dynamicSizes = {});
  mlir::Value filled(llvm::ArrayRef<int64_t> shape, double value,
                     mlir::ValueRange dynamicSizes = {});
  mlir::Value f32(double value);
  /// `(s, b, l) -> l <= position + b`: the causal mask as an i1.
  mlir::Value isVisible(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value row, mlir::Value key, mlir::Value position);

  mlir::OpBuilder &b;
  mlir::Location loc;
  const models::LlamaConfig &config;
  int64_t batch;
  LlamaLayerOptions options;
};

} // namespace quant::frontends

#endif // QUANT_FRONTENDS_GGUF_LLAMALAYERS_H
