//===- Signature.cpp - Checking and printing program signatures -----------===//

#include "Signature.h"

#include "DType.h"

#include <limits>

using namespace quant::rt;

namespace {

/// Checks one tensor of a signature.
bool validateTensor(const char *kind, int32_t index,
                    const qrt_tensor_sig &tensor, std::string &error) {
  std::string label = tensorLabel(kind, index, tensor);
  if (!isValidDType(tensor.dtype)) {
    error = "invalid program signature: " + label + " has unknown dtype " +
            std::to_string(tensor.dtype);
    return false;
  }
  if (tensor.rank < 0 || (tensor.rank > 0 && !tensor.dims)) {
    error = "invalid program signature: " + label + " has no valid rank/dims";
    return false;
  }
  uint64_t bytes = dtypeSize(tensor.dtype);
  // Leaves room for alignment padding in size_t arithmetic.
  const uint64_t limit = uint64_t(std::numeric_limits<int64_t>::max()) / 2;
  for (int32_t i = 0; i < tensor.rank; ++i) {
    int64_t dim = tensor.dims[i];
    if (dim < 0 || (dim != 0 && bytes > limit / uint64_t(dim))) {
      error = "invalid program signature: " + label + " has invalid dim " +
              std::to_string(dim);
      return false;
    }
    bytes *= uint64_t(dim);
  }
  return true;
}

} // namespace

bool quant::rt::validateSignature(const qrt_program_sig &signature,
                                  std::string &error) {
  if (signature.num_inputs < 0 || signature.num_outputs < 0 ||
      (signature.num_inputs > 0 && !signature.inputs) ||
      (signature.num_outputs > 0 && !signature.outputs)) {
    error = "invalid program signature: bad input/output counts";
    return false;
  }
  for (int32_t i = 0; i < signature.num_inputs; ++i)
    if (!validateTensor("input", i, signature.inputs[i], error))
      return false;
  for (int32_t i = 0; i < signature.num_outputs; ++i)
    if (!validateTensor("output", i, signature.outputs[i], error))
      return false;
  return true;
}

std::vector<int64_t> quant::rt::signatureShape(const qrt_tensor_sig &tensor) {
  if (tensor.rank <= 0 || !tensor.dims)
    return {};
  return std::vector<int64_t>(tensor.dims, tensor.dims + tensor.rank);
}

uint64_t quant::rt::signatureBytes(const qrt_tensor_sig &tensor) {
  uint64_t bytes = dtypeSize(tensor.dtype);
  for (int64_t dim : signatureShape(tensor))
    bytes *= uint64_t(dim);
  return bytes;
}

std::string quant::rt::tensorLabel(const char *kind, int32_t index,
                                   const qrt_tensor_sig &tensor) {
  std::string label = std::string(kind) + " " + std::to_string(index + 1);
  if (tensor.name && *tensor.name)
    label += std::string(" (") + tensor.name + ")";
  return label;
}

std::string quant::rt::describeTensor(const qrt_tensor_sig &tensor) {
  return formatShape(signatureShape(tensor)) + " " + dtypeName(tensor.dtype);
}

std::string quant::rt::formatSignature(const qrt_program_sig &signature) {
  std::string text = "program";
  if (signature.name && *signature.name)
    text += std::string(" ") + signature.name;
  text += "\n";
  for (int32_t i = 0; i < signature.num_inputs; ++i)
    text += tensorLabel("input", i, signature.inputs[i]) + ": " +
            describeTensor(signature.inputs[i]) + "\n";
  for (int32_t i = 0; i < signature.num_outputs; ++i)
    text += tensorLabel("output", i, signature.outputs[i]) + ": " +
            describeTensor(signature.outputs[i]) + "\n";
  text += "default threads: ";
  text += signature.default_threads > 0
              ? std::to_string(signature.default_threads)
              : std::string("one per core");
  text += "\n";
  return text;
}
