//===- MatmulLaunch.cpp - matmul dispatches to GPU launches ---------------===//
//
// The GPU form of a fused quantized matmul `y[b, n, m] = sum_k x[b, n, k] *
// W[b?, m, k]`, built like the known-good matrix-vector kernels (one launch
// per chunk of weight rows that fits a storage buffer). A single activation
// row (a decode step; every K-quant kernel) gets workgroups of R = 4 weight
// rows: per phase the workgroup copies 64 work items' activations into
// workgroup memory with coalesced loads, then each invocation decodes its
// item of every row in registers with the format interface's scalar hook
// and multiplies it by the staged activations. Other formats' row tiles
// (four activation rows, one weight row per workgroup) read activations
// directly. The accumulators are summed within each subgroup
// (GroupNonUniformFAdd), then across subgroups through workgroup memory; the
// sums do not depend on the subgroup size.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/KernelSupport.h"
#include "codegen/vulkan/Passes.h"
#include "dialects/qt/QtOps.h"

#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"

namespace quant::vulkan {
#define GEN_PASS_DEF_MATMULLAUNCHPASS
#include "codegen/vulkan/Passes.h.inc"
} // namespace quant::vulkan

using namespace mlir;
using namespace quant;

namespace {

/// The memory space of workgroup-shared buffers (SPIR-V Workgroup storage).
constexpr int64_t kWorkgroupMemorySpace = 3;

/// The most elements of a block one work item decodes.
constexpr int64_t kSliceLanes = 32;

/// Weight rows a single-activation-row kernel's workgroup computes (R).
constexpr int64_t kRowsPerWorkgroup = 4;

/// Emits one matmul as a gpu.launch at the builder's position.
class MatmulLaunchEmitter {
public:
  MatmulLaunchEmitter(OpBuilder &builder, Location loc,
                      const cpu::MatmulKernelSpec &spec, int64_t workgroupSize,
                      int64_t rowTile, StringRef name)
      : b(builder), loc(loc), spec(spec), plan(cpu::planRowDecode(spec)),
        workgroupSize(workgroupSize), rowTile(rowTile),
        rowsPerGroup(rowTile == 1 ? kRowsPerWorkgroup : 1), name(name) {}

  /// `qt_matmul_<format>_k<K>[_batched]_<row|tileN>`: the format's mnemonic
  /// ("q4_0"; "int" for an inline one), K, and the kernel variant, so a
  /// profile line names the kernel (kernels equal in all of these but the
  /// inline format's parameters share the name, never the module).
  std::string kernelFunctionName() const {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << Attribute(spec.format);
    StringRef mnemonic = StringRef(text);
    mnemonic.consume_front("#qt.");
    mnemonic = mnemonic.take_while([](char c) {
      return llvm::isAlnum(c) || c == '_';
    });
    std::string result = "qt_matmul_" + mnemonic.str() + "_k" +
                         std::to_string(spec.reductionSize);
    if (batchedWeights())
      result += "_batched";
    result += rowTile == 1 ? "_row" : "_tile" + std::to_string(rowTile);
    return result;
  }

