//===- PackedImage.h - a GGUF image with weights as packed panels -*- C++ -*-===//

#ifndef QUANT_TOOLS_QUANT_COMPILE_PACKEDIMAGE_H
#define QUANT_TOOLS_QUANT_COMPILE_PACKEDIMAGE_H

#include "quant/gguf/Reader.h"

#include <string>
#include <vector>

namespace quant::driver {

/// Writes `file` to `path` with the data of the tensors `names` rewritten as
/// packed panels (fmt::packPanels; same sizes and offsets, so the header
/// stays valid). Each tensor must satisfy fmt::canPackPanels. Returns "" or
/// a one-line error.
std::string writePackedImage(const gguf::File &file,
                             const std::vector<std::string> &names,
                             const std::string &path);

} // namespace quant::driver

#endif // QUANT_TOOLS_QUANT_COMPILE_PACKEDIMAGE_H
