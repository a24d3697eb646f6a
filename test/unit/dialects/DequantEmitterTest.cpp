//===- DequantEmitterTest.cpp - emitted dequantization vs the codec -------===//
//
// Compiles each format's emitDequantizeBlock hook (whole blocks as vectors)
// and emitDequantizeElement hook (one element at a time as scalars, the GPU
// form) to machine code (MLIR -> LLVM -> JIT) and checks that both decode
// random blocks bit-exactly like the reference codec of the format library. Random bytes reach every code, every
// sub-block scale and every special scale value (NaN/Inf/denormal halves).
//
//===----------------------------------------------------------------------===//

#include "dialects/qt/QtAttrs.h"
#include "dialects/qt/QtDialect.h"
#include "quant/formats/Codec.h"
#include "quant/formats/Format.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/TargetSelect.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace mlir;
using namespace quant;

namespace {

/// Which emitter a CompiledDecoder exercises.
enum class DecodeForm { Block, Element };

/// A JIT-compiled `void decode(i8 *block, f32 *out)` for one format.
class CompiledDecoder {
public:
  CompiledDecoder(const fmt::FormatSpec &spec, DecodeForm form) : spec(spec) {
    DialectRegistry registry;
    registry.insert<arith::ArithDialect, func::FuncDialect,
                    memref::MemRefDialect, vector::VectorDialect,
                    LLVM::LLVMDialect, qt::QtDialect>();
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();

    OpBuilder b(&context);
    Location loc = b.getUnknownLoc();
    module = ModuleOp::create(loc);
    b.setInsertionPointToEnd(module->getBody());
    int64_t bytes = int64_t(spec.blockBytes());
    int64_t elements = spec.blockSize;
    auto bytesType = MemRefType::get({bytes}, b.getI8Type());
    auto outType = MemRefType::get({elements}, b.getF32Type());
    auto func = func::FuncOp::create(
        b, loc, "decode", b.getFunctionType({bytesType, outType}, {}));
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToStart(entry);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    if (form == DecodeForm::Block) {
      Value block = vector::LoadOp::create(
          b, loc, VectorType::get({bytes}, b.getI8Type()),
          entry->getArgument(0), ValueRange{zero});
      Value values = qt::emitDequantizeBlock(b, loc, spec, block);
      vector::StoreOp::create(b, loc, values, entry->getArgument(1),
                              ValueRange{zero});
    } else {
      auto loadByte = [&](int64_t offset) -> Value {
        Value index = arith::ConstantIndexOp::create(b, loc, offset);
        Value byte = memref::LoadOp::create(b, loc, entry->getArgument(0),
                                            ValueRange{index});
        return arith::ExtUIOp::create(b, loc, b.getI32Type(), byte);
      };
      for (int64_t lane = 0; lane < elements; ++lane) {
        Value value =
            qt::emitDequantizeElement(b, loc, spec, loadByte, lane);
        memref::StoreOp::create(
            b, loc, value, entry->getArgument(1),
            ValueRange{arith::ConstantIndexOp::create(b, loc, lane)});
      }
    }
    func::ReturnOp::create(b, loc);
  }

  /// Lowers and JIT-compiles; returns false (with a test failure) on error.
  bool compile() {
    if (failed(verify(*module))) {
      ADD_FAILURE() << "emitted IR does not verify";
      return false;
    }
    PassManager pm(&context);
    pm.addPass(createConvertVectorToLLVMPass());
    pm.addPass(createArithToLLVMConversionPass());
    pm.addPass(createFinalizeMemRefToLLVMConversionPass());
    ConvertFuncToLLVMPassOptions funcOptions;
    funcOptions.useBarePtrCallConv = true;
    pm.addPass(createConvertFuncToLLVMPass(funcOptions));
    pm.addPass(createReconcileUnrealizedCastsPass());
    if (failed(pm.run(*module))) {
      ADD_FAILURE() << "lowering to LLVM failed";
      return false;
    }
    ExecutionEngineOptions options;
    auto engine = ExecutionEngine::create(*module, options);
    if (!engine) {
      ADD_FAILURE() << "JIT: " << llvm::toString(engine.takeError());
      return false;
    }
    jit = std::move(*engine);
    auto symbol = jit->lookup("decode");
    if (!symbol) {
      ADD_FAILURE() << "JIT lookup: " << llvm::toString(symbol.takeError());
      return false;
    }
    decode = reinterpret_cast<void (*)(const uint8_t *, float *)>(*symbol);
    return true;
  }

