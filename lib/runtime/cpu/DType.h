//===- DType.h - Element types of program inputs and outputs ----*- C++ -*-===//
//
// Names and sizes of the qrt_dtype element types, how each is exchanged in a
// .npy file, and the 16-bit float conversions the command line needs.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_CPU_DTYPE_H
#define QUANT_RUNTIME_CPU_DTYPE_H

#include "quant/runtime/Npy.h"
#include "quant/runtime/Runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace quant::rt {

/// True if `dtype` is one of the qrt_dtype enumerators.
bool isValidDType(int32_t dtype);
/// The size of one element in bytes (0 for an invalid dtype).
size_t dtypeSize(int32_t dtype);
/// A short name for messages, e.g. "f32" ("?" for an invalid dtype).
const char *dtypeName(int32_t dtype);
/// The .npy element type a tensor of `dtype` is read from and written as.
/// bf16 has no NumPy dtype: it is exchanged as f32 and converted.
NpyDType npyDTypeFor(int32_t dtype);

/// IEEE binary16 bits to binary32 (exact).
float halfToFloat(uint16_t bits);
/// bfloat16 bits to binary32 (exact).
float bfloat16ToFloat(uint16_t bits);
/// binary32 to bfloat16 bits, rounding to nearest even; NaN stays NaN.
uint16_t floatToBfloat16(float value);

/// Formats element `index` of a buffer of `dtype` for printing: integers in
/// full, floats with 6 significant digits ("%g").
std::string formatElement(int32_t dtype, const void *data, size_t index);

} // namespace quant::rt

#endif // QUANT_RUNTIME_CPU_DTYPE_H
