//===- TestProgramDTypes.cpp - A stand-in program with mixed dtypes -------===//
//
// Exercises qrt_main's handling of non-f32 tensors:
//   inputs:  a i8[4], b bf16[2] (read from an f32 .npy), c f16[] (0-d),
//            d i32[2]
//   outputs: twice i64[4] = 2 * a, plus bf16[2] = b + 1 (written as f32),
//            same f16[] = c, neg i32[2] = -d
//
//===----------------------------------------------------------------------===//

#include "quant/runtime/Runtime.h"

#include <cstring>

namespace {

const int64_t kFour[] = {4};
const int64_t kTwo[] = {2};

const qrt_tensor_sig kInputs[] = {
    {"a", QRT_I8, 1, kFour},
    {"b", QRT_BF16, 1, kTwo},
    {"c", QRT_F16, 0, nullptr},
    {"d", QRT_I32, 1, kTwo},
};
const qrt_tensor_sig kOutputs[] = {
    {"twice", QRT_I64, 1, kFour},
    {"plus", QRT_BF16, 1, kTwo},
    {"same", QRT_F16, 0, nullptr},
    {"neg", QRT_I32, 1, kTwo},
};

float fromBf16(uint16_t bits) {
  uint32_t wide = uint32_t(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

/// Truncates: the test values are exact in bf16.
uint16_t toBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return uint16_t(bits >> 16);
}

} // namespace

extern "C" const qrt_program_sig quant_program_signature = {
    "dtypes", 4, 4, kInputs, kOutputs, /*default_threads=*/0};

extern "C" void quant_program_entry(void **buffers) {
  const int8_t *a = static_cast<const int8_t *>(buffers[0]);
  const uint16_t *b = static_cast<const uint16_t *>(buffers[1]);
  const uint16_t *c = static_cast<const uint16_t *>(buffers[2]);
  const int32_t *d = static_cast<const int32_t *>(buffers[3]);
  int64_t *twice = static_cast<int64_t *>(buffers[4]);
  uint16_t *plus = static_cast<uint16_t *>(buffers[5]);
  uint16_t *same = static_cast<uint16_t *>(buffers[6]);
  int32_t *neg = static_cast<int32_t *>(buffers[7]);
  for (int i = 0; i < 4; ++i)
    twice[i] = 2 * int64_t(a[i]);
  for (int i = 0; i < 2; ++i)
    plus[i] = toBf16(fromBf16(b[i]) + 1.0f);
  *same = *c;
  for (int i = 0; i < 2; ++i)
    neg[i] = -d[i];
}
