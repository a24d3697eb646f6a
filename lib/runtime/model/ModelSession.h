//===- ModelSession.h - running a compiled model over tokens ----*- C++ -*-===//
//
// Holds the KV cache and the step buffers of a compiled model and evaluates
// tokens: batches of `prefill_batch` rows through the prefill step while
// enough tokens remain, then one at a time through the decode step.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_MODEL_MODELSESSION_H
#define QUANT_RUNTIME_MODEL_MODELSESSION_H

#include "ModelImage.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace quant::rt {

class ModelSession {
public:
  ModelSession(const qrt_model_desc &desc, const ModelImage &image);

  /// Evaluates `tokens` at positions position().. and keeps the logits of
  /// the last one; with `allLogits`, appends every row's logits to it.
  /// Returns an empty string or a one-line error (a token outside the
  /// vocabulary, the context full).
  std::string evaluate(const std::vector<int32_t> &tokens,
                       std::vector<float> *allLogits = nullptr);

  /// Logits of the last evaluated token (vocabSize() values).
  const float *lastLogits() const { return last.data(); }
  int64_t position() const { return position_; }
  int64_t contextLength() const { return desc.context_length; }
  uint32_t vocabSize() const { return image.config.vocabSize; }
  /// Forgets the cached positions (the next token is at position 0).
  void reset() { position_ = 0; }

private:
  /// Writes the embedding of `token` to `out` (dim floats).
  void embed(int32_t token, float *out) const;

  /// A step buffer: from the descriptor's `alloc` hook (device executables)
  /// or huge-page memory (LargeBuffer.h: the KV cache is read at every
  /// step).
  struct Buffer {
    float *data = nullptr;
    LargeBuffer host;
    void (*deviceFree)(void *) = nullptr;

    Buffer() = default;
    Buffer(Buffer &&other) noexcept { *this = std::move(other); }
    Buffer &operator=(Buffer &&other) noexcept {
      std::swap(data, other.data);
      std::swap(host, other.host);
      std::swap(deviceFree, other.deviceFree);
      return *this;
    }
    ~Buffer() {
      if (deviceFree && data)
        deviceFree(data);
    }
    float *get() const { return data; }
  };
  /// `floats` zeroed floats, 64-byte aligned.
  Buffer allocate(size_t floats) const;

  const qrt_model_desc &desc;
  const ModelImage &image;
  Buffer keys, values, embeddings, logits;
  std::vector<float> last;
  int64_t position_ = 0;
  const gguf::TensorInfo *embeddingTable = nullptr;
  uint64_t embeddingRowBytes = 0;
};

} // namespace quant::rt

#endif // QUANT_RUNTIME_MODEL_MODELSESSION_H
