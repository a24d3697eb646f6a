//===- Fingerprint.cpp - a cheap identity check of a GGUF file ------------===//

#include "quant/models/Fingerprint.h"
#include "quant/models/Mixing.h"

#include <algorithm>

uint64_t quant::models::sampledFingerprint(const uint8_t *data, size_t size,
                                           size_t begin) {
  constexpr size_t kSamples = 64, kSampleBytes = 4096;
  uint64_t hash = kFnv1aBasis;
  auto mix = [&](size_t from, size_t to) {
    hash = fnv1a64(data + from, to - from, hash);
  };
  if (begin >= size)
    return hash;
  size_t length = size - begin;
  if (length <= kSamples * kSampleBytes) {
    mix(begin, size);
    return hash;
  }
  for (size_t s = 0; s < kSamples; ++s) {
    size_t from = begin + (length - kSampleBytes) / (kSamples - 1) * s;
    mix(from, std::min(size, from + kSampleBytes));
  }
  return hash;
}
