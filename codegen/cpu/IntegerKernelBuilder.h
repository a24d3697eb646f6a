//===- IntegerKernelBuilder.h - decoding for the integer kernels -*- C++ -*-===//
//
// Shared by the integer matmul kernels (IntegerMatmulKernel.cpp,
// PackedIntegerMatmul.cpp): weight rows decoded through the format interface
// into 64-code chunks of unsigned codes with per-lane block parameters, and
// the 4-products-per-lane integer dot product.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_CODEGEN_CPU_INTEGERKERNELBUILDER_H
#define QUANT_CODEGEN_CPU_INTEGERKERNELBUILDER_H

#include "codegen/cpu/KernelSupport.h"
#include "codegen/cpu/MatmulKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace quant::cpu::integer {

// The builder code reads like the kernels that use it; the names stay in
// this namespace.
using namespace mlir;

constexpr int64_t kActBlock = 32; ///< activations per int8 scale
constexpr int64_t kChunk = 64;    ///< codes per dot product
constexpr int64_t kLanes = 16;    ///< i32 lanes of one dot product
constexpr int64_t kPerLane = kChunk / kLanes;

/// 64 codes with the per-lane weight parameters that apply to them.
struct Chunk {
  Value codes;                 // vector<64xi8>
  Value scale, zero, min;      // vector<16xf32> (min may be null)
};

/// Builds kernel code; holds the builder state shared by the helpers.
class IntegerKernelBuilder {
public:
  IntegerKernelBuilder(OpBuilder &b, Location loc, const MatmulKernelSpec &spec)
      : b(b), loc(loc), spec(spec) {
    format = qt::QuantFormatAttrInterface(spec.format)
                 .getFormatSpec()
                 .resolvedFor(spec.reductionSize);
    perRow = qt::QuantFormatAttrInterface(spec.format).getBlockSize() == 0;
    blockBytes = spec.weights.getShape().back();
    // Codes decoded per step: two 32-blocks, one larger block, or a 64-code
    // slice of a per-row format's row.
    stepCodes = perRow ? kChunk : std::max<int64_t>(format.blockSize, kChunk);
  }

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value f32(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  VectorType vec(int64_t n, Type t) { return VectorType::get({n}, t); }

  /// A vector<16xf32> whose lanes are split into values.size() (1, 2 or 4)
  /// equal runs, run g holding `values[g]`.
  Value lanes(ArrayRef<Value> values) {
    if (values.size() == 1)
      return vector::BroadcastOp::create(b, loc, vec(kLanes, b.getF32Type()),
                                         values[0]);
    int64_t run = kLanes / int64_t(values.size());
    SmallVector<int64_t> mask(kLanes);
    for (int64_t i = 0; i < kLanes; ++i)
      mask[i] = i / run;
    // Widened 16-bit floats (the f16 scales of two blocks) are widened
    // together: one conversion instead of one per value.
    SmallVector<Value> narrow;
    for (Value value : values) {
      auto ext = value.getDefiningOp<arith::ExtFOp>();
      if (!ext || (!narrow.empty() &&
                   ext.getIn().getType() != narrow[0].getType()))
        break;
      narrow.push_back(ext.getIn());
    }
    Value packed;
    if (narrow.size() == values.size()) {
      Value halves = vector::FromElementsOp::create(
          b, loc, vec(values.size(), narrow[0].getType()), narrow);
      packed = arith::ExtFOp::create(
          b, loc, vec(values.size(), b.getF32Type()), halves);
    } else {
      packed = vector::FromElementsOp::create(
          b, loc, vec(values.size(), b.getF32Type()), values);
    }
    return vector::ShuffleOp::create(b, loc, packed, packed, mask);
  }

  Value toF32(Value i32) {
    return arith::SIToFPOp::create(b, loc, b.getF32Type(), i32);
  }

  /// Decodes step `step` of weight row `row` into 64-code chunks.
  SmallVector<Chunk> decodeStep(ValueRange row, Value step, Value w) {
    SmallVector<Chunk> chunks;
    Value zero = index(0);
    int64_t header = int64_t(format.scaleBytes() + format.offsetBytes());
    auto loadBlock = [&](Value blockIndex) -> Value {
      return loadHeaderAndCodes(b, loc, w, row, blockIndex, header,
                                index(header), blockBytes - header);
    };
    if (perRow) {
      // The row header joined with this step's 64 codes, decoded as a
      // 64-element block of the same format.
      int64_t codeBytes = kChunk * format.bits / 8;
      Value offset = arith::AddIOp::create(
          b, loc, index(header),
          arith::MulIOp::create(b, loc, step, index(codeBytes)));
      Value bytes = loadHeaderAndCodes(b, loc, w, row, zero, header, offset,
                                       codeBytes);
      fmt::FormatSpec chunkSpec = format;
      chunkSpec.blockSize = kChunk;
      qt::IntegerBlock block = qt::emitIntegerBlock(b, loc, chunkSpec, bytes);
      chunks.push_back(chunkOf(block.codes, {block}, 0));
      return chunks;
    }
    if (format.blockSize == kActBlock) {
      // Two 32-code blocks per chunk.
      Value first = arith::MulIOp::create(b, loc, step, index(2));
      Value second = arith::AddIOp::create(b, loc, first, index(1));
      qt::IntegerBlock a =
          qt::emitIntegerBlock(b, loc, format, loadBlock(first));
      qt::IntegerBlock c =
          qt::emitIntegerBlock(b, loc, format, loadBlock(second));
      Value codes = concatVectors(b, loc, a.codes, c.codes);
      chunks.push_back(chunkOf(codes, {a, c}, 0));
      return chunks;
    }
    // One block of a multiple of 64 codes, cut into chunks.
    qt::IntegerBlock block =
        qt::emitIntegerBlock(b, loc, format, loadBlock(step));
    for (int64_t c = 0; c < format.blockSize / kChunk; ++c) {
      Value codes = vector::ExtractStridedSliceOp::create(
          b, loc, block.codes, ArrayRef<int64_t>{c * kChunk},
          ArrayRef<int64_t>{kChunk}, ArrayRef<int64_t>{1});
      chunks.push_back(chunkOf(codes, {block}, c * kChunk));
    }
    return chunks;
  }

  /// The chunk of `codes` (64) whose lanes take their parameters from
  /// `blocks`: two 32-code blocks, or elements [first, first + 64) of one
  /// block. Each lane's 4 codes lie in one sub-block (sub-blocks have a
  /// multiple of 4 elements), so a lane has one scale, zero and minimum.
  Chunk chunkOf(Value codes, ArrayRef<qt::IntegerBlock> blocks,
                int64_t first) {
    int64_t perBlock = kChunk / int64_t(blocks.size());
    int64_t run = perBlock;
    for (const qt::IntegerBlock &block : blocks)
      run = std::min(run, block.subBlockSize);
    Chunk chunk;
    chunk.codes = codes;
    SmallVector<Value> scales, zeros, mins;
    for (int64_t e = 0; e < kChunk; e += run) {
      const qt::IntegerBlock &block = blocks[e / perBlock];
      int64_t sub = (first + e % perBlock) / block.subBlockSize;
      scales.push_back(block.scales[sub]);
      if (!block.mins.empty())
        mins.push_back(block.mins[sub]);
    }
    for (const qt::IntegerBlock &block : blocks)
      zeros.push_back(toF32(block.zero));
    chunk.scale = lanes(scales);
    chunk.zero = lanes(zeros);
    if (!mins.empty())
      chunk.min = lanes(mins);
    return chunk;
  }

  /// 16 lanes, each the sum of 4 products of unsigned codes and signed
  /// activations.
  Value dot(Value codes, Value activations) {
    auto i32x16 = vec(kLanes, b.getI32Type());
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i32x16, b.getI32IntegerAttr(0)));
    return accumulateDot(zero, codes, activations);
  }

  /// `acc` plus dot(codes, activations), lane by lane (one vpdpbusd with
  /// VNNI).
  Value accumulateDot(Value acc, Value codes, Value activations) {
    auto i32x16 = vec(kLanes, b.getI32Type());
    if (spec.vnni)
      return LLVM::CallIntrinsicOp::create(
                 b, loc, i32x16,
                 b.getStringAttr("llvm.x86.avx512.vpdpbusd.512"),
                 ValueRange{acc, codes, activations})
          .getResult(0);
    auto i32x64 = vec(kChunk, b.getI32Type());
    Value c = arith::ExtUIOp::create(b, loc, i32x64, codes);
    Value a = arith::ExtSIOp::create(b, loc, i32x64, activations);
    Value products = arith::MulIOp::create(b, loc, c, a);
    Value grouped = vector::ShapeCastOp::create(
        b, loc, VectorType::get({kLanes, kPerLane}, b.getI32Type()), products);
    return vector::MultiDimReductionOp::create(
        b, loc, grouped, acc, ArrayRef<bool>{false, true},
        vector::CombiningKind::ADD);
  }

  OpBuilder &b;
  Location loc;
  const MatmulKernelSpec &spec;
  fmt::FormatSpec format;
  bool perRow = false;
  int64_t blockBytes = 0, stepCodes = 0;
};


