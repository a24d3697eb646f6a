/*===- Model.h - the C ABI of a compiled language model -------------------===*\
|*                                                                            *|
|* quant-compile model.gguf -o chat emits the model's forward steps and a     *|
|* `main` that fills a qrt_model_desc and calls qrt_model_main, which does    *|
|* the rest at run time: the GGUF image (embedded, or the original file       *|
|* mapped), the tokenizer, the KV cache, sampling and the command line.       *|
\*===----------------------------------------------------------------------===*/

#ifndef QUANT_RUNTIME_MODEL_H
#define QUANT_RUNTIME_MODEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A compiled forward step. `buffers` holds the data pointers of: the
/// embeddings [batch x dim] f32, the position (one i64), the key cache and
/// the value cache [layers x kvHeads x context x headDim] f32 (updated in
/// place), the
/// weights in `weight_names` order, then the logits [batch x vocab] f32.
typedef void (*qrt_model_step_fn)(void **buffers);

/// What the compiler baked into a model executable.
typedef struct qrt_model_desc {
  /// Batched prompt step and its rows per call.
  qrt_model_step_fn prefill;
  int64_t prefill_batch;
  /// One-token step.
  qrt_model_step_fn decode;
  /// KV-cache capacity in positions.
  int64_t context_length;
  /// GGUF tensor names of the weight arguments, in order.
  int32_t num_weights;
  const char *const *weight_names;
  /// The embedded GGUF image: the whole file, or (external weights) its
  /// bytes up to the data section, used to check the file at run time.
  const unsigned char *image;
  uint64_t image_size;
  /// External weights: the GGUF path and its size when compiled; NULL when
  /// the image is the whole file.
  const char *external_path;
  uint64_t external_size;
  /// models::sampledFingerprint of the external file's tensor data.
  uint64_t external_fingerprint;
  /// Threads when --threads is not given (0: one per core).
  int32_t default_threads;
  /// Device hooks, NULL for CPU executables. `alloc`/`free`: memory for the
  /// step buffers (KV cache, embeddings, logits) that the device uses in
  /// place, 64-byte aligned. `constant_memory`: called once with the
  /// weights' bytes, which never change while the process runs.
  void *(*alloc)(size_t alignment, size_t bytes);
  void (*free)(void *memory);
  void (*constant_memory)(const void *data, uint64_t bytes);
  /// External weights the kernels read as packed panels
  /// (quant/formats/PanelLayout.h): the file holds them row-major, and the
  /// runtime packs them in its copy of the weights at load time.
  int32_t num_packed_weights;
  const char *const *packed_weight_names;
} qrt_model_desc;

/// The model executable's main: generation, --logits, --perplexity (see
/// --help). Returns the process exit code.
int qrt_model_main(const qrt_model_desc *model, int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* QUANT_RUNTIME_MODEL_H */
