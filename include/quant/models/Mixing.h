//===- Mixing.h - fully specified 64-bit mixing functions -------*- C++ -*-===//
//
// SplitMix64 and FNV-1a: small, fully specified functions giving the same
// numbers on every platform. Shared by the sampler's and the calibration's
// generators, the synthetic-model generator, the tests' generators and the
// external-weights fingerprint.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_MODELS_MIXING_H
#define QUANT_MODELS_MIXING_H

#include <cstddef>
#include <cstdint>

namespace quant::models {

/// One step of SplitMix64: advances `state` and returns the next output.
inline uint64_t splitmix64(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// The FNV-1a offset basis: the hash of no bytes.
constexpr uint64_t kFnv1aBasis = 0xCBF29CE484222325ull;

/// 64-bit FNV-1a of `size` bytes at `data`, continuing from `hash`.
inline uint64_t fnv1a64(const void *data, size_t size,
                        uint64_t hash = kFnv1aBasis) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  for (size_t i = 0; i < size; ++i)
    hash = (hash ^ bytes[i]) * 0x100000001B3ull;
  return hash;
}

} // namespace quant::models

#endif // QUANT_MODELS_MIXING_H
