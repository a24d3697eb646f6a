//===- MemoryPool.cpp - Sub-allocating buffers from large blocks ----------===//

#include "MemoryPool.h"
#include "Diagnostics.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace quant::rt::vk;

namespace quant::rt::vk {

/// One VkDeviceMemory, the VkBuffer spanning it and its free ranges.
struct MemoryBlock {
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkBuffer buffer = VK_NULL_HANDLE;
  uint64_t size = 0;
  char *mapped = nullptr;
  /// Holds one large region; returned to Vulkan when that is freed.
  bool dedicated = false;
  /// Free byte ranges: offset -> size.
  std::map<uint64_t, uint64_t> free;
  uint64_t used = 0;
};

} // namespace quant::rt::vk

namespace {

/// The size of a shared block; larger requests get a dedicated block.
constexpr uint64_t kBlockSize = uint64_t(64) << 20;

constexpr VkBufferUsageFlags kBufferUsage =
    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
    VK_BUFFER_USAGE_TRANSFER_DST_BIT;

uint64_t roundUp(uint64_t value, uint64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

/// The buffer usage every block's VkBuffer has, with `size` bytes.
VkBuffer createBuffer(VkDevice device, uint64_t size) {
  VkBufferCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  info.size = size;
  info.usage = kBufferUsage;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buffer = VK_NULL_HANDLE;
  check(vkCreateBuffer(device, &info, nullptr, &buffer), "vkCreateBuffer");
  return buffer;
}

/// The first memory type in `typeBits` with `required`, preferring one that
/// also has `preferred`; -1 when none has `required`.
int findMemoryType(const VkPhysicalDeviceMemoryProperties &memory,
                   uint32_t typeBits, VkMemoryPropertyFlags required,
                   VkMemoryPropertyFlags preferred) {
  int fallback = -1;
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
    if (!(typeBits & (1u << i)))
      continue;
    VkMemoryPropertyFlags flags = memory.memoryTypes[i].propertyFlags;
    if ((flags & required) != required)
      continue;
    if ((flags & preferred) == preferred)
      return int(i);
    if (fallback < 0)
      fallback = int(i);
  }
  return fallback;
}

} // namespace

MemoryPool::MemoryPool(const Device &device, PoolKind kind)
    : device(device), kind(kind) {
  // Every block's buffer has the same usage, so a small probe buffer tells
  // which memory types they accept.
  VkBuffer probe = createBuffer(device.handle, 256);
  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(device.handle, probe, &requirements);
  vkDestroyBuffer(device.handle, probe, nullptr);

  constexpr VkMemoryPropertyFlags kHost = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                          VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int type = kind == PoolKind::HostVisible
                 ? findMemoryType(device.memory, requirements.memoryTypeBits,
                                  kHost, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT)
                 : findMemoryType(device.memory, requirements.memoryTypeBits,
                                  VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
  if (type < 0)
    fatal("Vulkan device '" + device.name + "' has no " +
          (kind == PoolKind::HostVisible ? "host-visible coherent"
                                         : "device-local") +
          " memory for storage buffers");
  memoryType = uint32_t(type);
  VkMemoryPropertyFlags flags =
      device.memory.memoryTypes[memoryType].propertyFlags;
  hostVisible = (flags & kHost) == kHost;
  isDeviceLocal = flags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
}

MemoryPool::~MemoryPool() { destroy(); }

MemoryBlock *MemoryPool::createBlock(uint64_t size, bool dedicated) {
  auto block = std::make_unique<MemoryBlock>();
  block->size = size;
  block->dedicated = dedicated;
  block->buffer = createBuffer(device.handle, size);
  VkMemoryRequirements requirements;
  vkGetBufferMemoryRequirements(device.handle, block->buffer, &requirements);
  VkMemoryAllocateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO;
  info.allocationSize = requirements.size;
  info.memoryTypeIndex = memoryType;
  VkResult result =
      vkAllocateMemory(device.handle, &info, nullptr, &block->memory);
  if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY ||
      result == VK_ERROR_OUT_OF_HOST_MEMORY)
    fatal("out of " +
          std::string(result == VK_ERROR_OUT_OF_DEVICE_MEMORY ? "device"
                                                              : "host") +
          " memory allocating " + std::to_string(requirements.size) +
          " bytes on Vulkan device '" + device.name + "'");
  check(result, "vkAllocateMemory");
  check(vkBindBufferMemory(device.handle, block->buffer, block->memory, 0),
        "vkBindBufferMemory");
  if (hostVisible) {
    void *mapped = nullptr;
    check(vkMapMemory(device.handle, block->memory, 0, VK_WHOLE_SIZE, 0,
                      &mapped),
          "vkMapMemory");
    block->mapped = static_cast<char *>(mapped);
    byAddress[reinterpret_cast<uintptr_t>(mapped)] = block.get();
  }
  block->free[0] = size;
  blocks.push_back(std::move(block));
  return blocks.back().get();
}

