//===- LlamaImporter.cpp - a llama-family GGUF model as IR ----------------===//

#include "frontends/gguf/LlamaImporter.h"
#include "frontends/gguf/LlamaLayers.h"

#include "dialects/qt/QtAttrs.h"
#include "dialects/qt/QtOps.h"
#include "dialects/qt/QtTypes.h"
#include "quant/formats/Format.h"
#include "quant/gguf/Tensor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace quant;
using namespace quant::frontends;

namespace {

/// The names of the weight arguments, in argument order.
std::vector<std::string> weightNames(const models::LlamaConfig &config) {
  std::vector<std::string> names;
  for (uint32_t layer = 0; layer < config.layers; ++layer)
    for (const char *kind :
         {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
          "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"})
      names.push_back(models::blockTensorName(layer, kind));
  names.push_back("output_norm.weight");
  names.push_back(std::string(models::outputTensorName(config)));
  return names;
}

/// The argument type of a weight: its storage bytes for block formats, its
/// elements for plain types (rows first).
Type argumentType(MLIRContext *context, const gguf::TensorInfo &tensor) {
  SmallVector<int64_t> shape(tensor.dims.rbegin(), tensor.dims.rend());
  if (const fmt::FormatSpec *format = gguf::blockFormatOf(tensor.type)) {
    auto quantized = qt::QuantTensorType::get(
        context, shape, qt::getFormatAttr(context, *format));
    return quantized.getStorageTensorType();
  }
  Builder b(context);
  Type element = tensor.type == gguf::kTypeF16    ? b.getF16Type()
                 : tensor.type == gguf::kTypeBF16 ? b.getBF16Type()
                                                  : b.getF32Type();
  return RankedTensorType::get(shape, element);
}

/// The weight as the layers use it: block formats viewed as qt tensors.
Value weightValue(OpBuilder &b, Location loc, const gguf::TensorInfo &tensor,
                  Value argument) {
  const fmt::FormatSpec *format = gguf::blockFormatOf(tensor.type);
  if (!format)
    return argument;
  SmallVector<int64_t> shape(tensor.dims.rbegin(), tensor.dims.rend());
  auto type = qt::QuantTensorType::get(
      b.getContext(), shape, qt::getFormatAttr(b.getContext(), *format));
  return qt::FromStorageOp::create(b, loc, type, argument);
}

constexpr size_t kWeightsPerLayer = 9;

/// True for the token embedding table (an output weight tied to it too).
bool isEmbeddingTable(const std::string &name) {
  return name == "token_embd.weight";
}

/// Arguments of a layer function before its weights: hidden, position,
/// keys, values, layer, RoPE cos table, RoPE sin table.
constexpr unsigned kLayerLeadingArguments = 7;

/// Builds `func.func private @<step>_layerN(%hidden, %position, %keys,
/// %values, %layer, %cos, %sin, <9 weights>) -> (hidden, keys, values)`: one transformer
/// block, shared by all layers (they differ only in weights and cache
/// slice), so the code of a 22-layer model is the code of one layer. The
/// caches come back updated in place (equivalent to the arguments).
func::FuncOp buildLayer(OpBuilder &b, Location loc,
                        const models::LlamaConfig &config,
                        ArrayRef<Type> weightTypes,
                        ArrayRef<const gguf::TensorInfo *> tensors,
                        RankedTensorType cacheType, const std::string &name,
                        int64_t batch, const LlamaLayerOptions &layerOptions) {
  Type f32 = b.getF32Type();
  auto hiddenType = RankedTensorType::get({batch, config.dim}, f32);
  // Layer functions go at module level, whatever the caller's insertion
  // point.
  OpBuilder::InsertionGuard guard(b);
  Operation *parent = b.getInsertionBlock()->getParentOp();
  auto module = isa<ModuleOp>(parent) ? cast<ModuleOp>(parent)
                                      : parent->getParentOfType<ModuleOp>();
  b.setInsertionPointToEnd(module.getBody());
  LlamaLayers layers(b, loc, config, batch, layerOptions);
  auto tableType =
      RankedTensorType::get({batch, config.ropeDim / 2}, layers.ropeType());
  SmallVector<Type> inputs{hiddenType,       b.getIndexType(), cacheType,
                           cacheType,        b.getIndexType(), tableType,
                           tableType};
  inputs.append(weightTypes.begin(), weightTypes.end());
  auto function = func::FuncOp::create(
      b, loc, name, b.getFunctionType(inputs, {hiddenType, cacheType, cacheType}));
  function.setPrivate();
  Block *body = function.addEntryBlock();
  b.setInsertionPointToStart(body);

  auto weight = [&](size_t index) {
    return weightValue(b, loc, *tensors[index], body->getArgument(kLayerLeadingArguments + index));
  };
  Value hidden = body->getArgument(0), position = body->getArgument(1);
  Value keys = body->getArgument(2), values = body->getArgument(3);
  Value layer = body->getArgument(4);
  Value cos = body->getArgument(5), sin = body->getArgument(6);
  Value length = arith::AddIOp::create(
      b, loc, position, arith::ConstantIndexOp::create(b, loc, batch));

  // Writes rows [B, kvDim] into the cache ([layers, kvHeads, context,
  // headDim]) at (layer, *, position, *) and returns the updated cache and
  // the layer's first `length` positions of every head, [kvHeads, length,
  // headDim].
  int64_t kvHeads = config.kvHeads, headDim = config.headDim();
  auto appendToCache = [&](Value cache, Value rows) {
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    SmallVector<OpFoldResult> offsets{layer, b.getIndexAttr(0), position,
                                      b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes{b.getIndexAttr(1), b.getIndexAttr(kvHeads),
                                    b.getIndexAttr(batch),
                                    b.getIndexAttr(headDim)};
    Value split = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({batch, kvHeads, headDim}, f32), rows,
        SmallVector<ReassociationIndices>{{0}, {1, 2}});
    // The rows are transposed straight into the cache's slot (an in-place
    // extract / write / insert, so no copy between them).
    Value slot = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({kvHeads, batch, headDim}, f32), cache,
        offsets, sizes, strides);
    Value written = linalg::TransposeOp::create(b, loc, split, slot,
                                                ArrayRef<int64_t>{1, 0, 2})
                        .getResult()[0];
    Value updated = tensor::InsertSliceOp::create(b, loc, written, cache,
                                                  offsets, sizes, strides);
    Value visible = tensor::ExtractSliceOp::create(
        b, loc,
        RankedTensorType::get({kvHeads, ShapedType::kDynamic, headDim}, f32),
        updated,
        SmallVector<OpFoldResult>{layer, b.getIndexAttr(0), b.getIndexAttr(0),
                                  b.getIndexAttr(0)},
        SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(kvHeads),
                                  length, b.getIndexAttr(headDim)},
        strides);
    return std::make_pair(updated, visible);
  };

  Value normed = layers.rmsNorm(hidden, weight(0));
  Value q =
      layers.rope(layers.linear(normed, weight(1)), config.heads, cos, sin);
  Value k =
      layers.rope(layers.linear(normed, weight(2)), config.kvHeads, cos, sin);
  Value v = layers.linear(normed, weight(3));
  auto [newKeys, visibleKeys] = appendToCache(keys, k);
  auto [newValues, visibleValues] = appendToCache(values, v);
  Value attended = layers.attention(q, visibleKeys, visibleValues, position);
  hidden = layers.add(hidden, layers.linear(attended, weight(4)));
  Value ffnIn = layers.rmsNorm(hidden, weight(5));
  Value gated = layers.swiglu(layers.linear(ffnIn, weight(6)),
                              layers.linear(ffnIn, weight(7)));
  hidden = layers.add(hidden, layers.linear(gated, weight(8)));
  func::ReturnOp::create(b, loc, ValueRange{hidden, newKeys, newValues});
  return function;
}

