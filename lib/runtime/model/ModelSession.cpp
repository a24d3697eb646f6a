//===- ModelSession.cpp - running a compiled model over tokens ------------===//

#include "ModelSession.h"

#include "quant/formats/Codec.h"
#include "quant/formats/Half.h"
#include "quant/gguf/Tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace quant;
using namespace quant::rt;

ModelSession::Buffer ModelSession::allocate(size_t floats) const {
  size_t bytes = std::max<size_t>(64, (floats * sizeof(float) + 63) / 64 * 64);
  Buffer buffer;
  if (desc.alloc) {
    buffer.data = static_cast<float *>(desc.alloc(64, bytes));
    buffer.deviceFree = desc.free;
    if (buffer.data)
      std::memset(buffer.data, 0, bytes);
  } else {
    // Anonymous mappings come zeroed.
    buffer.host = LargeBuffer::allocate(bytes);
    buffer.data = reinterpret_cast<float *>(buffer.host.data());
  }
  if (!buffer.data)
    throw std::bad_alloc();
  return buffer;
}

ModelSession::ModelSession(const qrt_model_desc &desc,
                           const ModelImage &image)
    : desc(desc), image(image) {
  const models::LlamaConfig &config = image.config;
  size_t cache = size_t(config.layers) * desc.context_length * config.kvDim();
  int64_t rows = std::max<int64_t>(desc.prefill_batch, 1);
  keys = allocate(cache);
  values = allocate(cache);
  embeddings = allocate(size_t(rows) * config.dim);
  logits = allocate(size_t(rows) * config.vocabSize);
  last.assign(config.vocabSize, 0.0f);
  if (desc.constant_memory)
    desc.constant_memory(
        image.file.bufferData() + image.file.dataSectionOffset(),
        image.file.bufferSize() - image.file.dataSectionOffset());
  embeddingTable = image.file.findTensor("token_embd.weight");
  embeddingRowBytes = embeddingTable->byteSize / embeddingTable->numRows();
}

void ModelSession::embed(int32_t token, float *out) const {
  uint32_t dim = image.config.dim;
  const uint8_t *row = image.file.tensorData(*embeddingTable).data +
                       uint64_t(token) * embeddingRowBytes;
  if (const fmt::FormatSpec *format =
          gguf::blockFormatOf(embeddingTable->type)) {
    fmt::dequantizeRow(*format, row, dim, out);
    return;
  }
  for (uint32_t i = 0; i < dim; ++i) {
    if (embeddingTable->type == gguf::kTypeF32) {
      std::memcpy(out + i, row + 4 * i, 4);
      continue;
    }
    uint16_t bits;
    std::memcpy(&bits, row + 2 * i, 2);
    out[i] = embeddingTable->type == gguf::kTypeF16 ? fmt::halfToFloat(bits)
                                                    : fmt::bf16ToFloat(bits);
  }
}

std::string ModelSession::evaluate(const std::vector<int32_t> &tokens,
                                   std::vector<float> *allLogits) {
  const models::LlamaConfig &config = image.config;
  for (int32_t token : tokens)
    if (token < 0 || uint32_t(token) >= config.vocabSize)
      return "token " + std::to_string(token) +
             " is outside the vocabulary (" +
             std::to_string(config.vocabSize) + " tokens)";
  if (position_ + int64_t(tokens.size()) > desc.context_length)
    return "the context is full: " + std::to_string(position_) + " + " +
           std::to_string(tokens.size()) + " tokens exceed its " +
           std::to_string(desc.context_length) +
           " positions (compile with a larger --context)";

  std::vector<void *> buffers{embeddings.get(), &position_, keys.get(),
                              values.get()};
  buffers.insert(buffers.end(), image.weights.begin(), image.weights.end());
  buffers.push_back(logits.get());
  size_t next = 0;
  while (next < tokens.size()) {
    size_t remaining = tokens.size() - next;
    bool batched = desc.prefill_batch > 1 &&
                   remaining >= size_t(desc.prefill_batch);
    size_t rows = batched ? size_t(desc.prefill_batch) : 1;
    for (size_t r = 0; r < rows; ++r)
      embed(tokens[next + r], embeddings.get() + r * config.dim);
    (batched ? desc.prefill : desc.decode)(buffers.data());
    if (allLogits)
      allLogits->insert(allLogits->end(), logits.get(),
                        logits.get() + rows * config.vocabSize);
    std::memcpy(last.data(), logits.get() + (rows - 1) * config.vocabSize,
                config.vocabSize * sizeof(float));
    position_ += int64_t(rows);
    next += rows;
  }
  return "";
}
