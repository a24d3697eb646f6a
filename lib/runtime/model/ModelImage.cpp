//===- ModelImage.cpp - the GGUF image a compiled model runs from ---------===//

#include "ModelImage.h"

#include "quant/formats/PanelLayout.h"
#include "quant/gguf/Tensor.h"
#include "quant/models/Fingerprint.h"
#include "quant/runtime/Runtime.h"

#include <algorithm>
#include <cstring>
#include <vector>

using namespace quant;
using namespace quant::rt;

namespace {

/// Maps the external weights file and checks it is the one compiled from:
/// same size, the same bytes up to its data section (metadata, tensor
/// names, types, shapes and offsets) and the same sampled fingerprint of the
/// tensor data.
std::string openExternal(const qrt_model_desc &desc, const std::string &path,
                         gguf::File &file) {
  auto opened = gguf::openFile(path);
  if (!opened.hasValue())
    return "cannot use the model's weights: " + opened.message();
  gguf::File external = opened.take();
  if (external.bufferSize() != desc.external_size ||
      external.dataSectionOffset() != desc.image_size ||
      std::memcmp(external.bufferData(), desc.image, desc.image_size) != 0 ||
      models::sampledFingerprint(external.bufferData(), external.bufferSize(),
                                 external.dataSectionOffset()) !=
          desc.external_fingerprint)
    return path + " is not the GGUF file this executable was compiled from";
  file = std::move(external);
  return "";
}

/// Copies a read-only mapping in pieces of kCopyPieceBytes on the thread
/// pool (copyRangeFromMapping): the destination's huge pages are zeroed by
/// the kernel as each thread first touches them, which is most of the
/// copy's time.
void copyInParallel(const uint8_t *source, size_t size, uint8_t *target) {
  struct Copy {
    const uint8_t *source;
    uint8_t *target;
    size_t size;
  } copy{source, target, size};
  int64_t pieces = int64_t((size + kCopyPieceBytes - 1) / kCopyPieceBytes);
  qrt_parallel_for(
      [](void *context, int64_t begin, int64_t end) {
        const Copy &c = *static_cast<const Copy *>(context);
        for (int64_t piece = begin; piece < end; ++piece) {
          size_t first = size_t(piece) * kCopyPieceBytes;
          copyRangeFromMapping(c.source, c.target, first,
                               std::min(c.size, first + kCopyPieceBytes));
        }
      },
      &copy, pieces, 1);
}

/// Parses `size` bytes at `data` named `name` into `file`; with
/// WeightMemory::Copied, parses a huge-page copy kept in `copy` instead and
/// releases the source's pages as they are copied. `mappable`: the weights
/// could be read in place instead (the error then says how).
std::string parseImage(const uint8_t *data, size_t size,
                       const std::string &name, WeightMemory memory,
                       bool mappable, LargeBuffer &copy, gguf::File &file) {
  if (memory == WeightMemory::Copied) {
    copy = LargeBuffer::allocate(size);
    if (!copy.data())
      return "no memory for the model's " + std::to_string(size >> 20) +
             " MiB of weights" +
             (mappable ? " (--map-weights reads them from the file)" : "");
    copyInParallel(data, size, copy.data());
    data = copy.data();
  }
  auto parsed = gguf::parseMemory(data, size, name);
  if (!parsed.hasValue())
    return parsed.message();
  file = parsed.take();
  return "";
}

/// Rewrites the tensors the descriptor lists as packed (external weights,
/// row-major in the file) into packed panels in the image's copy, on the
/// thread pool. Returns an empty string or a one-line error.
std::string packAtLoad(const qrt_model_desc &desc, ModelImage &image) {
  struct Tensor {
    fmt::FormatSpec spec;
    uint8_t *data;
    size_t rows, cols, bytes;
  };
  std::vector<Tensor> tensors;
  for (int32_t i = 0; i < desc.num_packed_weights; ++i) {
    const char *name = desc.packed_weight_names[i];
    const gguf::TensorInfo *tensor = image.file.findTensor(name);
    fmt::FormatSpec spec;
    if (!tensor || !gguf::panelFormat(*tensor, spec))
      return std::string("tensor ") + name + " cannot be packed into panels";
    // The image is the runtime's own copy: its bytes may be rewritten.
    auto *data = const_cast<uint8_t *>(image.file.tensorData(*tensor).data);
    tensors.push_back({spec, data, size_t(tensor->numRows()),
                       size_t(tensor->rowLength()), size_t(tensor->byteSize)});
  }
  qrt_parallel_for(
      [](void *context, int64_t begin, int64_t end) {
        auto &all = *static_cast<std::vector<Tensor> *>(context);
        std::vector<uint8_t> packed;
        for (int64_t i = begin; i < end; ++i) {
          Tensor &t = all[size_t(i)];
          packed.resize(t.bytes);
          fmt::packPanels(t.spec, t.data, t.rows, t.cols, packed.data());
          std::memcpy(t.data, packed.data(), t.bytes);
        }
      },
      &tensors, int64_t(tensors.size()), 1);
  return "";
}

} // namespace

std::string rt::openModelImage(const qrt_model_desc &desc,
                               const std::string &weightsPath,
                               WeightMemory memory, ModelImage &image) {
  // A device keeps its own copy of the weights.
  if (desc.constant_memory)
    memory = WeightMemory::Mapped;
  if (desc.num_packed_weights > 0 && memory == WeightMemory::Mapped)
    return "--map-weights cannot be used: this executable packs " +
           std::to_string(desc.num_packed_weights) +
           " of the file's weights into panels when it loads them (compile "
           "with --matmul-strategy=float to read them in place)";
  bool mappable = desc.num_packed_weights == 0;
  if (desc.external_path) {
    std::string path = weightsPath.empty() ? desc.external_path : weightsPath;
    gguf::File mapped;
    if (std::string error = openExternal(desc, path, mapped); !error.empty())
      return error;
    if (memory == WeightMemory::Mapped) {
      image.file = std::move(mapped);
    } else if (std::string error =
                   parseImage(mapped.bufferData(), mapped.bufferSize(), path,
                              memory, mappable, image.copy, image.file);
               !error.empty()) {
      return error;
    }
  } else if (std::string error =
                 parseImage(desc.image, desc.image_size, "<embedded model>",
                            memory, mappable, image.copy, image.file);
             !error.empty()) {
    return error;
  }
  if (std::string error = packAtLoad(desc, image); !error.empty())
    return error;
  auto config = models::readLlamaConfig(image.file);
  if (!config.hasValue())
    return config.message();
  image.config = *config;
  image.weights.clear();
  for (int32_t i = 0; i < desc.num_weights; ++i) {
    const gguf::TensorInfo *tensor =
        image.file.findTensor(desc.weight_names[i]);
    if (!tensor)
      return std::string("the model has no tensor ") + desc.weight_names[i];
    image.weights.push_back(
        const_cast<uint8_t *>(image.file.tensorData(*tensor).data));
  }
  return "";
}
