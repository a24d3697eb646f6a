//===- Signature.h - Checking and printing program signatures ---*- C++ -*-===//
//
// Helpers over qrt_program_sig / qrt_tensor_sig that take the signature as
// an argument (not the compiler-emitted global), so they are testable alone.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_CPU_SIGNATURE_H
#define QUANT_RUNTIME_CPU_SIGNATURE_H

#include "quant/runtime/Runtime.h"

#include <cstdint>
#include <string>
#include <vector>

namespace quant::rt {

/// Checks a signature is well formed: non-negative counts, known dtypes,
/// non-negative dims, and byte sizes that fit in memory. On failure returns
/// false and sets `error` to one line.
bool validateSignature(const qrt_program_sig &signature, std::string &error);

/// The dims of a tensor signature as a shape.
std::vector<int64_t> signatureShape(const qrt_tensor_sig &tensor);

/// The byte size of a tensor of a validated signature.
uint64_t signatureBytes(const qrt_tensor_sig &tensor);

/// "input 1 (x)": `kind` and the 1-based index, with the name when it has one.
std::string tensorLabel(const char *kind, int32_t index,
                        const qrt_tensor_sig &tensor);

/// "2x3 f32": the shape and element type.
std::string describeTensor(const qrt_tensor_sig &tensor);

/// The --signature report: one line per input and output.
std::string formatSignature(const qrt_program_sig &signature);

} // namespace quant::rt

#endif // QUANT_RUNTIME_CPU_SIGNATURE_H
