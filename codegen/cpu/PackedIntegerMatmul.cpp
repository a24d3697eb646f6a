//===- PackedIntegerMatmul.cpp - register-blocked int8 matrix-matrix ------===//
//
// The integer kernel's matrix-matrix path. A panel of 16 weight rows is
// decoded once, through the format interface, into a buffer laid out for the
// dot-product instruction: element [q][r] (i32) holds the 4 codes of row r at
// columns 4q..4q+3, so one 64-byte vector is 16 rows x 4 columns, and the
// block parameters of each 32-column sub-block are 16-lane float vectors. A
// micro-kernel then runs every activation row against the panel, kRowTile
// activation rows at a time:
//
//   for each 32-column sub-block s:
//     dot[j] = sum over its 8 quads q of vpdpbusd(panel[q], broadcast x[j][q])
//     acc[j] += S[s] * (d[j][s] * dot[j]) + Z[s] * c[j][s] (+ M[s] * e[j][s])
//
// so each lane of acc[j] is one output element y[j][m0 + lane]: no
// horizontal sums, and the float work (a conversion and 2-3 FMAs) is spread
// over 8 integer dot products instead of one. S is the weight scale s,
// Z = -s z (the zero point, against c = d * sum(q) of the activation
// block), M the minimum (against e, the activation block's sum). Formats
// whose scales change every 16 columns (q2_k, q3_k, q6_k) have two
// parameter groups per 32-block: two dot products of 4 quads each,
// (S0 dot0 + S1 dot1) * d, and c, e per 16 columns.
//
// Decoding a panel costs about as much as running ~16 activation rows
// against it, so on row-major weights the path is taken from 16 activation
// rows on (the caller's run-time test, kPackedPanelMinRows). Weights packed
// at compile time (MatmulKernelSpec::packedWeights, PanelLayout.h) need no
// decoding: the micro-kernel reads their quads (bytes, nibbles, nibbles
// plus high-bit vectors) and f16 parameters in place, for every number of
// activation rows. Packed K-quant super-blocks keep 6-bit or 8-bit sub-block
// scales in a transposed header, cut out lane-wise with the layout's bit
// fields: per super-block as the panel streams when one 8-row tile meets it,
// once per panel into a small buffer when more do.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/IntegerKernelBuilder.h"
#include "dialects/qt/BlockLayout.h"
#include "quant/formats/PanelLayout.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace quant;
using namespace quant::cpu;
using namespace quant::cpu::integer;

namespace {

/// Weight rows per panel: the i32 lanes of one dot product.
constexpr int64_t kPanelRows = kLanes;
static_assert(kPanelRows == int64_t(fmt::kPanelRows),
              "the kernel reads the format library's panels");
/// Activation rows per micro-kernel tile: kRowTile integer and kRowTile
/// float accumulators, plus the panel quad and block parameters, fit the 32
/// vector registers.
constexpr int64_t kRowTile = 8;
/// Quads (4 columns) per 32-column sub-block.
constexpr int64_t kQuadsPerBlock = kActBlock / 4;

/// The buffers of one panel decoded at run time.
struct Panel {
  Value codes; ///< memref<K/4 x 16 x i32>
  /// memref<K/32*G x 16 x f32>, G parameter groups per 32-block (zero and
  /// min may be null).
  Value scale, zero, min;
};

/// The weight side of one 32-block of a panel: its 8 quads (vector<64xi8>,
/// 16 rows x 4 columns each) and, per parameter group (1, or 2 of 16
/// columns each), vector<16xf32> parameters: S, Z = -s z and M (Z and M
/// empty when the format has none).
struct PanelBlock {
  SmallVector<Value, 8> quads;
  SmallVector<Value, 2> scale, zero, min;
};

/// Reads 32-block `sub` of step `step` (index) of the panel whose first row
/// is `m0`: block step * blocksPerStep + sub of its row (tile's
/// blocksPerStep).
using PanelReader = llvm::function_ref<PanelBlock(Value step, int64_t sub)>;

class PanelBuilder {
public:
  PanelBuilder(OpBuilder &b, Location loc, const MatmulKernelSpec &spec,
               const QuantizedActivations &x, Value w, Value y)
      : b(b), loc(loc), spec(spec), x(x), w(w), y(y),
        kb(b, loc, spec), K(spec.reductionSize),
        groups(paramGroupsPerBlock(spec)) {}

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// Scratch for one panel: its codes (unless `paramsOnly`: weights packed
  /// at compile time keep theirs in place) and block parameters.
  Panel allocate(bool paramsOnly = false) {
    Type i32 = b.getI32Type(), f32 = b.getF32Type();
    auto alloc = [&](ArrayRef<int64_t> shape, Type type) -> Value {
      return memref::AllocOp::create(b, loc, MemRefType::get(shape, type),
                                     ValueRange{}, b.getI64IntegerAttr(64));
    };
    Panel panel;
    if (!paramsOnly)
      panel.codes = alloc({K / 4, kPanelRows}, i32);
    int64_t params = K / kActBlock * groups;
    panel.scale = alloc({params, kPanelRows}, f32);
    if (!paramsOnly || qt::superBlockLayout(kb.format).codeBias != 0)
      panel.zero = alloc({params, kPanelRows}, f32);
    if (kb.format.offset == fmt::OffsetKind::Min)
      panel.min = alloc({params, kPanelRows}, f32);
    return panel;
  }

