//===- SpirvModule.h - What the runtime reads from a SPIR-V module -*- C++ -*-===//
//
// A minimal SPIR-V reader: the header, the OpCapability instructions and the
// OpEntryPoint names, enough to check a kernel against the device before
// creating its pipeline. Pure functions, testable without Vulkan.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_SPIRVMODULE_H
#define QUANT_RUNTIME_VULKAN_SPIRVMODULE_H

#include <cstdint>
#include <string>
#include <vector>

namespace quant::rt::vk {

/// SPIR-V's magic number, the module's first word.
constexpr uint32_t kSpirvMagic = 0x07230203;

/// SPIR-V capabilities the runtime knows (values from the SPIR-V spec).
enum SpirvCapability : uint32_t {
  kCapMatrix = 0,
  kCapShader = 1,
  kCapFloat16 = 9,
  kCapFloat64 = 10,
  kCapInt64 = 11,
  kCapInt64Atomics = 12,
  kCapInt16 = 22,
  kCapInt8 = 39,
  kCapGroupNonUniform = 61,
  kCapGroupNonUniformVote = 62,
  kCapGroupNonUniformArithmetic = 63,
  kCapGroupNonUniformBallot = 64,
  kCapGroupNonUniformShuffle = 65,
  kCapGroupNonUniformShuffleRelative = 66,
  kCapGroupNonUniformClustered = 67,
  kCapGroupNonUniformQuad = 68,
  kCapStorageBuffer16BitAccess = 4433,
  kCapUniformAndStorageBuffer16BitAccess = 4434,
  kCapStorageBuffer8BitAccess = 4448,
  kCapUniformAndStorageBuffer8BitAccess = 4449,
  kCapVulkanMemoryModel = 5345,
  kCapVulkanMemoryModelDeviceScope = 5346,
  kCapDotProductInputAll = 6016,
  kCapDotProductInput4x8Bit = 6017,
  kCapDotProductInput4x8BitPacked = 6018,
  kCapDotProduct = 6019,
};

/// The parts of a module the runtime checks.
struct SpirvModuleInfo {
  /// The version word: 0x00MMmm00 for SPIR-V MM.mm.
  uint32_t version = 0;
  /// OpCapability operands, in module order.
  std::vector<uint32_t> capabilities;
  /// Names of the GLCompute entry points.
  std::vector<std::string> computeEntryPoints;
};

/// Reads `words` (a module of `count` words). On a malformed module returns
/// false with a one-line `error` (without the kernel's name).
bool parseSpirvModule(const uint32_t *words, int64_t count,
                      SpirvModuleInfo &info, std::string &error);

/// The capability's SPIR-V name ("Int8"), or "capability N" when unknown.
std::string spirvCapabilityName(uint32_t capability);

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_SPIRVMODULE_H
