//===- ModelImage.h - the GGUF image a compiled model runs from -*- C++ -*-===//
//
// A compiled model carries its GGUF file inside the executable, or only the
// file's header when its weights stay external (mapped at run time from the
// path it was compiled from, after checking it is the same file).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_MODEL_MODELIMAGE_H
#define QUANT_RUNTIME_MODEL_MODELIMAGE_H

#include "quant/gguf/Reader.h"
#include "quant/models/Llama.h"
#include "quant/runtime/LargeBuffer.h"
#include "quant/runtime/Model.h"

#include <string>
#include <vector>

namespace quant::rt {

/// The parsed GGUF image, its llama configuration and the weight pointers
/// the forward steps take.
struct ModelImage {
  /// The image copied into huge-page memory, which `file` then parses (empty
  /// when `file` reads the embedded or mapped bytes in place). Declared
  /// first: it must outlive `file`.
  LargeBuffer copy;
  gguf::File file;
  models::LlamaConfig config;
  /// Data pointers of the weight arguments, in the descriptor's order.
  std::vector<void *> weights;
};

/// How the weights are held while the model runs.
enum class WeightMemory {
  /// Copied into huge-page memory (LargeBuffer.h) when the host reads them
  /// (CPU executables): a little startup time for fewer TLB misses on
  /// every token.
  Copied,
  /// Read in place from the executable or the mapped external file
  /// (`--map-weights`; always for device executables, whose weights live
  /// on the device).
  Mapped,
};

/// Opens the descriptor's image (or `weightsPath`, when not empty, in place
/// of the external path baked in). Returns an empty string on success,
/// otherwise a one-line error.
std::string openModelImage(const qrt_model_desc &desc,
                           const std::string &weightsPath, WeightMemory memory,
                           ModelImage &image);

} // namespace quant::rt

#endif // QUANT_RUNTIME_MODEL_MODELIMAGE_H