/// Builds one step function: embeddings in, every layer through the shared
/// layer function, final norm and output projection.
void buildStep(OpBuilder &b, Location loc, const gguf::File &file,
               const models::LlamaConfig &config,
               const std::vector<std::string> &names, int64_t contextLength,
               const LlamaStep &step, const LlamaLayerOptions &layerOptions) {
  MLIRContext *context = b.getContext();
  Type f32 = b.getF32Type();
  int64_t batch = step.batch;
  // Head-major: each head's keys (values) of a layer are one contiguous
  // [context, headDim] block, which attention streams position by position.
  auto cacheType = RankedTensorType::get(
      {config.layers, config.kvHeads, contextLength, config.headDim()}, f32);
  SmallVector<Type> inputs{
      RankedTensorType::get({batch, config.dim}, f32),
      RankedTensorType::get({1}, b.getI64Type()), cacheType, cacheType};
  std::vector<const gguf::TensorInfo *> tensors;
  for (const std::string &name : names) {
    tensors.push_back(file.findTensor(name));
    inputs.push_back(argumentType(context, *tensors.back()));
  }
  // One layer function per distinct set of weight types (files such as
  // Q4_K_M mix formats across layers).
  SmallVector<std::pair<SmallVector<Type>, func::FuncOp>> layerFunctions;
  auto layerFunction = [&](uint32_t layer) {
    size_t first = layer * kWeightsPerLayer;
    ArrayRef<Type> types = ArrayRef<Type>(inputs).slice(
        kLlamaLeadingArguments + first, kWeightsPerLayer);
    for (auto &[known, function] : layerFunctions)
      if (ArrayRef<Type>(known) == types)
        return function;
    func::FuncOp function = buildLayer(
        b, loc, config, types, ArrayRef(tensors).slice(first, kWeightsPerLayer),
        cacheType, step.name + "_layer" + std::to_string(layerFunctions.size()),
        batch, layerOptions);
    layerFunctions.push_back({SmallVector<Type>(types), function});
    return function;
  };

  auto logitsType = RankedTensorType::get({batch, config.vocabSize}, f32);
  auto function = func::FuncOp::create(
      b, loc, step.name, b.getFunctionType(inputs, {logitsType}));
  Block *body = function.addEntryBlock();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(body);

  Value hidden = body->getArgument(0);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value position = arith::IndexCastUIOp::create(
      b, loc, b.getIndexType(),
      tensor::ExtractOp::create(b, loc, body->getArgument(1), zero));
  Value keys = body->getArgument(2), values = body->getArgument(3);
  LlamaLayers layers(b, loc, config, batch, layerOptions);
  auto [cos, sin] = layers.ropeTables(position);
  for (uint32_t layer = 0; layer < config.layers; ++layer) {
    SmallVector<Value> operands{hidden, position, keys, values,
                                arith::ConstantIndexOp::create(b, loc, layer),
                                cos, sin};
    for (size_t w = 0; w < kWeightsPerLayer; ++w)
      operands.push_back(body->getArgument(kLlamaLeadingArguments +
                                           layer * kWeightsPerLayer + w));
    auto call = func::CallOp::create(b, loc, layerFunction(layer), operands);
    hidden = call.getResult(0);
    keys = call.getResult(1);
    values = call.getResult(2);
  }
  auto weight = [&](size_t index) {
    return weightValue(b, loc, *tensors[index],
                       body->getArgument(kLlamaLeadingArguments + index));
  };
  size_t last = config.layers * kWeightsPerLayer;
  // Tied output weights are also the embedding table, which the runtime
  // reads row by row in the stored layout.
  Value logits = layers.linear(layers.rmsNorm(hidden, weight(last)),
                               weight(last + 1),
                               /*packable=*/!isEmbeddingTable(names[last + 1]));
  func::ReturnOp::create(b, loc, logits);
}

} // namespace

LlamaProgram frontends::importLlama(MLIRContext *context,
                                    const gguf::File &file,
                                    const models::LlamaConfig &config,
                                    const LlamaImportOptions &options) {
  LlamaProgram program;
  program.weightNames = weightNames(config);
  Location loc = FileLineColLoc::get(context, file.name(), 0, 0);
  program.module = ModuleOp::create(loc);
  OpBuilder b = OpBuilder::atBlockEnd(program.module->getBody());
  for (const LlamaStep &step : options.steps)
    buildStep(b, loc, file, config, program.weightNames,
              options.contextLength, step, options.layers);
  if (options.layers.packWeights)
    for (const std::string &name : program.weightNames) {
      fmt::FormatSpec spec;
      if (!isEmbeddingTable(name) &&
          gguf::panelFormat(*file.findTensor(name), spec))
        program.packedWeights.push_back(name);
    }
  return program;
}
