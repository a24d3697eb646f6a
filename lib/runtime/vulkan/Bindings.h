//===- Bindings.h - Kernel arguments as storage buffer ranges ---*- C++ -*-===//
//
// Turns the (data, bytes, flags, scalar) slots of qrt_vk_dispatch into the
// buffer ranges bound at bindings 0..n-1:
//  - the runtime's own allocations are bound in place;
//  - constants (QRT_VK_ARG_CONSTANT, or inside a range registered with
//    addConstantRange) outside them are copied once into
//    device-local memory (through a staging buffer when that memory is not
//    host-visible) and cached by (address, size);
//  - other foreign buffers are copied into a runtime buffer for the batch and
//    copied back after it completes when written; a batch reuses the import
//    of an identical range, and is flushed first when a new range overlaps
//    one of its imports and either is written;
//  - scalars are written into a per-batch arena of small slots;
//  - empty buffers bind a small dummy range.
// Own memory at an offset the device cannot bind is imported too, with the
// dispatch run synchronously (flushed before and after).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_BINDINGS_H
#define QUANT_RUNTIME_VULKAN_BINDINGS_H

#include "CommandStream.h"
#include "MemoryPool.h"

#include <map>
#include <memory>
#include <utility>
#include <vector>

namespace quant::rt::vk {

/// How the arguments of one dispatch must be handled.
struct BindingPlan {
  /// The pending batch must complete before the arguments are prepared.
  bool flushBefore = false;
  /// The dispatch must also complete before qrt_vk_dispatch returns.
  bool synchronous = false;
};

/// The buffers behind kernel arguments.
class Bindings {
public:
  Bindings(const Device &device, MemoryPool &hostPool, CommandStream &stream);
  ~Bindings();
  Bindings(const Bindings &) = delete;
  Bindings &operator=(const Bindings &) = delete;

  /// Decides how the arguments must be handled (before resolve()).
  BindingPlan plan(const int64_t *args, int64_t numArgs) const;
  /// The buffer range of every argument of kernel `kernel`.
  std::vector<VkDescriptorBufferInfo>
  resolve(const std::string &kernel, const int64_t *args, int64_t numArgs);
  /// Releases the cached constants and the arena (nothing may be pending).
  void destroy();
  /// Buffers inside host memory [address, address + bytes) are constants.
  void addConstantRange(uintptr_t address, uint64_t bytes);

private:
  /// A foreign buffer copied in for the current batch.
  struct Import {
    uintptr_t address;
    uint64_t bytes;
    Region region;
    bool written;
  };

  /// Whether a buffer argument is constant: flagged, or in a registered range.
  bool isConstant(uintptr_t address, uint64_t bytes, int64_t flags) const;
  /// Whether host memory [address, address + bytes) is bindable own memory.
  bool bindableOwn(uintptr_t address, uint64_t bytes, Region &region) const;
  VkDescriptorBufferInfo scalar(int32_t value);
  VkDescriptorBufferInfo constant(uintptr_t address, uint64_t bytes);
  VkDescriptorBufferInfo import(uintptr_t address, uint64_t bytes,
                                bool written);
  /// Registers the end-of-batch work (copy-backs, arena reset) once.
  void needCompletion();
  void completeBatch();

  const Device &device;
  MemoryPool &hostPool;
  CommandStream &stream;
  /// Device-local memory for constants, when it differs from hostPool's
  /// (or when the device forces the staging path).
  std::unique_ptr<MemoryPool> devicePool;
  bool forceStaging = false;
  std::map<std::pair<uintptr_t, uint64_t>, Region> constants;
  std::vector<std::pair<uintptr_t, uint64_t>> constantRanges;
  std::vector<Import> imports;
  std::vector<Region> scalarChunks;
  uint64_t scalarOffset = 0;
  Region dummy;
  bool completionRegistered = false;
};

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_BINDINGS_H