  void deallocate(const Panel &panel) {
    for (Value buffer : {panel.codes, panel.scale, panel.zero, panel.min})
      if (buffer)
        memref::DeallocOp::create(b, loc, buffer);
  }

  /// Decodes weight rows m0 + [first, last) into `panel` (the other rows'
  /// lanes are left as they are and never stored).
  void pack(const Panel &panel, Value m0, Value first, Value last) {
    OpBuilder::InsertionGuard guard(b);
    auto rows = scf::ForOp::create(b, loc, first, last, index(1));
    b.setInsertionPointToStart(rows.getBody());
    Value r = rows.getInductionVar();
    Value m = arith::AddIOp::create(b, loc, m0, r);
    auto steps = scf::ForOp::create(b, loc, index(0),
                                    index(K / kb.stepCodes), index(1));
    b.setInsertionPointToStart(steps.getBody());
    Value step = steps.getInductionVar();
    Value stepStart =
        arith::MulIOp::create(b, loc, step, index(kb.stepCodes));
    IntegerKernelBuilder sk(b, loc, spec);
    SmallVector<Chunk> chunks = sk.decodeStep(ValueRange{m}, step, w);
    Type i32 = b.getI32Type();
    for (auto [c, chunk] : llvm::enumerate(chunks)) {
      Value column = arith::AddIOp::create(b, loc, stepStart,
                                           index(int64_t(c) * kChunk));
      Value quad0 = arith::DivUIOp::create(b, loc, column, index(4));
      Value quads = vector::BitCastOp::create(
          b, loc, VectorType::get({kLanes}, i32), chunk.codes);
      for (int64_t q = 0; q < kChunk / 4; ++q) {
        Value at = arith::AddIOp::create(b, loc, quad0, index(q));
        Value codes = vector::ExtractOp::create(b, loc, quads, q);
        memref::StoreOp::create(b, loc, codes, panel.codes, ValueRange{at, r});
      }
      // Lanes [h * run, (h + 1) * run) of the chunk's parameters are those
      // of its parameter group h (32 or 16 columns).
      int64_t groupColumns = kActBlock / groups;
      Value group0 = arith::DivUIOp::create(b, loc, column, index(groupColumns));
      for (int64_t h = 0; h < kChunk / groupColumns; ++h) {
        int64_t lane = h * (groupColumns / kPerLane);
        Value block = arith::AddIOp::create(b, loc, group0, index(h));
        Value scale = vector::ExtractOp::create(b, loc, chunk.scale, lane);
        Value zero = vector::ExtractOp::create(b, loc, chunk.zero, lane);
        Value zeroTerm = arith::NegFOp::create(
            b, loc, arith::MulFOp::create(b, loc, scale, zero));
        memref::StoreOp::create(b, loc, scale, panel.scale,
                                ValueRange{block, r});
        memref::StoreOp::create(b, loc, zeroTerm, panel.zero,
                                ValueRange{block, r});
        if (panel.min)
          memref::StoreOp::create(
              b, loc, vector::ExtractOp::create(b, loc, chunk.min, lane),
              panel.min, ValueRange{block, r});
      }
    }
  }

