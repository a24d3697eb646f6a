//===- LowerLaunch.cpp - gpu.launch_func to the Vulkan runtime ------------===//
//
// Host code keeps running on the CPU; each kernel launch becomes a call of
// the runtime's qrt_vk_dispatch with the kernel's serialized SPIR-V (a
// constant global) and an argument array: four int64 slots per argument
// (address or value, byte size, flags, scalar; see quant/runtime/Vulkan.h).
// Each GPU module is converted to SPIR-V as a copy inside a nested module,
// so the host IR stays valid while the kernels change their types.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/PointerMemRef.h"
#include "codegen/vulkan/Passes.h"

#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRVPass.h"
#include "mlir/Conversion/MathToSPIRV/MathToSPIRVPass.h"
#include "mlir/Conversion/MemRefToSPIRV/MemRefToSPIRVPass.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Target/SPIRV/Serialization.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <vector>

namespace quant::vulkan {
#define GEN_PASS_DEF_LOWERLAUNCHPASS
#include "codegen/vulkan/Passes.h.inc"
} // namespace quant::vulkan

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kDispatch = "qrt_vk_dispatch";
constexpr llvm::StringLiteral kSync = "qrt_vk_sync";

/// Argument flags (quant/runtime/Vulkan.h).
constexpr int64_t kArgScalar = 1, kArgConstant = 2, kArgWritten = 4;
constexpr int64_t kSlotsPerArgument = 4;

/// Declares `name(types) -> ()` once.
func::FuncOp declareRuntimeFunction(ModuleOp module, StringRef name,
                                    TypeRange types) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto decl = func::FuncOp::create(b, module.getLoc(), name,
                                   b.getFunctionType(types, {}));
  decl.setPrivate();
  return decl;
}

/// True when the kernel may write through buffer argument `value`: any use
/// other than loads, size queries and views that are themselves only read.
bool mayWrite(Value value) {
  for (Operation *user : value.getUsers()) {
    if (isa<memref::LoadOp, memref::DimOp>(user))
      continue;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user);
        view && view.getViewSource() == value) {
      for (Value result : user->getResults())
        if (mayWrite(result))
          return true;
      continue;
    }
    return true;
  }
  return false;
}

/// True when `value` is (a view of) a constant global: its contents never
/// change, so the runtime may keep it on the device.
bool isConstantBuffer(ModuleOp module, Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto global = dyn_cast<memref::GetGlobalOp>(def)) {
      auto op = module.lookupSymbol<memref::GlobalOp>(global.getNameAttr());
      return op && op.getConstant();
    }
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      return false;
    value = view.getViewSource();
  }
  return false;
}

/// `type`'s size in bytes times its element count, as an i64 value.
Value bufferBytes(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  int64_t elementBytes =
      std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
  Value bytes = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(
                                                      elementBytes));
  for (int64_t d = 0; d < type.getRank(); ++d) {
    Value size = arith::IndexCastOp::create(
        b, loc, b.getI64Type(), memref::DimOp::create(b, loc, buffer, d));
    bytes = arith::MulIOp::create(b, loc, bytes, size);
  }
  return bytes;
}

/// A scalar kernel argument as the i64 whose low 32 bits the shader reads.
Value scalarBits(OpBuilder &b, Location loc, Value value) {
  Type type = value.getType();
  Type i64 = b.getI64Type();
  if (type.isIndex())
    return arith::IndexCastOp::create(b, loc, i64, value);
  if (type.isF32())
    value = arith::BitcastOp::create(b, loc, b.getI32Type(), value);
  return arith::ExtUIOp::create(b, loc, i64, value);
}

/// The SPIR-V target: Vulkan, SPIR-V 1.3 (Vulkan 1.1), subgroup arithmetic,
/// and 8-bit storage buffers unless bytes are emulated in 32-bit words.
spirv::TargetEnvAttr targetEnvironment(MLIRContext *context,
                                       bool nativeBytes) {
  using spirv::Capability;
  using spirv::Extension;
  SmallVector<Capability> capabilities = {Capability::Shader,
                                          Capability::GroupNonUniform,
                                          Capability::GroupNonUniformArithmetic};
  SmallVector<Extension> extensions = {
      Extension::SPV_KHR_storage_buffer_storage_class};
  if (nativeBytes) {
    capabilities.append(
        {Capability::Int8, Capability::StorageBuffer8BitAccess});
    extensions.push_back(Extension::SPV_KHR_8bit_storage);
  }
  auto triple = spirv::VerCapExtAttr::get(spirv::Version::V_1_3, capabilities,
                                          extensions, context);
  return spirv::TargetEnvAttr::get(triple,
                                   spirv::getDefaultResourceLimits(context),
                                   spirv::ClientAPI::Vulkan);
}