  /// Emits the launches of `y = x · Wᵀ`: one per chunk of weight rows that
  /// fits the device's largest storage buffer (qrt_vk_max_buffer_bytes at run
  /// time), each binding only its chunk of W.
  void emit(Value x, Value w, Value y) {
    int64_t rowsM = spec.weights.getShape()[batchedWeights() ? 1 : 0];
    auto wType = cast<MemRefType>(w.getType());
    int64_t rowBytes = wType.getNumElements() / wType.getShape().front();
    if (batchedWeights() || !wType.getLayout().isIdentity() ||
        !wType.hasStaticShape() || !wType.getElementType().isInteger(8)) {
      // One launch over all rows (a weight above the limit is a run-time
      // error naming it).
      emitLaunch(x, w, y, index(0), index(rowsM));
      return;
    }
    Value limit = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        func::CallOp::create(b, loc, maxBufferBytesFunction(), ValueRange{})
            .getResult(0));
    Value rowsPerLaunch = arith::MinUIOp::create(
        b, loc,
        arith::MaxUIOp::create(
            b, loc, arith::DivUIOp::create(b, loc, limit, index(rowBytes)),
            index(1)),
        index(rowsM));
    Value bytes = collapse(w, {llvm::to_vector(llvm::seq<int64_t>(
                                  0, wType.getRank()))});
    auto chunks = scf::ForOp::create(b, loc, index(0), index(rowsM),
                                     rowsPerLaunch);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(chunks.getBody()->getTerminator());
    Value m0 = chunks.getInductionVar();
    Value count = arith::MinUIOp::create(
        b, loc, rowsPerLaunch, arith::SubIOp::create(b, loc, index(rowsM), m0));
    // Rows [m0, m0 + count) as a dense buffer starting at its first byte.
    SmallVector<int64_t> chunkShape(wType.getShape());
    chunkShape.front() = ShapedType::kDynamic;
    Value chunk = memref::ViewOp::create(
        b, loc, MemRefType::get(chunkShape, wType.getElementType()), bytes,
        arith::MulIOp::create(b, loc, m0, index(rowBytes)), ValueRange{count});
    emitLaunch(x, chunk, y, m0, count);
  }

private:
  /// Declares `i64 qrt_vk_max_buffer_bytes()` in the module once.
  func::FuncOp maxBufferBytesFunction() {
    auto module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
    constexpr StringLiteral kName = "qrt_vk_max_buffer_bytes";
    if (auto existing = module.lookupSymbol<func::FuncOp>(kName))
      return existing;
    OpBuilder top = OpBuilder::atBlockEnd(module.getBody());
    auto function = func::FuncOp::create(
        top, loc, kName, top.getFunctionType({}, {top.getI64Type()}));
    function.setPrivate();
    return function;
  }

  /// One launch computing y[.., m0 + i] for the `count` weight rows of
  /// `w` (rows m0.. of the whole weight; every row when batched).
  void emitLaunch(Value x, Value w, Value y, Value m0, Value count) {
    bool batched = spec.activations.getRank() == 3;
    Value rowsN = memref::DimOp::create(b, loc, x, batched ? 1 : 0);
    Value batches = batched ? Value(memref::DimOp::create(b, loc, x, 0))
                            : index(1);
    // The kernel sees flattened buffers with dynamic leading sizes and takes
    // N, M and m0 as arguments (the grid's width is the chunk's rows), so
    // matmuls that differ only in N and M (a model's layers, a prompt and a
    // decode step) and every chunk compile to the same SPIR-V: x [B*N, K],
    // W [(B*)rows, blocks, bytes], y [B*N*M]. (N and M are size queries of
    // dynamically shaped views, which no pass before outlining folds into
    // constants.)
    Value xRows = dynamicRows(batched ? collapse(x, {{0, 1}, {2}}) : x);
    if (!batched)
      rowsN = memref::DimOp::create(b, loc, xRows, 0);
    Value tiles = arith::CeilDivUIOp::create(b, loc, rowsN, index(rowTile));
    Value wRows = dynamicRows(
        batchedWeights() ? collapse(w, {{0, 1}, {2}, {3}}) : w);
    Value yFlat = dynamicRows(
        collapse(y, {llvm::to_vector(llvm::seq<int64_t>(
                        0, cast<MemRefType>(y.getType()).getRank()))}));
    // The module is named uniquely, the function by what the kernel depends
    // on (kernelFunctionName), so equal kernels are equal modules and the
    // runtime's profile tells the kernels apart.
    auto moduleSymbol = FlatSymbolRefAttr::get(b.getContext(), name);
    auto functionSymbol =
        FlatSymbolRefAttr::get(b.getContext(), kernelFunctionName());
    // M and the chunk's first row are sizes the kernel reads as arguments
    // (dynamic values, so kernels of all M and chunks are one module).
    // (y holds B·N·M values; the max keeps an empty x from dividing by 0.)
    Value columnsM = arith::DivUIOp::create(
        b, loc, memref::DimOp::create(b, loc, yFlat, 0),
        arith::MaxUIOp::create(
            b, loc, arith::MulIOp::create(b, loc, batches, rowsN), index(1)));
    Value groups =
        arith::CeilDivUIOp::create(b, loc, count, index(rowsPerGroup));
    auto launch = gpu::LaunchOp::create(
        b, loc, groups, tiles, batches, index(workgroupSize), index(1),
        index(1), /*dynamicSharedMemorySize=*/nullptr,
        /*asyncTokenType=*/nullptr, /*asyncDependencies=*/{},
        /*workgroupAttributions=*/{}, /*privateAttributions=*/{},
        /*clusterSizeX=*/nullptr, /*clusterSizeY=*/nullptr,
        /*clusterSizeZ=*/nullptr, moduleSymbol, functionSymbol);
    Block &body = launch.getBody().front();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&body);
    gpu::TerminatorOp::create(b, loc);
    b.setInsertionPointToStart(&body);

