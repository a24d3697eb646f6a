//===- PackedImage.cpp - a GGUF image with weights as packed panels -------===//

#include "PackedImage.h"

#include "quant/formats/PanelLayout.h"
#include "quant/gguf/Tensor.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace quant;

std::string driver::writePackedImage(const gguf::File &file,
                                     const std::vector<std::string> &names,
                                     const std::string &path) {
  // The packed tensors by offset in the file; the bytes between them are
  // copied as they are.
  struct Packed {
    uint64_t offset = 0;
    const gguf::TensorInfo *tensor = nullptr;
  };
  std::vector<Packed> packed;
  const uint8_t *base = file.bufferData();
  for (const std::string &name : names) {
    const gguf::TensorInfo *tensor = file.findTensor(name);
    if (!tensor)
      return "no tensor '" + name + "' to pack";
    packed.push_back({uint64_t(file.tensorData(*tensor).data - base), tensor});
  }
  std::sort(packed.begin(), packed.end(),
            [](const Packed &a, const Packed &b) { return a.offset < b.offset; });

  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return path + ": " + ec.message();
  auto bytes = [](const uint8_t *data, uint64_t size) {
    return llvm::StringRef(reinterpret_cast<const char *>(data), size);
  };
  uint64_t written = 0;
  std::vector<uint8_t> buffer;
  for (const Packed &p : packed) {
    const gguf::TensorInfo &tensor = *p.tensor;
    fmt::FormatSpec spec;
    if (!gguf::panelFormat(tensor, spec) || p.offset < written)
      return "tensor '" + tensor.name + "' cannot be packed into panels";
    os << bytes(base + written, p.offset - written);
    buffer.resize(tensor.byteSize);
    fmt::packPanels(spec, base + p.offset, size_t(tensor.numRows()),
                    size_t(tensor.rowLength()), buffer.data());
    os << bytes(buffer.data(), buffer.size());
    written = p.offset + tensor.byteSize;
  }
  os << bytes(base + written, file.bufferSize() - written);
  os.close();
  if (os.has_error())
    return path + ": " + os.error().message();
  return "";
}