/// The integer kernel's quantized activations as the packed-panel path reads
/// them, written by the prepass of buildIntegerMatmulKernel for `rows`
/// flattened activation rows of K columns.
struct QuantizedActivations {
  Value rows; ///< index
  /// memref<? x K/4 x i32>: the int8 codes, 4 consecutive columns per element.
  Value codes;
  /// memref<? x K/32 x f32>: per 32-block, d.
  Value blockScale;
  /// memref<? x K/32*G x f32>, G = paramGroupsPerBlock: per weight
  /// parameter group (the 32-block, or each half of it), d * sum(q) and
  /// (formats with a minimum; null otherwise) the sum of the activations.
  Value blockCorrection, blockSum;
};

/// Weight parameter groups per 32-column block on the packed-panel path: 1,
/// or 2 for formats whose scales change every 16 columns (q2_k, q3_k, q6_k).
int64_t paramGroupsPerBlock(const MatmulKernelSpec &spec);

/// True when emitPackedPanels handles `spec`.
bool canUsePackedPanels(const MatmulKernelSpec &spec);

/// Emits the packed-panel path (PackedIntegerMatmul.cpp) for output columns
/// (weight rows) [begin, end): all activation rows of `x` against panels of
/// 16 weight rows.
void emitPackedPanels(OpBuilder &b, Location loc, const MatmulKernelSpec &spec,
                      Value w, Value y, const QuantizedActivations &x,
                      Value begin, Value end);

} // namespace quant::cpu::integer

#endif // QUANT_CODEGEN_CPU_INTEGERKERNELBUILDER_H