  /// Block `block` of a panel decoded into `panel`.
  PanelBlock readDecoded(const Panel &panel, Value block) {
    auto i32x16 = VectorType::get({kLanes}, b.getI32Type());
    auto i8x64 = VectorType::get({kChunk}, b.getI8Type());
    PanelBlock result;
    Value quad0 = arith::MulIOp::create(b, loc, block, index(kQuadsPerBlock));
    for (int64_t q = 0; q < kQuadsPerBlock; ++q) {
      Value quad = arith::AddIOp::create(b, loc, quad0, index(q));
      result.quads.push_back(vector::BitCastOp::create(
          b, loc, i8x64,
          vector::LoadOp::create(b, loc, i32x16, panel.codes,
                                 ValueRange{quad, index(0)})));
    }
    readDecodedParams(panel, block, result);
    return result;
  }

  /// The row of a panel's parameter buffers holding group `g` of block
  /// `block`.
  Value paramRow(Value block, int64_t g) {
    return arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, block, index(groups)), index(g));
  }

  /// The parameters of block `block` of a panel decoded into `panel`.
  void readDecodedParams(const Panel &panel, Value block, PanelBlock &result) {
    auto f32x16 = VectorType::get({kLanes}, b.getF32Type());
    for (int64_t g = 0; g < groups; ++g) {
      Value at = paramRow(block, g);
      auto params = [&](Value buffer) -> Value {
        return vector::LoadOp::create(b, loc, f32x16, buffer,
                                      ValueRange{at, index(0)});
      };
      result.scale.push_back(params(panel.scale));
      if (panel.zero)
        result.zero.push_back(params(panel.zero));
      if (panel.min)
        result.min.push_back(params(panel.min));
    }
  }

  /// Decodes the block parameters of the packed super-block panel at row m0
  /// into `panel` (paramsOnly), once for all its activation rows.
  void decodeSuperBlockParams(const Panel &panel, Value bytes, Value m0) {
    OpBuilder::InsertionGuard guard(b);
    int64_t subBlocks = kb.format.blockSize / kActBlock;
    auto superBlocks = scf::ForOp::create(
        b, loc, index(0), index(K / kb.format.blockSize), index(1));
    b.setInsertionPointToStart(superBlocks.getBody());
    Value superBlock = superBlocks.getInductionVar();
    for (int64_t sub = 0; sub < subBlocks; ++sub) {
      PanelBlock params = superBlockParams(bytes, m0, superBlock, sub);
      Value block = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, superBlock, index(subBlocks)),
          index(sub));
      for (int64_t g = 0; g < groups; ++g) {
        Value at = paramRow(block, g);
        auto store = [&](Value value, Value buffer) {
          vector::StoreOp::create(b, loc, value, buffer,
                                  ValueRange{at, index(0)});
        };
        store(params.scale[g], panel.scale);
        if (panel.zero)
          store(params.zero[g], panel.zero);
        if (panel.min)
          store(params.min[g], panel.min);
      }
    }
  }

  /// 32-block `sub` of super-block `superBlock` of the packed super-block
  /// panel at row m0, parameters decoded in the loop (one tile of
  /// activation rows: no point in decoding them beforehand).
  PanelBlock readPackedSuperBlockInline(Value bytes, Value m0,
                                        Value superBlock, int64_t sub) {
    PanelBlock result = superBlockParams(bytes, m0, superBlock, sub);
    result.quads =
        loadQuads(bytes, superBlockCodes(m0, superBlock, index(sub)),
                  kb.format.bits);
    return result;
  }

  /// Byte offset of the codes of 32-block `sub` of super-block `superBlock`
  /// of the packed panel at row m0: after the transposed header, 64 * bits
  /// bytes per block.
  Value superBlockCodes(Value m0, Value superBlock, Value sub) {
    const fmt::FormatSpec &format = kb.format;
    return arith::AddIOp::create(
        b, loc, panelBlockStart(m0, superBlock),
        arith::AddIOp::create(
            b, loc,
            index(int64_t(kPanelRows * fmt::panelHeaderBytes(format))),
            arith::MulIOp::create(
                b, loc, sub,
                index(kActBlock * kPanelRows * format.bits / 8))));
  }

  /// Block `block` of the packed super-block panel at row m0: its codes in
  /// place, its parameters from decodeSuperBlockParams.
  PanelBlock readPackedSuperBlock(const Panel &panel, Value bytes, Value m0,
                                  Value block) {
    int64_t subBlocks = kb.format.blockSize / kActBlock;
    PanelBlock result;
    readDecodedParams(panel, block, result);
    Value superBlock = arith::DivUIOp::create(b, loc, block, index(subBlocks));
    Value sub = arith::RemUIOp::create(b, loc, block, index(subBlocks));
    result.quads = loadQuads(bytes, superBlockCodes(m0, superBlock, sub),
                             kb.format.bits);
    return result;
  }

  /// Byte offset of panel-block `panelBlock` (index) of the panel at row m0
  /// of weights stored as packed panels (quant/formats/PanelLayout.h).
  Value panelBlockStart(Value m0, Value panelBlock) {
    int64_t blockBytes = int64_t(kb.format.blockBytes());
    int64_t rowBytes = K / kb.format.blockSize * blockBytes;
    return arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, m0, index(rowBytes)),
        arith::MulIOp::create(b, loc, panelBlock,
                              index(kPanelRows * blockBytes)));
  }

  VectorType i8Vector(int64_t n) { return VectorType::get({n}, b.getI8Type()); }

  /// The 8 quads (16 rows x 4 columns) of one 32-column block whose packed
  /// codes start at byte `at` of `bytes`: 8 byte vectors, or 4 nibble
  /// vectors followed (5- and 6-bit codes) by 1 or 2 vectors of high bits.
  SmallVector<Value, 8> loadQuads(Value bytes, Value at, unsigned bits) {
    SmallVector<Value, 8> quads;
    auto splat = [&](int8_t v) -> Value {
      return arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(i8Vector(kChunk), b.getI8IntegerAttr(v)));
    };
    for (int64_t v = 0; v < (bits == 8 ? 8 : 4); ++v) {
      Value loaded = vector::LoadOp::create(
          b, loc, i8Vector(kChunk), bytes,
          ValueRange{arith::AddIOp::create(b, loc, at, index(v * kChunk))});
      if (bits == 8) {
        quads.push_back(loaded);
        continue;
      }
      // Low nibbles: quad 2v; high nibbles: quad 2v + 1.
      quads.push_back(arith::AndIOp::create(b, loc, loaded, splat(15)));
      quads.push_back(arith::ShRUIOp::create(b, loc, loaded, splat(4)));
    }
    if (bits == 4 || bits == 8)
      return quads;
    // 5- and 6-bit codes: the high bits of quad q sit in plane vector
    // q / perPlane at bit (q % perPlane) * high; moved to bit 4 and joined.
    int64_t high = bits - 4, perPlane = 8 / high;
    int8_t highMask = int8_t(((1 << high) - 1) << 4);
    SmallVector<Value, 2> planes;
    for (int64_t v = 0; v < 8 / perPlane; ++v)
      planes.push_back(vector::LoadOp::create(
          b, loc, i8Vector(kChunk), bytes,
          ValueRange{arith::AddIOp::create(b, loc, at,
                                           index((4 + v) * kChunk))}));
    for (int64_t q = 0; q < 8; ++q) {
      Value plane = planes[q / perPlane];
      int64_t shift = (q % perPlane) * high;
      if (shift < 4)
        plane = arith::ShLIOp::create(b, loc, plane, splat(int8_t(4 - shift)));
      else if (shift > 4)
        plane =
            arith::ShRUIOp::create(b, loc, plane, splat(int8_t(shift - 4)));
      quads[q] = arith::OrIOp::create(
          b, loc, quads[q],
          arith::AndIOp::create(b, loc, plane, splat(highMask)));
    }
    return quads;
  }

  /// Block `block` of the panel at row m0 of weights stored as packed panels
  /// of a generic layout; `bytes` is the weights' storage as one i8
  /// dimension.
  PanelBlock readPacked(Value bytes, Value m0, Value block) {
    const fmt::FormatSpec &format = kb.format;
    int64_t scaleBytes = int64_t(format.scaleBytes());
    int64_t minBytes = int64_t(format.offsetBytes());
    Value start = panelBlockStart(m0, block);
    auto at = [&](int64_t offset) -> Value {
      return arith::AddIOp::create(b, loc, start, index(offset));
    };
    auto f32x16 = VectorType::get({kLanes}, b.getF32Type());
    // 16 f16 parameters, widened.
    auto params = [&](int64_t offset) -> Value {
      Value raw = vector::LoadOp::create(b, loc, i8Vector(2 * kPanelRows),
                                         bytes, ValueRange{at(offset)});
      Value halves = vector::BitCastOp::create(
          b, loc, VectorType::get({kPanelRows}, b.getF16Type()), raw);
      return arith::ExtFOp::create(b, loc, f32x16, halves);
    };
    PanelBlock result;
    result.scale.push_back(params(0));
    // Z = -s z with the format's constant zero point (signed codes are
    // stored shifted by 2^(bits-1)).
    int64_t zero = format.codeKind == fmt::CodeKind::SInt
                       ? int64_t(1) << (format.bits - 1)
                       : format.bias;
    if (zero)
      result.zero.push_back(zeroTerm(result.scale[0], zero));
    if (format.offset == fmt::OffsetKind::Min)
      result.min.push_back(params(kPanelRows * scaleBytes));
    result.quads = loadQuads(bytes, at(kPanelRows * (scaleBytes + minBytes)),
                             format.bits);
    return result;
  }

  /// -s z for a constant zero point z; null for z = 0.
  Value zeroTerm(Value scale, int64_t zero) {
    if (zero == 0)
      return {};
    auto f32x16 = VectorType::get({kLanes}, b.getF32Type());
    return arith::MulFOp::create(
        b, loc, scale,
        arith::ConstantOp::create(
            b, loc,
            DenseElementsAttr::get(f32x16, b.getF32FloatAttr(-float(zero)))));
  }

  /// The parameters of 32-block `sub` of super-block `superBlock` of the
  /// panel at row m0 of weights stored as packed super-block panels: the
  /// sub-block's scale d * (sc - scaleBias) and minimum -dmin * m decoded
  /// for the 16 rows at once from the transposed header (the layout's bit
  /// fields, lane-wise).
  PanelBlock superBlockParams(Value bytes, Value m0, Value superBlock,
                              int64_t sub) {
    const fmt::FormatSpec &format = kb.format;
    qt::SuperBlockLayout layout = qt::superBlockLayout(format);
    Value start = panelBlockStart(m0, superBlock);
    Type i32 = b.getI32Type(), f32 = b.getF32Type();
    auto i32x16 = VectorType::get({kPanelRows}, i32);
    auto f32x16 = VectorType::get({kPanelRows}, f32);
    auto constant = [&](int32_t v) -> Value {
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(i32x16, b.getI32IntegerAttr(v)));
    };
    // Block byte `byte` (a header byte) of the 16 rows, zero-extended.
    int64_t headerAt = int64_t(fmt::panelHeaderOffset(format));
    auto headerByte = [&](int64_t byte) -> Value {
      Value at = arith::AddIOp::create(
          b, loc, start, index(int64_t(kPanelRows) * (byte - headerAt)));
      Value raw =
          vector::LoadOp::create(b, loc, i8Vector(kPanelRows), bytes, at);
      return arith::ExtUIOp::create(b, loc, i32x16, raw);
    };
    // The f16 at header bytes [offset, offset + 2) of the 16 rows.
    auto halfAt = [&](int64_t offset) -> Value {
      Value bits = arith::OrIOp::create(
          b, loc, headerByte(offset),
          arith::ShLIOp::create(b, loc, headerByte(offset + 1), constant(8)));
      Value narrow = arith::TruncIOp::create(
          b, loc, VectorType::get({kPanelRows}, b.getI16Type()), bits);
      Value halves = vector::BitCastOp::create(
          b, loc, VectorType::get({kPanelRows}, b.getF16Type()), narrow);
      return arith::ExtFOp::create(b, loc, f32x16, halves);
    };
    auto field = [&](ArrayRef<qt::BitPiece> pieces) -> Value {
      Value result = constant(0);
      for (const qt::BitPiece &piece : pieces) {
        Value part = headerByte(piece.byte);
        if (piece.shift)
          part = arith::ShRUIOp::create(b, loc, part,
                                        constant(int32_t(piece.shift)));
        part = arith::AndIOp::create(b, loc, part,
                                     constant((1 << piece.width) - 1));
        if (piece.dstShift)
          part = arith::ShLIOp::create(b, loc, part,
                                       constant(int32_t(piece.dstShift)));
        result = arith::OrIOp::create(b, loc, result, part);
      }
      return result;
    };
    PanelBlock result;
    // The layout's sub-blocks j covering the 32-block (1, or 2 of 16).
    for (int64_t g = 0; g < groups; ++g) {
      int64_t j = sub * groups + g;
      Value scaleCode = field(layout.subScales[j]);
      if (layout.subScalesSigned) {
        Value amount = constant(int32_t(32 - layout.subScaleBits));
        scaleCode = arith::ShRSIOp::create(
            b, loc, arith::ShLIOp::create(b, loc, scaleCode, amount), amount);
      }
      if (layout.scaleBias)
        scaleCode = arith::SubIOp::create(b, loc, scaleCode,
                                          constant(layout.scaleBias));
      Value scale = arith::MulFOp::create(
          b, loc, halfAt(layout.dOffset),
          arith::SIToFPOp::create(b, loc, f32x16, scaleCode));
      result.scale.push_back(scale);
      if (layout.codeBias)
        result.zero.push_back(zeroTerm(scale, layout.codeBias));
      if (!layout.subMins.empty())
        result.min.push_back(arith::NegFOp::create(
            b, loc,
            arith::MulFOp::create(
                b, loc, halfAt(layout.dminOffset),
                arith::SIToFPOp::create(b, loc, f32x16,
                                        field(layout.subMins[j])))));
    }
    return result;
  }

  /// Activation rows [n0, n0 + count) against the panel of rows m0...
  /// (read through `read`); `lanes` (vector<16xi1>) masks the stores to the
  /// range's rows.
  void tile(PanelReader read, Value m0, Value lanes, Value n0, int64_t count,
            int64_t blocksPerStep = 1) {
    OpBuilder::InsertionGuard guard(b);
    Type f32 = b.getF32Type(), i32 = b.getI32Type();
    auto f32x16 = VectorType::get({kLanes}, f32);
    auto i32x16 = VectorType::get({kLanes}, i32);
    auto i8x64 = VectorType::get({kChunk}, b.getI8Type());
    SmallVector<Value> rows;
    for (int64_t j = 0; j < count; ++j)
      rows.push_back(arith::AddIOp::create(b, loc, n0, index(j)));
    Value zeroF = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(f32x16, b.getF32FloatAttr(0.0f)));
    Value zeroI = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i32x16, b.getI32IntegerAttr(0)));
    auto blocks = scf::ForOp::create(
        b, loc, index(0), index(K / kActBlock / blocksPerStep), index(1),
        SmallVector<Value>(count, zeroF));
    b.setInsertionPointToStart(blocks.getBody());
    Value step = blocks.getInductionVar();
    IntegerKernelBuilder sk(b, loc, spec);
    SmallVector<Value> accs(blocks.getRegionIterArgs());
    auto broadcast = [&](Value buffer, Value row, Value column) -> Value {
      Value v = memref::LoadOp::create(b, loc, buffer, ValueRange{row, column});
      return vector::BroadcastOp::create(b, loc, f32x16, v);
    };
    for (int64_t sub = 0; sub < blocksPerStep; ++sub) {
      Value block = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, step, index(blocksPerStep)),
          index(sub));
      Value quad0 =
          arith::MulIOp::create(b, loc, block, index(kQuadsPerBlock));
      PanelBlock weightBlock = read(step, sub);
      // One integer dot product per activation row and parameter group.
      SmallVector<SmallVector<Value>> dots(groups,
                                           SmallVector<Value>(count, zeroI));
      for (int64_t q = 0; q < kQuadsPerBlock; ++q) {
        Value quad = arith::AddIOp::create(b, loc, quad0, index(q));
        Value weights = weightBlock.quads[q];
        SmallVector<Value> &groupDots = dots[q * groups / kQuadsPerBlock];
        for (int64_t j = 0; j < count; ++j) {
          Value four = memref::LoadOp::create(b, loc, x.codes,
                                              ValueRange{rows[j], quad});
          Value activations = vector::BitCastOp::create(
              b, loc, i8x64,
              vector::BroadcastOp::create(b, loc, i32x16, four));
          groupDots[j] = sk.accumulateDot(groupDots[j], weights, activations);
        }
      }
      Value group0 = arith::MulIOp::create(b, loc, block, index(groups));
      for (int64_t j = 0; j < count; ++j) {
        auto dotF = [&](int64_t g) -> Value {
          return arith::SIToFPOp::create(b, loc, f32x16, dots[g][j]);
        };
        Value d = broadcast(x.blockScale, rows[j], block);
        if (groups == 1) {
          Value scaled = arith::MulFOp::create(b, loc, dotF(0), d);
          accs[j] = vector::FMAOp::create(b, loc, weightBlock.scale[0],
                                          scaled, accs[j]);
        } else {
          // (S0 dot0 + S1 dot1) d: the activation scale is per 32-block.
          Value sum = arith::MulFOp::create(b, loc, weightBlock.scale[0],
                                            dotF(0));
          sum = vector::FMAOp::create(b, loc, weightBlock.scale[1], dotF(1),
                                      sum);
          accs[j] = vector::FMAOp::create(b, loc, sum, d, accs[j]);
        }
        for (int64_t g = 0; g < groups; ++g) {
          Value at = arith::AddIOp::create(b, loc, group0, index(g));
          if (!weightBlock.zero.empty())
            accs[j] = vector::FMAOp::create(
                b, loc, weightBlock.zero[g],
                broadcast(x.blockCorrection, rows[j], at), accs[j]);
          if (!weightBlock.min.empty())
            accs[j] = vector::FMAOp::create(
                b, loc, weightBlock.min[g],
                broadcast(x.blockSum, rows[j], at), accs[j]);
        }
      }
    }
    scf::YieldOp::create(b, loc, accs);
    b.setInsertionPointAfter(blocks);
    for (int64_t j = 0; j < count; ++j)
      vector::MaskedStoreOp::create(b, loc, y, ValueRange{rows[j], m0}, lanes,
                                    blocks.getResult(j));
  }

  OpBuilder &b;
  Location loc;
  const MatmulKernelSpec &spec;
  const QuantizedActivations &x;
  Value w, y;
  IntegerKernelBuilder kb;
  int64_t K;
  /// Parameter groups per 32-block (paramGroupsPerBlock).
  int64_t groups;
};

} // namespace

