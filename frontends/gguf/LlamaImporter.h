//===- LlamaImporter.h - a llama-family GGUF model as IR ---------*- C++ -*-===//
//
// Builds the forward step of a llama model as a module of func, linalg,
// tensor and qt ops. Each requested step is one function
//
//   func.func @<name>(%x: tensor<B x dim x f32>, %position: tensor<1xi64>,
//                     %keys: tensor<layers x context x kvDim x f32>,
//                     %values: tensor<layers x context x kvDim x f32>,
//                     %w0, %w1, ...) -> tensor<B x vocab x f32>
//
// which runs B token embeddings at positions position..position+B-1, writes
// their keys and values into the caches (in place) and returns the logits
// of every row. Weights are arguments in their stored format (block formats
// as raw bytes viewed with qt.from_storage), so no weight byte is ever in
// the IR: the executable passes pointers into the GGUF image.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_FRONTENDS_GGUF_LLAMAIMPORTER_H
#define QUANT_FRONTENDS_GGUF_LLAMAIMPORTER_H

#include "frontends/gguf/LlamaLayers.h"
#include "quant/models/Llama.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace quant::frontends {

/// One forward-step function to build.
struct LlamaStep {
  /// Function name.
  std::string name;
  /// Rows per call (1 for decoding, more for batched prompt processing).
  int64_t batch = 1;
};

/// What the importer builds.
struct LlamaImportOptions {
  /// KV-cache capacity in positions.
  int64_t contextLength = 0;
  std::vector<LlamaStep> steps;
  /// Target-dependent choices in the layers (see LlamaLayerOptions).
  LlamaLayerOptions layers;
};

/// The imported model: the module and the GGUF tensor names of the weight
/// arguments in order (they follow the four leading arguments of each step).
struct LlamaProgram {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::vector<std::string> weightNames;
  /// With LlamaLayerOptions::packWeights: the tensors the program reads as
  /// packed panels (fmt::packPanels), which the caller must store so.
  std::vector<std::string> packedWeights;
};

/// Number of arguments before the weights: x, position, keys, values.
constexpr unsigned kLlamaLeadingArguments = 4;

/// Builds the steps of the model in `file` (already checked by
/// readLlamaConfig into `config`).
LlamaProgram importLlama(mlir::MLIRContext *context, const gguf::File &file,
                         const models::LlamaConfig &config,
                         const LlamaImportOptions &options);

} // namespace quant::frontends

#endif // QUANT_FRONTENDS_GGUF_LLAMAIMPORTER_H