    // Workgroup (g, t, b) computes rows [g·R, g·R + R) of this launch's
    // weight chunk (row m of the output is row m − m0 of the chunk); rows
    // past the chunk's end are computed on its last row and never stored.
    Value groupRow = arith::MulIOp::create(b, loc, launch.getBlockIds().x,
                                           index(rowsPerGroup));
    Value lastChunkRow = arith::SubIOp::create(b, loc, count, index(1));
    Value n0 = arith::MulIOp::create(b, loc, launch.getBlockIds().y,
                                     index(rowTile));
    Value batch = launch.getBlockIds().z;
    Value thread = launch.getThreadIds().x;
    SmallVector<Value> weightRows;
    for (int64_t r = 0; r < rowsPerGroup; ++r) {
      Value chunkRow = arith::MinUIOp::create(
          b, loc, arith::AddIOp::create(b, loc, groupRow, index(r)),
          lastChunkRow);
      if (batchedWeights())
        chunkRow = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, batch, columnsM), chunkRow);
      weightRows.push_back(chunkRow);
    }
    // Row n of batch b in the flattened activations and results.
    Value batchBase = arith::MulIOp::create(b, loc, batch, rowsN);
    auto flatRow = [&](Value n) -> Value {
      return arith::AddIOp::create(b, loc, batchBase, n);
    };

    // The tile's activation rows, clamped into range: rows past the end are
    // computed on the last row and never stored.
    Value lastRow = arith::SubIOp::create(b, loc, rowsN, index(1));
    SmallVector<Value> activationRows;
    for (int64_t j = 0; j < rowTile; ++j) {
      Value n = arith::MinUIOp::create(
          b, loc, arith::AddIOp::create(b, loc, n0, index(j)), lastRow);
      activationRows.push_back(flatRow(n));
    }

    SmallVector<Value> partial =
        rowsPerGroup > 1
            ? emitStagedRowLoop(xRows, wRows, thread, weightRows,
                                activationRows.front())
            : emitRowLoop(xRows, wRows, thread, weightRows.front(),
                          activationRows);
    Value sum = emitWorkgroupSums(thread, partial);

    // Invocation i stores partial sum i: weight row groupRow + i of
    // activation row n0 (R rows), or weight row groupRow of activation row
    // n0 + i (a row tile); when that row exists.
    Value stores = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                         thread, index(partial.size()));
    auto ifStore = scf::IfOp::create(b, loc, stores);
    b.setInsertionPointToStart(&ifStore.getThenRegion().front());
    Value n = n0, row = groupRow;
    if (rowsPerGroup > 1)
      row = arith::AddIOp::create(b, loc, groupRow, thread);
    else
      n = arith::AddIOp::create(b, loc, n0, thread);
    Value inRange = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n, rowsN),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, count));
    auto ifInRange = scf::IfOp::create(b, loc, inRange);
    b.setInsertionPointToStart(&ifInRange.getThenRegion().front());
    Value at = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, flatRow(n), columnsM),
        arith::AddIOp::create(b, loc, m0, row));
    memref::StoreOp::create(b, loc, sum, yFlat, at);
  }

  bool batchedWeights() const { return spec.weights.getRank() == 4; }

  /// `buffer` with its dimensions grouped by `groups`.
  Value collapse(Value buffer, ArrayRef<SmallVector<int64_t>> groups) {
    SmallVector<ReassociationIndices> reassociation;
    for (const SmallVector<int64_t> &group : groups)
      reassociation.push_back(ReassociationIndices(group.begin(), group.end()));
    return memref::CollapseShapeOp::create(b, loc, buffer, reassociation);
  }

  /// `buffer` with a dynamic leading dimension.
  Value dynamicRows(Value buffer) {
    auto type = cast<MemRefType>(buffer.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape.front() = ShapedType::kDynamic;
    return memref::CastOp::create(
        b, loc, MemRefType::get(shape, type.getElementType()), buffer);
  }
  Value index(int64_t value) {
    return arith::ConstantIndexOp::create(b, loc, value);
  }
  Value f32(float value) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
  }

  /// How a row's decoding steps split into work items: a step's elements are
  /// decoded in `slices` slices of `lanes` elements, so a K-quant
  /// super-block (256 elements) is shared by several invocations, and each
  /// slice's straight-line code stays small (shader compilers, llvmpipe's
  /// among them, slow down sharply on very large basic blocks). Item i
  /// covers reduction indices [i·lanes, i·lanes + lanes).
  struct ItemPlan {
    int64_t slices, lanes, items;
  };
  ItemPlan itemPlan() const {
    int64_t elements = plan.elementsPerStep, slices = 1;
    if (elements > kSliceLanes && elements % kSliceLanes == 0)
      slices = elements / kSliceLanes;
    return {slices, elements / slices, plan.steps * slices};
  }

  /// Emits `body(step, column, first, lanes, acc)` for work item `item`
  /// (the slice's code chosen by an scf.if on the slice index when a step
  /// has several); returns the updated accumulators.
  using SliceBody = llvm::function_ref<SmallVector<Value>(
      Value step, Value column, int64_t first, int64_t lanes,
      SmallVector<Value> acc)>;
  SmallVector<Value> emitItem(Value item, SmallVector<Value> acc,
                              SliceBody body) {
    ItemPlan items = itemPlan();
    Value step = item, slice;
    if (items.slices > 1) {
      step = arith::DivUIOp::create(b, loc, item, index(items.slices));
      slice = arith::RemUIOp::create(b, loc, item, index(items.slices));
    }
    Value column = arith::MulIOp::create(b, loc, step,
                                         index(plan.elementsPerStep));
    if (items.slices == 1)
      return body(step, column, 0, items.lanes, acc);
    for (int64_t s = 0; s < items.slices; ++s) {
      Value isSlice = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            slice, index(s));
      auto ifSlice = scf::IfOp::create(b, loc, TypeRange(ValueRange(acc)),
                                       isSlice, /*withElseRegion=*/true);
      OpBuilder::InsertionGuard sliceGuard(b);
      b.setInsertionPointToStart(&ifSlice.getThenRegion().front());
      scf::YieldOp::create(
          b, loc, body(step, column, s * items.lanes, items.lanes, acc));
      b.setInsertionPointToStart(&ifSlice.getElseRegion().front());
      scf::YieldOp::create(b, loc, acc);
      acc = SmallVector<Value>(ifSlice.getResults());
    }
    return acc;
  }

  /// A row tile's loop: invocation t takes items t, t + 64, ... of one
  /// weight row, reading activations from global memory; returns one
  /// partial sum per activation row. The loop runs the same number of
  /// phases in every invocation (an item past the row's end is skipped by an
  /// scf.if): a loop whose trip count depends on the invocation gave wrong
  /// sums on an NVIDIA H200 (deterministically, in some kernels; never on
  /// lavapipe), and the subgroup reduction that follows wants uniform
  /// control flow anyway.
  SmallVector<Value> emitRowLoop(Value x, Value w, Value thread,
                                 Value weightRow,
                                 ArrayRef<Value> activationRows) {
    PhaseMapping mapping = phaseMapping();
    SmallVector<Value> inits(rowTile, f32(0.0f));
    auto loop = scf::ForOp::create(b, loc, index(0), index(mapping.phases),
                                   index(1), inits);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    auto [item, active] =
        itemOfInvocation(mapping, loop.getInductionVar(), thread);
    SmallVector<Value> acc = emitActiveItem(
        item, active, SmallVector<Value>(loop.getRegionIterArgs()),
        [&](Value step, Value column, int64_t first, int64_t lanes,
            SmallVector<Value> acc) {
          // Each byte is loaded once and shared by the slice's elements (a
          // Q4_0 code byte holds two): fewer loads, and far less IR for CSE.
          llvm::DenseMap<int64_t, Value> bytes;
          for (int64_t lane = first; lane < first + lanes; ++lane) {
            Value weight = decodeElement(w, weightRow, step, lane, bytes);
            Value k = arith::AddIOp::create(b, loc, column, index(lane));
            for (int64_t j = 0; j < rowTile; ++j) {
              Value activation = memref::LoadOp::create(
                  b, loc, x, ValueRange{activationRows[j], k});
              acc[j] = math::FmaOp::create(b, loc, weight, activation, acc[j]);
            }
          }
          return acc;
        });
    scf::YieldOp::create(b, loc, acc);
    return SmallVector<Value>(loop.getResults());
  }

  /// `body` on work item `item` when `active`, else the accumulators
  /// unchanged (an scf.if yielding them).
  SmallVector<Value> emitActiveItem(Value item, Value active,
                                    SmallVector<Value> acc, SliceBody body) {
    auto ifActive = scf::IfOp::create(b, loc, TypeRange(ValueRange(acc)),
                                      active, /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifActive.getElseRegion().front());
    scf::YieldOp::create(b, loc, acc);
    b.setInsertionPointToStart(&ifActive.getThenRegion().front());
    scf::YieldOp::create(b, loc, emitItem(item, acc, body));
    return SmallVector<Value>(ifActive.getResults());
  }

  /// Which work item each invocation takes in each phase of a kernel's item
  /// loop (both kernel shapes). Plainly, phase p's items are [64p, 64p + 64). When a step has
  /// several slices (K-quant super-blocks), whose code is chosen by a branch
  /// on the slice index, the items are ordered slice-major instead: in each
  /// phase, invocations [32i, 32i + 32) take the same slice of 32
  /// consecutive steps, so a subgroup of up to 32 invocations runs one
  /// slice's code instead of all of them (the item index i·slices + s is
  /// unchanged; only who takes it when).
  struct PhaseMapping {
    int64_t phases;
    /// Invocations sharing a slice (0: the plain order).
    int64_t group = 0;
    /// Phases per block of `group` steps (slices / slice groups per phase).
    int64_t sliceGroups = 1;
  };
  PhaseMapping phaseMapping() const {
    ItemPlan items = itemPlan();
    constexpr int64_t kSliceGroup = 32;
    int64_t groupsPerPhase = workgroupSize / kSliceGroup;
    if (items.slices == 1 || workgroupSize % kSliceGroup != 0 ||
        items.slices % groupsPerPhase != 0)
      return {int64_t(llvm::divideCeil(items.items, workgroupSize))};
    int64_t sliceGroups = items.slices / groupsPerPhase;
    return {int64_t(llvm::divideCeil(plan.steps, kSliceGroup)) * sliceGroups,
            kSliceGroup, sliceGroups};
  }

  /// The item invocation `invocation` takes in phase `phase`, and whether it
  /// exists (past the row's end it does not).
  std::pair<Value, Value> itemOfInvocation(const PhaseMapping &mapping,
                                           Value phase, Value invocation) {
    ItemPlan items = itemPlan();
    if (mapping.group == 0) {
      Value item = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, phase, index(workgroupSize)),
          invocation);
      return {item, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                          item, index(items.items))};
    }
    int64_t groupsPerPhase = workgroupSize / mapping.group;
    Value stepBlock =
        arith::DivUIOp::create(b, loc, phase, index(mapping.sliceGroups));
    Value sliceGroup =
        arith::RemUIOp::create(b, loc, phase, index(mapping.sliceGroups));
    Value slice = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, sliceGroup, index(groupsPerPhase)),
        arith::DivUIOp::create(b, loc, invocation, index(mapping.group)));
    Value step = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, stepBlock, index(mapping.group)),
        arith::RemUIOp::create(b, loc, invocation, index(mapping.group)));
    Value item = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, step, index(items.slices)),
        slice);
    return {item, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        step, index(plan.steps))};
  }

  /// R weight rows against one activation row, the activations staged
  /// through workgroup memory: in phase p the workgroup copies the
  /// activations of items [64p, 64p + 64) with coalesced loads (invocation
  /// t reads elements t, t + 64, ...; each item's elements padded to
  /// lanes + 1 floats, so invocations reading the same element of
  /// consecutive items hit different banks), then invocation t decodes item
  /// 64p + t of each of the R rows against them. The activations are read
  /// from global memory once per R rows, not once per row and item, and
  /// never by lanes 128 bytes apart. Returns one partial sum per row.
  SmallVector<Value> emitStagedRowLoop(Value x, Value w, Value thread,
                                       ArrayRef<Value> weightRows,
                                       Value activationRow) {
    ItemPlan items = itemPlan();
    int64_t stride = items.lanes + 1;
    int64_t depth = spec.reductionSize;
    auto stagedType = MemRefType::get(
        {workgroupSize * stride}, b.getF32Type(), MemRefLayoutAttrInterface(),
        b.getI64IntegerAttr(kWorkgroupMemorySpace));
    Value staged = memref::AllocOp::create(b, loc, stagedType);
    PhaseMapping mapping = phaseMapping();
    SmallVector<Value> inits(weightRows.size(), f32(0.0f));
    auto loop = scf::ForOp::create(b, loc, index(0), index(mapping.phases),
                                   index(1), inits);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value phase = loop.getInductionVar();
    // Copy: element e of the phase (lane e % lanes of invocation e / lanes's
    // item; zero past the row's end) to staged[e + e / lanes].
    {
      auto copy = scf::ForOp::create(b, loc, thread,
                                     index(workgroupSize * items.lanes),
                                     index(workgroupSize));
      OpBuilder::InsertionGuard copyGuard(b);
      b.setInsertionPointToStart(copy.getBody());
      Value e = copy.getInductionVar();
      Value owner = arith::DivUIOp::create(b, loc, e, index(items.lanes));
      auto [ownerItem, ownerActive] = itemOfInvocation(mapping, phase, owner);
      Value k = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, ownerItem, index(items.lanes)),
          arith::RemUIOp::create(b, loc, e, index(items.lanes)));
      Value inRow = arith::AndIOp::create(
          b, loc, ownerActive,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, k,
                                index(depth)));
      Value clamped = arith::MinUIOp::create(b, loc, k, index(depth - 1));
      Value value = memref::LoadOp::create(
          b, loc, x, ValueRange{activationRow, clamped});
      value = arith::SelectOp::create(b, loc, inRow, value, f32(0.0f));
      Value slot = arith::AddIOp::create(b, loc, e, owner);
      memref::StoreOp::create(b, loc, value, staged, slot);
    }
    gpu::BarrierOp::create(b, loc);
    auto [item, active] = itemOfInvocation(mapping, phase, thread);
    Value base = arith::MulIOp::create(b, loc, thread, index(stride));
    SmallVector<Value> acc = emitActiveItem(
        item, active, SmallVector<Value>(loop.getRegionIterArgs()),
        [&](Value step, Value column, int64_t first, int64_t lanes,
            SmallVector<Value> acc) {
          SmallVector<Value> activations;
          for (int64_t lane = 0; lane < lanes; ++lane)
            activations.push_back(memref::LoadOp::create(
                b, loc, staged,
                ValueRange{arith::AddIOp::create(b, loc, base, index(lane))}));
          return emitRowsDot(w, weightRows, step, first, activations, acc);
        });
    gpu::BarrierOp::create(b, loc);
    scf::YieldOp::create(b, loc, acc);
    return SmallVector<Value>(loop.getResults());
  }

  /// Multiplies elements [first, first + activations.size()) of step `step`
  /// of each weight row into that row's accumulator. The rows go through a
  /// loop, so the decoding code is emitted once: the loop picks row r's
  /// accumulator, chains the FMAs into it and puts it back (selects on r).
  SmallVector<Value> emitRowsDot(Value w, ArrayRef<Value> weightRows,
                                 Value step, int64_t first,
                                 ArrayRef<Value> activations,
                                 SmallVector<Value> acc) {
    auto loop = scf::ForOp::create(b, loc, index(0),
                                   index(weightRows.size()), index(1), acc);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value r = loop.getInductionVar();
    SmallVector<Value> rowAcc(loop.getRegionIterArgs());
    SmallVector<Value> isRow;
    Value weightRow = weightRows.front(), current = rowAcc.front();
    for (size_t i = 0; i < weightRows.size(); ++i) {
      isRow.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            r, index(int64_t(i))));
      if (i == 0)
        continue;
      weightRow =
          arith::SelectOp::create(b, loc, isRow[i], weightRows[i], weightRow);
      current = arith::SelectOp::create(b, loc, isRow[i], rowAcc[i], current);
    }
    llvm::DenseMap<int64_t, Value> bytes;
    for (size_t i = 0; i < activations.size(); ++i) {
      Value weight =
          decodeElement(w, weightRow, step, first + int64_t(i), bytes);
      current = math::FmaOp::create(b, loc, weight, activations[i], current);
    }
    for (size_t i = 0; i < weightRows.size(); ++i)
      rowAcc[i] = arith::SelectOp::create(b, loc, isRow[i], current, rowAcc[i]);
    scf::YieldOp::create(b, loc, rowAcc);
    return SmallVector<Value>(loop.getResults());
  }

  /// Element `lane` of step `step` of the weight row, as f32; `bytes` holds
  /// the slice's bytes loaded so far, by offset.
  Value decodeElement(Value w, Value weightRow, Value step,
                      int64_t lane, llvm::DenseMap<int64_t, Value> &bytes) {
    auto loadByte = [&](int64_t offset) -> Value {
      Value &cached = bytes[offset];
      if (cached)
        return cached;
      // Chunked per-row formats: the header, then this chunk's codes.
      Value block = step, byte;
      if (plan.chunked) {
        block = index(0);
        if (offset < plan.headerBytes) {
          byte = index(offset);
        } else {
          Value chunk = arith::MulIOp::create(b, loc, step,
                                              index(plan.chunkCodeBytes));
          byte = arith::AddIOp::create(b, loc, chunk, index(offset));
        }
      } else {
        byte = index(offset);
      }
      Value value = memref::LoadOp::create(
          b, loc, w, ValueRange{weightRow, block, byte});
      cached = arith::ExtUIOp::create(b, loc, b.getI32Type(), value);
      return cached;
    };
    if (plan.chunked)
      return qt::emitDequantizeElement(b, loc, plan.stepSpec, loadByte, lane);
    return spec.format.emitDequantizeElement(b, loc, loadByte, lane,
                                             unsigned(spec.reductionSize));
  }

  /// Sums each partial over the workgroup; invocation i (< partials)
  /// receives the sum of partial i.
  Value emitWorkgroupSums(Value thread, ArrayRef<Value> partial) {
    int64_t partials = int64_t(partial.size());
    auto sharedType =
        MemRefType::get({partials * workgroupSize}, b.getF32Type(),
                        MemRefLayoutAttrInterface(),
                        b.getI64IntegerAttr(kWorkgroupMemorySpace));
    Value shared = memref::AllocOp::create(b, loc, sharedType);
    Value lane = gpu::LaneIdOp::create(b, loc, b.getIndexType(), nullptr);
    Value subgroup = gpu::SubgroupIdOp::create(b, loc, nullptr);
    Value subgroups = gpu::NumSubgroupsOp::create(b, loc, nullptr);
    SmallVector<Value> subgroupSums;
    for (Value value : partial)
      subgroupSums.push_back(spirv::GroupNonUniformFAddOp::create(
          b, loc, b.getF32Type(),
          spirv::ScopeAttr::get(b.getContext(), spirv::Scope::Subgroup),
          spirv::GroupOperationAttr::get(b.getContext(),
                                         spirv::GroupOperation::Reduce),
          value, Value()));
    auto ifFirst = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                              index(0)));
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&ifFirst.getThenRegion().front());
      for (int64_t j = 0; j < partials; ++j) {
        Value slot = arith::AddIOp::create(
            b, loc, index(j * workgroupSize), subgroup);
        memref::StoreOp::create(b, loc, subgroupSums[j], shared, slot);
      }
    }
    gpu::BarrierOp::create(b, loc);
    // Invocation j (< partials) adds up partial j's subgroup sums; others
    // read a clamped one and discard it.
    Value row = arith::MinUIOp::create(b, loc, thread, index(partials - 1));
    Value base = arith::MulIOp::create(b, loc, row, index(workgroupSize));
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0f));
    auto loop = scf::ForOp::create(b, loc, index(0), subgroups, index(1),
                                   ValueRange{zero});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value slot =
          arith::AddIOp::create(b, loc, base, loop.getInductionVar());
      Value value = memref::LoadOp::create(b, loc, shared, slot);
      scf::YieldOp::create(
          b, loc,
          ValueRange{arith::AddFOp::create(b, loc, loop.getRegionIterArg(0),
                                           value)});
    }
    return loop.getResult(0);
  }

  OpBuilder &b;
  Location loc;
  const cpu::MatmulKernelSpec &spec;
  cpu::RowDecodePlan plan;
  int64_t workgroupSize, rowTile;
  /// Weight rows per workgroup: R for single-activation-row kernels (the
  /// activations staged through workgroup memory), else 1.
  int64_t rowsPerGroup;
  std::string name;
};

