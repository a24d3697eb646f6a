//===- Bindings.cpp - Kernel arguments as storage buffer ranges -----------===//

#include "Bindings.h"
#include "Diagnostics.h"

#include "quant/runtime/Vulkan.h"

#include <cstring>

using namespace quant::rt::vk;

namespace {

/// Scalar slots per arena chunk.
constexpr uint64_t kScalarsPerChunk = 256;

uint64_t roundUp(uint64_t value, uint64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

/// The slots of argument i.
struct Arg {
  uintptr_t address;
  uint64_t bytes;
  int64_t flags;
  int64_t scalar;
};

Arg argAt(const int64_t *args, int64_t i) {
  return {uintptr_t(args[4 * i]), uint64_t(args[4 * i + 1]), args[4 * i + 2],
          args[4 * i + 3]};
}

bool overlaps(uintptr_t a, uint64_t aBytes, uintptr_t b, uint64_t bBytes) {
  return a < b + bBytes && b < a + aBytes;
}

} // namespace

Bindings::Bindings(const Device &device, MemoryPool &hostPool,
                   CommandStream &stream)
    : device(device), hostPool(hostPool), stream(stream) {
  forceStaging = device.forceFallbacks;
  dummy = hostPool.allocate(16);
  std::memset(dummy.host, 0, 16);
}

Bindings::~Bindings() { destroy(); }

bool Bindings::bindableOwn(uintptr_t address, uint64_t bytes,
                           Region &region) const {
  return hostPool.lookup(reinterpret_cast<const void *>(address),
                         roundUp(bytes, 4), region) &&
         region.offset % device.limits.minStorageBufferOffsetAlignment == 0;
}

void Bindings::addConstantRange(uintptr_t address, uint64_t bytes) {
  constantRanges.emplace_back(address, bytes);
}

bool Bindings::isConstant(uintptr_t address, uint64_t bytes,
                          int64_t flags) const {
  if (flags & QRT_VK_ARG_CONSTANT)
    return true;
  for (auto [start, size] : constantRanges)
    if (address >= start && address - start <= size &&
        bytes <= size - (address - start))
      return true;
  return false;
}

BindingPlan Bindings::plan(const int64_t *args, int64_t numArgs) const {
  BindingPlan result;
  for (int64_t i = 0; i < numArgs; ++i) {
    Arg arg = argAt(args, i);
    if ((arg.flags & QRT_VK_ARG_SCALAR) || arg.bytes == 0)
      continue;
    Region region;
    if (bindableOwn(arg.address, arg.bytes, region))
      continue;
    if (hostPool.lookup(reinterpret_cast<const void *>(arg.address), 1,
                        region)) {
      // Own memory the device cannot bind in place.
      result.synchronous = true;
      result.flushBefore = stream.pending();
      continue;
    }
    if (isConstant(arg.address, arg.bytes, arg.flags))
      continue;
    bool written = arg.flags & QRT_VK_ARG_WRITTEN;
    for (const Import &import : imports) {
      if (import.address == arg.address && import.bytes == arg.bytes)
        continue;
      if ((written || import.written) &&
          overlaps(import.address, import.bytes, arg.address, arg.bytes))
        result.flushBefore = true;
    }
  }
  return result;
}

std::vector<VkDescriptorBufferInfo>
Bindings::resolve(const std::string &kernel, const int64_t *args,
                  int64_t numArgs) {
  std::vector<VkDescriptorBufferInfo> buffers(static_cast<size_t>(numArgs));
  for (int64_t i = 0; i < numArgs; ++i) {
    Arg arg = argAt(args, i);
    if (arg.flags & QRT_VK_ARG_SCALAR) {
      buffers[i] = scalar(int32_t(uint32_t(uint64_t(arg.scalar))));
      continue;
    }
    if (arg.bytes == 0) {
      buffers[i] = {dummy.buffer, dummy.offset, 16};
      continue;
    }
    if (args[4 * i + 1] < 0)
      fatal("kernel " + kernel + " argument " + std::to_string(i) +
            ": negative buffer size " + std::to_string(args[4 * i + 1]));
    uint64_t range = roundUp(arg.bytes, 4);
    if (range > device.limits.maxStorageBufferRange)
      fatal("kernel " + kernel + " argument " + std::to_string(i) +
            ": a buffer of " + std::to_string(arg.bytes) +
            " bytes exceeds the Vulkan device's maxStorageBufferRange (" +
            std::to_string(device.limits.maxStorageBufferRange) + " bytes)");
    if (arg.address == 0)
      fatal("kernel " + kernel + " argument " + std::to_string(i) +
            ": null buffer of " + std::to_string(arg.bytes) + " bytes");
    Region region;
    if (bindableOwn(arg.address, arg.bytes, region))
      buffers[i] = {region.buffer, region.offset, range};
    else if (isConstant(arg.address, arg.bytes, arg.flags) &&
             !hostPool.lookup(reinterpret_cast<const void *>(arg.address), 1,
                              region))
      buffers[i] = constant(arg.address, arg.bytes);
    else
      buffers[i] =
          import(arg.address, arg.bytes, arg.flags & QRT_VK_ARG_WRITTEN);
  }
  return buffers;
}

VkDescriptorBufferInfo Bindings::scalar(int32_t value) {
  uint64_t slot = device.bindAlignment();
  if (scalarChunks.empty() ||
      scalarOffset + slot > scalarChunks.back().size) {
    scalarChunks.push_back(hostPool.allocate(slot * kScalarsPerChunk));
    scalarOffset = 0;
  }
  needCompletion();
  const Region &chunk = scalarChunks.back();
  std::memset(chunk.host + scalarOffset, 0, 16);
  std::memcpy(chunk.host + scalarOffset, &value, sizeof(value));
  VkDescriptorBufferInfo info{chunk.buffer, chunk.offset + scalarOffset, 4};
  scalarOffset += slot;
  return info;
}

VkDescriptorBufferInfo Bindings::constant(uintptr_t address, uint64_t bytes) {
  uint64_t range = roundUp(bytes, 4);
  auto key = std::make_pair(address, bytes);
  auto found = constants.find(key);
  if (found != constants.end())
    return {found->second.buffer, found->second.offset, range};

  const void *source = reinterpret_cast<const void *>(address);
  if (!devicePool && (forceStaging || !hostPool.deviceLocal()))
    devicePool = std::make_unique<MemoryPool>(device, PoolKind::DeviceLocal);
  MemoryPool &pool = devicePool ? *devicePool : hostPool;
  Region region = pool.allocate(bytes);
  if (pool.mapped() && !forceStaging) {
    std::memcpy(region.host, source, bytes);
    std::memset(region.host + bytes, 0, region.size - bytes);
  } else {
    Region staging = hostPool.allocate(bytes);
    std::memcpy(staging.host, source, bytes);
    std::memset(staging.host + bytes, 0, staging.size - bytes);
    stream.copyNow(staging.buffer, staging.offset, region.buffer,
                   region.offset, region.size);
    hostPool.release(staging);
  }
  constants[key] = region;
  return {region.buffer, region.offset, range};
}

VkDescriptorBufferInfo Bindings::import(uintptr_t address, uint64_t bytes,
                                        bool written) {
  uint64_t range = roundUp(bytes, 4);
  for (Import &existing : imports)
    if (existing.address == address && existing.bytes == bytes) {
      existing.written = existing.written || written;
      return {existing.region.buffer, existing.region.offset, range};
    }
  Import entry{address, bytes, hostPool.allocate(bytes), written};
  std::memcpy(entry.region.host, reinterpret_cast<const void *>(address),
              bytes);
  std::memset(entry.region.host + bytes, 0, entry.region.size - bytes);
  imports.push_back(entry);
  needCompletion();
  return {entry.region.buffer, entry.region.offset, range};
}

void Bindings::needCompletion() {
  if (completionRegistered)
    return;
  completionRegistered = true;
  stream.onComplete([this] { completeBatch(); });
}

void Bindings::completeBatch() {
  completionRegistered = false;
  for (const Import &import : imports) {
    if (import.written)
      std::memcpy(reinterpret_cast<void *>(import.address),
                  import.region.host, import.bytes);
    hostPool.release(import.region);
  }
  imports.clear();
  // Keep one arena chunk for the next batch.
  while (scalarChunks.size() > 1) {
    hostPool.release(scalarChunks.back());
    scalarChunks.pop_back();
  }
  scalarOffset = 0;
}

void Bindings::destroy() {
  for (auto &entry : constants) {
    MemoryPool &pool = devicePool ? *devicePool : hostPool;
    pool.release(entry.second);
  }
  constants.clear();
  for (const Region &chunk : scalarChunks)
    hostPool.release(chunk);
  scalarChunks.clear();
  if (dummy.block)
    hostPool.release(dummy);
  dummy = Region();
  if (devicePool)
    devicePool->destroy();
  devicePool.reset();
}