struct LowerLaunchPass
    : quant::vulkan::impl::LowerLaunchPassBase<LowerLaunchPass> {
  using LowerLaunchPassBase::LowerLaunchPassBase;

  /// Converts a copy of `gpuModule` to SPIR-V and serializes it.
  LogicalResult compileKernel(ModuleOp module, gpu::GPUModuleOp gpuModule,
                              spirv::TargetEnvAttr target,
                              SmallVectorImpl<uint32_t> &words,
                              std::string &entry) {
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto nested = ModuleOp::create(b, gpuModule.getLoc());
    nested->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    b.setInsertionPointToStart(nested.getBody());
    Operation *copy = b.clone(*gpuModule);
    copy->setAttr(spirv::getTargetEnvAttrName(), target);

    OpPassManager pm(ModuleOp::getOperationName());
    OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
    kernels.addPass(quant::vulkan::createDecode16BitFloatsPass());
    kernels.addPass(quant::vulkan::createReduceTrigRangePass());
    kernels.addPass(createMapMemRefStorageClassPass());
    kernels.addPass(createConvertMathToSPIRVPass());
    pm.addPass(createConvertGPUToSPIRVPass(/*mapMemorySpace=*/true));
    OpPassManager &spirvPm = pm.nest<spirv::ModuleOp>();
    spirvPm.addPass(spirv::createSPIRVLowerABIAttributesPass());
    spirvPm.addPass(spirv::createSPIRVUpdateVCEPass());
    LogicalResult result = runPipeline(pm, nested);
    if (succeeded(result)) {
      result = failure();
      nested.walk([&](spirv::ModuleOp spirvModule) {
        spirvModule.walk(
            [&](spirv::EntryPointOp op) { entry = op.getFn().str(); });
        result = spirv::serialize(spirvModule, words);
      });
      if (failed(result))
        gpuModule.emitError("cannot serialize the kernel to SPIR-V");
    }
    nested.erase();
    return result;
  }

  /// Writes `words` to <spirvDirectory>/<name>.spv.
  LogicalResult writeSpirvFile(Operation *op, StringRef name,
                               ArrayRef<uint32_t> words) {
    SmallString<128> path(spirvDirectory);
    llvm::sys::path::append(path, name + ".spv");
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (!ec)
      os.write(reinterpret_cast<const char *>(words.data()),
               words.size() * sizeof(uint32_t));
    if (ec)
      return op->emitError("cannot write ") << path << ": " << ec.message();
    return success();
  }

  /// Constant globals holding `words` and the NUL-terminated `entry`.
  std::pair<memref::GlobalOp, memref::GlobalOp>
  createKernelGlobals(OpBuilder &top, gpu::GPUModuleOp gpuModule,
                      ArrayRef<uint32_t> words, StringRef entry) {
    std::string name = "__qt_vk_" + gpuModule.getName().str();
    auto wordsType = MemRefType::get({int64_t(words.size())},
                                     top.getI32Type());
    auto wordsAttr = DenseElementsAttr::getFromRawBuffer(
        RankedTensorType::get(wordsType.getShape(), top.getI32Type()),
        ArrayRef<char>(reinterpret_cast<const char *>(words.data()),
                       words.size() * sizeof(uint32_t)));
    auto wordsGlobal = memref::GlobalOp::create(
        top, gpuModule.getLoc(), top.getStringAttr(name + "_spirv"),
        top.getStringAttr("private"), TypeAttr::get(wordsType), wordsAttr,
        top.getUnitAttr(), top.getI64IntegerAttr(4));
    SmallVector<int8_t> text(entry.begin(), entry.end());
    text.push_back(0);
    auto textType = MemRefType::get({int64_t(text.size())}, top.getI8Type());
    auto textGlobal = memref::GlobalOp::create(
        top, gpuModule.getLoc(), top.getStringAttr(name + "_entry"),
        top.getStringAttr("private"), TypeAttr::get(textType),
        DenseElementsAttr::get(
            RankedTensorType::get(textType.getShape(), top.getI8Type()),
            ArrayRef<int8_t>(text)),
        top.getUnitAttr(), IntegerAttr());
    return {wordsGlobal, textGlobal};
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = module.getContext();
    Type ptr = LLVM::LLVMPointerType::get(context);
    Type i64 = IntegerType::get(context, 64);
    if (byteStorage != "native" && byteStorage != "emulated") {
      module.emitError("unknown byte storage '")
          << byteStorage << "' (expected native or emulated)";
      return signalPassFailure();
    }
    spirv::TargetEnvAttr target =
        targetEnvironment(context, byteStorage == "native");

    // Each kernel module's words and entry point name as constant globals;
    // kernels that compile to the same SPIR-V (matmuls differing only in
    // their sizes) share one, and so one pipeline at run time.
    llvm::StringMap<std::pair<memref::GlobalOp, memref::GlobalOp>> globals;
    std::map<std::pair<std::vector<uint32_t>, std::string>,
             std::pair<memref::GlobalOp, memref::GlobalOp>>
        byContents;
    OpBuilder top = OpBuilder::atBlockBegin(module.getBody());
    SmallVector<gpu::GPUModuleOp> gpuModules(module.getOps<gpu::GPUModuleOp>());
    // Kernels whose launches were folded away (a matmul's decode or batch
    // kernel, when N is static) are not compiled.
    llvm::StringSet<> launched;
    module.walk([&](gpu::LaunchFuncOp op) {
      launched.insert(op.getKernelModuleName().getValue());
    });
    for (gpu::GPUModuleOp gpuModule : gpuModules) {
      if (!launched.contains(gpuModule.getName()))
        continue;
      SmallVector<uint32_t> words;
      std::string entry;
      if (failed(compileKernel(module, gpuModule, target, words, entry)))
        return signalPassFailure();
      if (!spirvDirectory.empty() &&
          failed(writeSpirvFile(gpuModule, gpuModule.getName(), words)))
        return signalPassFailure();
      auto &shared = byContents[{std::vector<uint32_t>(words.begin(),
                                                       words.end()),
                                 entry}];
      if (!shared.first)
        shared = createKernelGlobals(top, gpuModule, words, entry);
      globals[gpuModule.getName()] = shared;
    }

    func::FuncOp dispatch = declareRuntimeFunction(
        module, kDispatch, {ptr, i64, ptr, i64, i64, i64, ptr, i64});
    func::FuncOp sync = declareRuntimeFunction(module, kSync, {});

    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp op) { launches.push_back(op); });
    for (gpu::LaunchFuncOp launch : launches)
      if (failed(lowerLaunch(module, launch, globals, dispatch)))
        return signalPassFailure();

    insertSyncs(module, sync);

    for (gpu::GPUModuleOp gpuModule : gpuModules)
      gpuModule.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }

  LogicalResult lowerLaunch(
      ModuleOp module, gpu::LaunchFuncOp launch,
      llvm::StringMap<std::pair<memref::GlobalOp, memref::GlobalOp>> &globals,
      func::FuncOp dispatch) {
    Location loc = launch.getLoc();
    auto kernelModule = module.lookupSymbol<gpu::GPUModuleOp>(
        launch.getKernelModuleName());
    auto kernel = kernelModule ? kernelModule.lookupSymbol<gpu::GPUFuncOp>(
                                     launch.getKernelName())
                               : gpu::GPUFuncOp();
    auto found = globals.find(launch.getKernelModuleName().getValue());
    if (!kernel || found == globals.end())
      return launch.emitOpError("has no SPIR-V kernel");
    OpBuilder b(launch);
    auto address = [&](memref::GlobalOp global) {
      Value buffer = memref::GetGlobalOp::create(
          b, loc, global.getType(), global.getSymName());
      return quant::cpu::pointerFromMemRef(b, loc, buffer);
    };
    Value words = address(found->second.first);
    Value entry = address(found->second.second);
    Value wordCount = arith::ConstantOp::create(
        b, loc,
        b.getI64IntegerAttr(found->second.first.getType().getNumElements()));

    // The argument array, allocated once in the function's entry block.
    ValueRange operands = launch.getKernelOperands();
    auto function = launch->getParentOfType<FunctionOpInterface>();
    OpBuilder entryBuilder =
        OpBuilder::atBlockBegin(&function.getFunctionBody().front());
    int64_t slots = std::max<int64_t>(1, kSlotsPerArgument * operands.size());
    Value array = LLVM::AllocaOp::create(
        entryBuilder, loc, LLVM::LLVMPointerType::get(b.getContext()),
        entryBuilder.getI64Type(),
        arith::ConstantOp::create(entryBuilder, loc,
                                  entryBuilder.getI64IntegerAttr(slots)),
        /*alignment=*/8);
    auto constant = [&](int64_t value) -> Value {
      return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
    };
    for (auto [i, operand] : llvm::enumerate(operands)) {
      int64_t base = kSlotsPerArgument * int64_t(i);
      if (isa<MemRefType>(operand.getType())) {
        int64_t flags = 0;
        if (mayWrite(kernel.getArgument(i)))
          flags |= kArgWritten;
        if (isConstantBuffer(module, operand))
          flags |= kArgConstant;
        quant::cpu::storeSlot(b, loc, array, base,
                              quant::cpu::pointerFromMemRef(b, loc, operand));
        quant::cpu::storeSlot(b, loc, array, base + 1,
                              bufferBytes(b, loc, operand));
        quant::cpu::storeSlot(b, loc, array, base + 2, constant(flags));
        quant::cpu::storeSlot(b, loc, array, base + 3, constant(0));
        continue;
      }
      quant::cpu::storeSlot(b, loc, array, base, constant(0));
      quant::cpu::storeSlot(b, loc, array, base + 1, constant(0));
      quant::cpu::storeSlot(b, loc, array, base + 2, constant(kArgScalar));
      quant::cpu::storeSlot(b, loc, array, base + 3,
                            scalarBits(b, loc, operand));
    }
    gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
    auto toI64 = [&](Value v) -> Value {
      return arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
    };
    func::CallOp::create(
        b, loc, dispatch,
        ValueRange{words, wordCount, entry, toI64(grid.x), toI64(grid.y),
                   toI64(grid.z), array,
                   constant(int64_t(operands.size()))});
    launch.erase();
    return success();
  }

  /// Host code reads or writes memory only after the kernels before it are
  /// done: a sync before host memory accesses, before calls of external
  /// functions and before the returns of public functions (private
  /// functions return to host code that syncs where it touches memory).
  /// A sync for an access inside host loops goes before the outermost of
  /// those loops that launches no kernel, not into every iteration.
  void insertSyncs(ModuleOp module, func::FuncOp sync) {
    llvm::SetVector<Operation *> points;
    // The Vulkan runtime's own functions (dispatch, sync, limits) do not
    // touch buffers on the host's behalf.
    auto isRuntimeCall = [&](func::CallOp call) {
      return call.getCallee().starts_with("qrt_vk_");
    };
    // Whether a host loop launches kernels (memoized: every access in a
    // loop nest asks about each enclosing loop).
    DenseMap<Operation *, bool> launchingLoops;
    auto launchesKernels = [&](Operation *loop) {
      auto [entry, inserted] = launchingLoops.try_emplace(loop, false);
      if (inserted)
        entry->second = loop->walk([&](func::CallOp call) {
                              return call.getCallee() == kDispatch
                                         ? WalkResult::interrupt()
                                         : WalkResult::advance();
                            })
                            .wasInterrupted();
      return entry->second;
    };
    for (func::FuncOp func : module.getOps<func::FuncOp>()) {
      if (func.isDeclaration())
        continue;
      func.walk([&](Operation *op) {
        bool needsSync = false;
        if (isa<func::ReturnOp>(op)) {
          needsSync = func.isPublic();
        } else if (auto call = dyn_cast<func::CallOp>(op)) {
          auto callee = module.lookupSymbol<func::FuncOp>(call.getCallee());
          needsSync = !isRuntimeCall(call) && callee && callee.isDeclaration();
        } else {
          needsSync = isa<memref::LoadOp, memref::StoreOp, memref::CopyOp,
                          linalg::LinalgOp>(op);
        }
        if (!needsSync)
          return;
        Operation *point = op;
        for (Operation *parent = op->getParentOp(); parent != func;
             parent = parent->getParentOp())
          if (isa<LoopLikeOpInterface>(parent) && !launchesKernels(parent))
            point = parent;
        points.insert(point);
      });
    }
    for (Operation *op : points) {
      OpBuilder b(op);
      func::CallOp::create(b, op->getLoc(), sync, ValueRange{});
    }
  }
};

} // namespace