struct MatmulLaunchPass
    : quant::vulkan::impl::MatmulLaunchPassBase<MatmulLaunchPass> {
  using MatmulLaunchPassBase::MatmulLaunchPassBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (workgroupSize < 1 || rowTile < 1 || rowTile > workgroupSize) {
      module.emitError("invalid matmul launch options: workgroup size ")
          << int64_t(workgroupSize) << ", row tile " << int64_t(rowTile);
      return signalPassFailure();
    }
    SmallVector<qt::DispatchOp> dispatches;
    module.walk([&](qt::DispatchOp op) { dispatches.push_back(op); });
    llvm::SetVector<func::FuncOp> kernels;
    unsigned counter = 0;
    for (qt::DispatchOp op : dispatches) {
      auto kernel = module.lookupSymbol<func::FuncOp>(op.getKernelAttr());
      auto attr = kernel ? kernel->getAttrOfType<DictionaryAttr>(
                               cpu::kMatmulKernelAttr)
                         : DictionaryAttr();
      cpu::MatmulKernelSpec spec;
      bool integer = false;
      if (!attr || failed(cpu::decodeKernelSpec(attr, spec, integer))) {
        op.emitOpError("does not dispatch a matmul kernel");
        return signalPassFailure();
      }
      if (op.getNumResults() != 0 || op.getInputs().size() != 2 ||
          op.getOutputs().size() != 1) {
        op.emitOpError("must be a bufferized matmul dispatch");
        return signalPassFailure();
      }
      if (integer) {
        op.emitOpError("uses the int8 strategy, which the Vulkan target "
                       "does not implement");
        return signalPassFailure();
      }
      OpBuilder builder(op);
      Location loc = op.getLoc();
      Value x = op.getInputs()[0], w = op.getInputs()[1],
            y = op.getOutputs()[0];
      auto emitWithTile = [&](int64_t tile) {
        std::string name = "qt_matmul_" + std::to_string(counter++);
        MatmulLaunchEmitter(builder, loc, spec, workgroupSize, tile, name)
            .emit(x, w, y);
      };
      // Blocks decoded in several slices (K-quant super-blocks) take one
      // activation row per workgroup: a row tile would multiply the code of
      // every slice, and shader compilers are slow on large kernels. Other
      // formats tile rows, except for a single row (a decode step), which
      // gets a kernel of its own, chosen at run time; when N is static the
      // choice folds away with the unused kernel.
      if (cpu::planRowDecode(spec).elementsPerStep > kSliceLanes ||
          rowTile == 1) {
        emitWithTile(1);
      } else {
        bool batched = spec.activations.getRank() == 3;
        Value rows = memref::DimOp::create(builder, loc, x, batched ? 1 : 0);
        Value single = arith::CmpIOp::create(
            builder, loc, arith::CmpIPredicate::eq, rows,
            arith::ConstantIndexOp::create(builder, loc, 1));
        auto choice = scf::IfOp::create(builder, loc, single,
                                        /*withElseRegion=*/true);
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPoint(choice.thenBlock()->getTerminator());
        emitWithTile(1);
        builder.setInsertionPoint(choice.elseBlock()->getTerminator());
        emitWithTile(rowTile);
      }
      op.erase();
      kernels.insert(kernel);
    }
    for (func::FuncOp kernel : kernels)
      kernel.erase();
  }
};

} // namespace
