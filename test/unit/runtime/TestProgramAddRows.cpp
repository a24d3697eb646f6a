//===- TestProgramAddRows.cpp - A stand-in compiled program ---------------===//
//
// Plays the part of compiler-emitted code for the qrt_main tests:
// y[2x3] = x[2x3] + v[3] (v added to each row), rows split with
// qrt_parallel_for.
//
//===----------------------------------------------------------------------===//

#include "quant/runtime/Runtime.h"

namespace {

const int64_t kMatrixDims[] = {2, 3};
const int64_t kVectorDims[] = {3};

const qrt_tensor_sig kInputs[] = {
    {"x", QRT_F32, 2, kMatrixDims},
    {"v", QRT_F32, 1, kVectorDims},
};
const qrt_tensor_sig kOutputs[] = {
    {"y", QRT_F32, 2, kMatrixDims},
};

/// The buffers of one run.
struct Buffers {
  const float *x;
  const float *v;
  float *y;
};

void addRows(void *context, int64_t begin, int64_t end) {
  const Buffers &b = *static_cast<const Buffers *>(context);
  for (int64_t row = begin; row < end; ++row)
    for (int64_t col = 0; col < 3; ++col)
      b.y[row * 3 + col] = b.x[row * 3 + col] + b.v[col];
}

} // namespace

extern "C" const qrt_program_sig quant_program_signature = {
    "add_rows", 2, 1, kInputs, kOutputs, /*default_threads=*/2};

extern "C" void quant_program_entry(void **buffers) {
  Buffers b{static_cast<const float *>(buffers[0]),
            static_cast<const float *>(buffers[1]),
            static_cast<float *>(buffers[2])};
  qrt_parallel_for(addRows, &b, 2, 1);
}