/// The weights' format, resolved for a row of K.
static fmt::FormatSpec resolvedFormat(const MatmulKernelSpec &spec) {
  return qt::QuantFormatAttrInterface(spec.format)
      .getFormatSpec()
      .resolvedFor(spec.reductionSize);
}

int64_t quant::cpu::integer::paramGroupsPerBlock(const MatmulKernelSpec &spec) {
  return qt::integerSubBlockSize(resolvedFormat(spec)) % kActBlock == 0 ? 1
                                                                         : 2;
}

bool quant::cpu::integer::canUsePackedPanels(const MatmulKernelSpec &spec) {
  // Plain y[N, M] = x[N, K] * W[M, K]^T: batched operands keep the per-row
  // path. A panel's 32-column blocks hold one or two parameter groups, so
  // the weights' scales may change every 16 columns but not more often.
  return spec.activations.getRank() == 2 && spec.weights.getRank() == 3 &&
         spec.reductionSize % kChunk == 0 &&
         qt::integerSubBlockSize(resolvedFormat(spec)) % (kActBlock / 2) == 0;
}

bool quant::cpu::canUsePackedWeights(const MatmulKernelSpec &spec) {
  qt::QuantFormatAttrInterface attr = spec.format;
  fmt::FormatSpec format =
      attr.getFormatSpec().resolvedFor(spec.reductionSize);
  return integer::canUsePackedPanels(spec) &&
         spec.weights.hasStaticShape() &&
         fmt::canPackPanels(format, size_t(spec.weights.getShape()[0]),
                            size_t(spec.reductionSize));
}

