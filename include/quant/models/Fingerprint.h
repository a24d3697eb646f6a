//===- Fingerprint.h - a cheap identity check of a GGUF file ----*- C++ -*-===//
//
// A model compiled with external weights checks at start-up that the GGUF
// file it maps is the one it was compiled from. Comparing the header (every
// name, type, shape and offset) catches a different model; this fingerprint
// of 64 evenly spaced 4 KiB samples of the tensor data also catches the same
// model re-quantized or regenerated, while reading only 256 KiB.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_MODELS_FINGERPRINT_H
#define QUANT_MODELS_FINGERPRINT_H

#include <cstddef>
#include <cstdint>

namespace quant::models {

/// FNV-1a (64-bit) of the sampled bytes of `data[begin, size)`.
uint64_t sampledFingerprint(const uint8_t *data, size_t size, size_t begin);

} // namespace quant::models

#endif // QUANT_MODELS_FINGERPRINT_H
