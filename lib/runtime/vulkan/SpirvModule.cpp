//===- SpirvModule.cpp - What the runtime reads from a SPIR-V module ------===//

#include "SpirvModule.h"

#include <cstdio>

using namespace quant::rt::vk;

namespace {

constexpr int64_t kHeaderWords = 5;
constexpr uint32_t kOpEntryPoint = 15;
constexpr uint32_t kOpCapability = 17;
constexpr uint32_t kExecutionModelGLCompute = 5;

/// The nul-terminated string literal at words[0, count), or false when it is
/// not terminated within them.
bool readLiteralString(const uint32_t *words, int64_t count,
                       std::string &result) {
  result.clear();
  for (int64_t i = 0; i < count; ++i)
    for (int byte = 0; byte < 4; ++byte) {
      char c = char((words[i] >> (8 * byte)) & 0xff);
      if (c == '\0')
        return true;
      result += c;
    }
  return false;
}

} // namespace

bool quant::rt::vk::parseSpirvModule(const uint32_t *words, int64_t count,
                                     SpirvModuleInfo &info,
                                     std::string &error) {
  info = SpirvModuleInfo();
  if (!words || count <= 0) {
    error = "empty SPIR-V module";
    return false;
  }
  if (count < kHeaderWords) {
    error = "SPIR-V module of " + std::to_string(count) +
            " words is shorter than its 5-word header";
    return false;
  }
  if (words[0] != kSpirvMagic) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "0x%08x", words[0]);
    error = std::string("bad SPIR-V magic number ") + hex +
            " (expected 0x07230203)";
    return false;
  }
  info.version = words[1];
  for (int64_t at = kHeaderWords; at < count;) {
    uint32_t wordCount = words[at] >> 16;
    uint32_t opcode = words[at] & 0xffff;
    if (wordCount == 0 || at + wordCount > count) {
      error = "malformed SPIR-V instruction at word " + std::to_string(at);
      return false;
    }
    if (opcode == kOpCapability) {
      if (wordCount != 2) {
        error = "malformed OpCapability at word " + std::to_string(at);
        return false;
      }
      info.capabilities.push_back(words[at + 1]);
    } else if (opcode == kOpEntryPoint) {
      std::string name;
      if (wordCount < 4 ||
          !readLiteralString(words + at + 3, wordCount - 3, name)) {
        error = "malformed OpEntryPoint at word " + std::to_string(at);
        return false;
      }
      if (words[at + 1] == kExecutionModelGLCompute)
        info.computeEntryPoints.push_back(name);
    }
    at += wordCount;
  }
  return true;
}

std::string quant::rt::vk::spirvCapabilityName(uint32_t capability) {
  switch (capability) {
  case kCapMatrix:
    return "Matrix";
  case kCapShader:
    return "Shader";
  case kCapFloat16:
    return "Float16";
  case kCapFloat64:
    return "Float64";
  case kCapInt64:
    return "Int64";
  case kCapInt64Atomics:
    return "Int64Atomics";
  case kCapInt16:
    return "Int16";
  case kCapInt8:
    return "Int8";
  case kCapGroupNonUniform:
    return "GroupNonUniform";
  case kCapGroupNonUniformVote:
    return "GroupNonUniformVote";
  case kCapGroupNonUniformArithmetic:
    return "GroupNonUniformArithmetic";
  case kCapGroupNonUniformBallot:
    return "GroupNonUniformBallot";
  case kCapGroupNonUniformShuffle:
    return "GroupNonUniformShuffle";
  case kCapGroupNonUniformShuffleRelative:
    return "GroupNonUniformShuffleRelative";
  case kCapGroupNonUniformClustered:
    return "GroupNonUniformClustered";
  case kCapGroupNonUniformQuad:
    return "GroupNonUniformQuad";
  case kCapStorageBuffer16BitAccess:
    return "StorageBuffer16BitAccess";
  case kCapUniformAndStorageBuffer16BitAccess:
    return "UniformAndStorageBuffer16BitAccess";
  case kCapStorageBuffer8BitAccess:
    return "StorageBuffer8BitAccess";
  case kCapUniformAndStorageBuffer8BitAccess:
    return "UniformAndStorageBuffer8BitAccess";
  case kCapVulkanMemoryModel:
    return "VulkanMemoryModel";
  case kCapVulkanMemoryModelDeviceScope:
    return "VulkanMemoryModelDeviceScope";
  case kCapDotProductInputAll:
    return "DotProductInputAll";
  case kCapDotProductInput4x8Bit:
    return "DotProductInput4x8Bit";
  case kCapDotProductInput4x8BitPacked:
    return "DotProductInput4x8BitPacked";
  case kCapDotProduct:
    return "DotProduct";
  default:
    return "capability " + std::to_string(capability);
  }
}