void quant::cpu::integer::emitPackedPanels(OpBuilder &b, Location loc,
                                            const MatmulKernelSpec &spec,
                                            Value w, Value y,
                                            const QuantizedActivations &x,
                                            Value begin, Value end) {
  PanelBuilder pb(b, loc, spec, x, w, y);
  Value panelRows = pb.index(kPanelRows);
  // Panels start at multiples of 16 whatever the range, so every weight row
  // lands in the same lane of the same panel for any thread count, and its
  // result does not depend on how the rows were split.
  Value firstPanel = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, begin, panelRows), panelRows);
  // Weights packed at compile time are read in place; otherwise each panel
  // is decoded into scratch buffers first.
  // Packed super-blocks keep their codes in place but have their sub-block
  // parameters decoded once per panel: cutting 6-bit fields out of the
  // header costs ~25 vector operations per 32-block, which per 8-row tile
  // made them a quarter slower than q4_0 at N = 32.
  bool prepacked = spec.packedWeights;
  bool superBlocks = prepacked && pb.kb.format.layout != fmt::Layout::Generic;
  Panel panel;
  Value bytes;
  if (prepacked)
    bytes = memref::CollapseShapeOp::create(
        b, loc, w, ArrayRef<ReassociationIndices>{{0, 1, 2}});
  if (!prepacked || superBlocks)
    panel = pb.allocate(/*paramsOnly=*/prepacked);
  auto loop = scf::ForOp::create(b, loc, firstPanel, end, panelRows);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value m0 = loop.getInductionVar();
    Value first = arith::SubIOp::create(
        b, loc, arith::MaxUIOp::create(b, loc, begin, m0), m0);
    Value last = arith::SubIOp::create(
        b, loc,
        arith::MinUIOp::create(b, loc, end,
                               arith::AddIOp::create(b, loc, m0, panelRows)),
        m0);
    if (!prepacked)
      pb.pack(panel, m0, first, last);
    // Lanes [first, last) of the panel are this range's rows.
    auto i32x16 = VectorType::get({kPanelRows}, b.getI32Type());
    SmallVector<int32_t> laneNumbers(kPanelRows);
    for (int64_t l = 0; l < kPanelRows; ++l)
      laneNumbers[l] = int32_t(l);
    Value iota = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(i32x16, ArrayRef<int32_t>(laneNumbers)));
    auto splat = [&](Value v) -> Value {
      Value i32 = arith::IndexCastOp::create(b, loc, b.getI32Type(), v);
      return vector::BroadcastOp::create(b, loc, i32x16, i32);
    };
    Value lanes = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, iota,
                              splat(first)),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, iota,
                              splat(last)));
    auto readPacked = [&](Value block, int64_t) {
      return pb.readPacked(bytes, m0, block);
    };
    auto readDecoded = [&](Value block, int64_t) {
      return pb.readDecoded(panel, block);
    };
    auto readSuperBlock = [&](Value block, int64_t) {
      return pb.readPackedSuperBlock(panel, bytes, m0, block);
    };
    auto readSuperBlockInline = [&](Value superBlock, int64_t sub) {
      return pb.readPackedSuperBlockInline(bytes, m0, superBlock, sub);
    };
    auto tiles = [&](PanelReader read, int64_t blocksPerStep) {
      emitTiledLoop(b, loc, pb.index(0), x.rows, kRowTile,
                    [&](OpBuilder &tb, Value n0, int64_t count) {
                      OpBuilder::InsertionGuard inner(b);
                      b.setInsertionPoint(tb.getInsertionBlock(),
                                          tb.getInsertionPoint());
                      pb.tile(read, m0, lanes, n0, count, blocksPerStep);
                    });
    };
    if (!prepacked) {
      tiles(readDecoded, 1);
    } else if (!superBlocks) {
      tiles(readPacked, 1);
    } else {
      // One tile of activation rows (decode) decodes the parameters as it
      // streams the panel, a super-block per step; more decode them first.
      Value manyTiles = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ugt, x.rows, pb.index(kRowTile));
      auto choice = scf::IfOp::create(b, loc, manyTiles,
                                      /*withElseRegion=*/true);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&choice.getThenRegion().front());
      pb.decodeSuperBlockParams(panel, bytes, m0);
      tiles(readSuperBlock, 1);
      b.setInsertionPointToStart(&choice.getElseRegion().front());
      tiles(readSuperBlockInline,
            pb.kb.format.blockSize / kActBlock);
    }
  }
  if (panel.scale)
    pb.deallocate(panel);
}