  void operator()(const uint8_t *block, float *out) const { decode(block, out); }

private:
  fmt::FormatSpec spec;
  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  std::unique_ptr<ExecutionEngine> jit;
  void (*decode)(const uint8_t *, float *) = nullptr;
};

/// Equal bit patterns, or both NaN (NaN payloads are not part of the format).
bool sameFloat(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x == y;
}

void expectMatchesCodec(const fmt::FormatSpec &spec, unsigned seed) {
  ASSERT_EQ(spec.validate(), "") << spec.name;
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  CompiledDecoder blockDecoder(spec, DecodeForm::Block);
  ASSERT_TRUE(blockDecoder.compile()) << spec.name;
  CompiledDecoder elementDecoder(spec, DecodeForm::Element);
  ASSERT_TRUE(elementDecoder.compile()) << spec.name;

  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  size_t bytes = spec.blockBytes(), n = spec.blockSize;
  std::vector<uint8_t> block(bytes);
  std::vector<float> expected(n), actual(n);
  for (int trial = 0; trial < 200; ++trial) {
    for (uint8_t &v : block)
      v = uint8_t(byte(rng));
    fmt::dequantizeRow(spec, block.data(), n, expected.data());
    for (const CompiledDecoder *decoder : {&blockDecoder, &elementDecoder}) {
      (*decoder)(block.data(), actual.data());
      const char *form = decoder == &blockDecoder ? "block" : "element";
      for (size_t i = 0; i < n; ++i)
        ASSERT_TRUE(sameFloat(expected[i], actual[i]))
            << (spec.name.empty() ? "inline format" : spec.name) << " ("
            << form << " form): element " << i << " of trial " << trial
            << ": codec " << expected[i] << ", emitted " << actual[i];
    }
  }
}

class NamedFormatDecode : public ::testing::TestWithParam<std::string> {};

TEST_P(NamedFormatDecode, EmittedCodeMatchesReferenceCodec) {
  const fmt::FormatSpec *spec = fmt::lookupNamedFormat(GetParam());
  ASSERT_NE(spec, nullptr) << GetParam();
  // Per-row formats decode rows of any length; test one of 96 elements.
  expectMatchesCodec(spec->resolvedFor(96), 1234);
}

std::vector<std::string> namedFormatNames() {
  std::vector<std::string> names;
  for (const fmt::FormatSpec &spec : fmt::namedFormats())
    names.push_back(spec.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(AllNamedFormats, NamedFormatDecode,
                         ::testing::ValuesIn(namedFormatNames()),
                         [](const auto &info) { return info.param; });

fmt::FormatSpec inlineInt(unsigned bits, bool isSigned, unsigned block,
                          fmt::ScaleType scale, fmt::OffsetKind offset,
                          int bias = 0) {
  fmt::FormatSpec spec;
  spec.bits = bits;
  spec.codeKind = isSigned ? fmt::CodeKind::SInt : fmt::CodeKind::UInt;
  spec.blockSize = block;
  spec.scaleType = scale;
  spec.offset = offset;
  spec.bias = bias;
  return spec;
}

TEST(InlineFormatDecode, ThreeBitZeroPointGroup64) {
  expectMatchesCodec(inlineInt(3, false, 64, fmt::ScaleType::F16,
                               fmt::OffsetKind::ZeroPoint),
                     1);
}

TEST(InlineFormatDecode, SixBitCodesStraddleBytes) {
  expectMatchesCodec(
      inlineInt(6, false, 16, fmt::ScaleType::F32, fmt::OffsetKind::None, 32),
      2);
}

TEST(InlineFormatDecode, SignedTwoBitBf16Scale) {
  expectMatchesCodec(
      inlineInt(2, true, 32, fmt::ScaleType::BF16, fmt::OffsetKind::None), 3);
}

TEST(InlineFormatDecode, OneBitWithMin) {
  expectMatchesCodec(
      inlineInt(1, false, 64, fmt::ScaleType::F16, fmt::OffsetKind::Min), 4);
}

TEST(InlineFormatDecode, FiveBitLinearE8M0) {
  expectMatchesCodec(
      inlineInt(5, true, 32, fmt::ScaleType::E8M0, fmt::OffsetKind::None), 5);
}

TEST(InlineFormatDecode, TwoBitCodebook) {
  fmt::FormatSpec spec;
  spec.bits = 2;
  spec.codeKind = fmt::CodeKind::Codebook;
  spec.blockSize = 64;
  spec.scaleType = fmt::ScaleType::F16;
  spec.codebook = {-1.5f, -0.5f, 0.5f, 1.5f};
  expectMatchesCodec(spec, 6);
}

TEST(InlineFormatDecode, MiniFloatsWithFloatScales) {
  for (fmt::MiniFloat type :
       {fmt::MiniFloat::E2M1, fmt::MiniFloat::E2M3, fmt::MiniFloat::E3M2,
        fmt::MiniFloat::E4M3FN, fmt::MiniFloat::E5M2}) {
    fmt::FormatSpec spec;
    spec.codeKind = fmt::CodeKind::MiniFloat;
    spec.miniFloat = type;
    spec.bits = type == fmt::MiniFloat::E2M1
                    ? 4
                    : (type == fmt::MiniFloat::E2M3 ||
                       type == fmt::MiniFloat::E3M2)
                          ? 6
                          : 8;
    spec.blockSize = 32;
    spec.scaleType = fmt::ScaleType::F32;
    expectMatchesCodec(spec, 7 + unsigned(type));
  }
}

} // namespace