void MemoryPool::destroyBlock(MemoryBlock *block) {
  if (block->mapped) {
    byAddress.erase(reinterpret_cast<uintptr_t>(block->mapped));
    vkUnmapMemory(device.handle, block->memory);
  }
  vkDestroyBuffer(device.handle, block->buffer, nullptr);
  vkFreeMemory(device.handle, block->memory, nullptr);
  blocks.erase(std::find_if(blocks.begin(), blocks.end(),
                            [&](const std::unique_ptr<MemoryBlock> &entry) {
                              return entry.get() == block;
                            }));
}

bool MemoryPool::allocateIn(MemoryBlock &block, uint64_t size,
                            uint64_t alignment, Region &region) {
  uint64_t step = device.bindAlignment();
  for (auto it = block.free.begin(); it != block.free.end(); ++it) {
    uint64_t begin = it->first, end = it->first + it->second;
    uint64_t offset = roundUp(begin, step);
    // Step through bind-aligned offsets until the host address is aligned
    // too (at most alignment / step steps when both are powers of two).
    if (block.mapped)
      for (uint64_t tries = 0;
           offset + size <= end &&
           reinterpret_cast<uintptr_t>(block.mapped + offset) % alignment;
           ++tries) {
        if (tries > alignment / step + 1)
          offset = end; // Cannot be aligned in this block.
        else
          offset += step;
      }
    if (offset + size > end)
      continue;
    block.free.erase(it);
    if (offset > begin)
      block.free[begin] = offset - begin;
    if (offset + size < end)
      block.free[offset + size] = end - offset - size;
    block.used += size;
    region.buffer = block.buffer;
    region.offset = offset;
    region.size = size;
    region.host = block.mapped ? block.mapped + offset : nullptr;
    region.block = &block;
    return true;
  }
  return false;
}

/// QUANT_VK_POISON=1: fill fresh regions with 0xFF (MemoryPool::allocate).
static bool poisonRequested() {
  static const bool requested = [] {
    const char *value = std::getenv("QUANT_VK_POISON");
    return value && std::strcmp(value, "1") == 0;
  }();
  return requested;
}

Region MemoryPool::allocate(uint64_t size, uint64_t alignment) {
  Region region = allocateUninitialized(size, alignment);
  if (region.host && poisonRequested())
    std::memset(region.host, 0xFF, region.size);
  return region;
}

Region MemoryPool::allocateUninitialized(uint64_t size, uint64_t alignment) {
  size = roundUp(std::max<uint64_t>(size, 16), 16);
  alignment = std::max<uint64_t>(alignment, device.bindAlignment());
  Region region;
  if (size + alignment <= kBlockSize / 2) {
    for (const std::unique_ptr<MemoryBlock> &block : blocks)
      if (!block->dedicated && allocateIn(*block, size, alignment, region))
        return region;
    if (allocateIn(*createBlock(kBlockSize, false), size, alignment, region))
      return region;
  }
  MemoryBlock *block = createBlock(roundUp(size + alignment, 4096), true);
  if (!allocateIn(*block, size, alignment, region))
    fatal("cannot align a " + std::to_string(size) + "-byte buffer to " +
          std::to_string(alignment) + " bytes");
  return region;
}

void MemoryPool::release(const Region &region) {
  MemoryBlock &block = *region.block;
  block.used -= region.size;
  if (block.dedicated && block.used == 0) {
    destroyBlock(&block);
    return;
  }
  uint64_t offset = region.offset, size = region.size;
  auto next = block.free.lower_bound(offset);
  if (next != block.free.end() && next->first == offset + size) {
    size += next->second;
    next = block.free.erase(next);
  }
  if (next != block.free.begin()) {
    auto previous = std::prev(next);
    if (previous->first + previous->second == offset) {
      previous->second += size;
      return;
    }
  }
  block.free[offset] = size;
}

bool MemoryPool::lookup(const void *address, uint64_t bytes,
                        Region &result) const {
  uintptr_t at = reinterpret_cast<uintptr_t>(address);
  auto it = byAddress.upper_bound(at);
  if (it == byAddress.begin())
    return false;
  --it;
  const MemoryBlock &block = *it->second;
  uint64_t offset = at - it->first;
  if (offset >= block.size || bytes > block.size - offset)
    return false;
  result.buffer = block.buffer;
  result.offset = offset;
  result.size = bytes;
  result.host = block.mapped + offset;
  result.block = it->second;
  return true;
}

void MemoryPool::destroy() {
  while (!blocks.empty())
    destroyBlock(blocks.back().get());
}
