//===- MemoryPool.h - Sub-allocating buffers from large blocks --*- C++ -*-===//
//
// A pool of large VkDeviceMemory blocks of one memory type, each bound to one
// VkBuffer spanning it (and, for host-visible memory, mapped persistently),
// from which regions are sub-allocated first-fit with coalescing frees.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_MEMORYPOOL_H
#define QUANT_RUNTIME_VULKAN_MEMORYPOOL_H

#include "Device.h"

#include <map>
#include <memory>
#include <vector>

namespace quant::rt::vk {

struct MemoryBlock;

/// A sub-allocated range of a pool's block.
struct Region {
  VkBuffer buffer = VK_NULL_HANDLE;
  uint64_t offset = 0;
  uint64_t size = 0;
  /// The mapped address of the region's first byte; null when the pool's
  /// memory is not host-visible.
  char *host = nullptr;
  MemoryBlock *block = nullptr;
};

/// Where a pool's memory lives.
enum class PoolKind {
  /// Host-visible and coherent, device-local when possible; mapped.
  HostVisible,
  /// Device-local, mapped only when that memory is host-visible.
  DeviceLocal,
};

/// Blocks of one memory type and the regions allocated from them.
class MemoryPool {
public:
  MemoryPool(const Device &device, PoolKind kind);
  ~MemoryPool();
  MemoryPool(const MemoryPool &) = delete;
  MemoryPool &operator=(const MemoryPool &) = delete;

  /// Allocates `size` bytes (rounded up to 16) whose offset is a multiple of
  /// the device's bind alignment and whose host address (when mapped) is a
  /// multiple of `alignment` (a power of two). Out of memory is fatal. With
  /// QUANT_VK_POISON=1 a mapped region starts as 0xFF bytes (NaN floats), so
  /// a kernel that reads memory nothing wrote fails on any device, not only
  /// where fresh memory happens to hold garbage.
  Region allocate(uint64_t size, uint64_t alignment = 1);
  /// Returns a region to its block; a dedicated block goes back to Vulkan.
  void release(const Region &region);
  /// The block and offset holding host addresses [address, address + bytes)
  /// when they lie in one of the pool's mapped blocks.
  bool lookup(const void *address, uint64_t bytes, Region &result) const;
  /// Whether the memory is mapped (host-visible and coherent).
  bool mapped() const { return hostVisible; }
  /// Whether the memory is device-local.
  bool deviceLocal() const { return isDeviceLocal; }
  /// Frees every block.
  void destroy();

private:
  MemoryBlock *createBlock(uint64_t size, bool dedicated);
  void destroyBlock(MemoryBlock *block);
  Region allocateUninitialized(uint64_t size, uint64_t alignment);
  bool allocateIn(MemoryBlock &block, uint64_t size, uint64_t alignment,
                  Region &region);

  const Device &device;
  PoolKind kind;
  uint32_t memoryType = 0;
  bool hostVisible = false;
  bool isDeviceLocal = false;
  std::vector<std::unique_ptr<MemoryBlock>> blocks;
  /// Mapped blocks by their host address.
  std::map<uintptr_t, MemoryBlock *> byAddress;
};

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_MEMORYPOOL_H
