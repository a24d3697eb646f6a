//===- Runtime.h - The process-wide Vulkan runtime state --------*- C++ -*-===//
//
// The instance, device, memory, pipelines and command stream, created on
// first use (or eagerly by qrt_vk_main) and torn down by shutdown() or, at
// process exit, by an exit handler that also turns validation messages into
// exit code 3. Callers hold runtimeMutex() while they use it.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_RUNTIME_H
#define QUANT_RUNTIME_VULKAN_RUNTIME_H

#include "Bindings.h"
#include "CommandStream.h"
#include "Device.h"
#include "Instance.h"
#include "MemoryPool.h"
#include "Pipelines.h"
#include "Profile.h"

#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace quant::rt::vk {

/// Everything the runtime created.
class Runtime {
public:
  /// The runtime, created on first use; a failure is fatal.
  static Runtime &get();
  /// The runtime if it exists.
  static Runtime *current();
  /// Sets the device index the runtime will use (from --device); without
  /// one, QUANT_VK_DEVICE or the preferred device is used.
  static void requestDevice(std::optional<size_t> index);
  /// Waits for pending work, prints the profile (QUANT_VK_PROFILE=1) and
  /// destroys everything, in dependency order.
  static void shutdown();
  /// Prints one line per device (--list-devices); returns the exit code.
  static int listDevices();
  /// Tells the exit handler that the exit code already accounts for
  /// validation messages.
  static void exitCodeHandled();

  /// Waits for all work; the GPU time of what completed is added to
  /// gpuMsUntaken (see qrt_vk_take_gpu_ms).
  void sync();

  Instance instance;
  Device device;
  Profile profile{profileRequested()};
  std::unique_ptr<MemoryPool> hostPool;
  std::unique_ptr<Pipelines> pipelines;
  std::unique_ptr<CommandStream> stream;
  std::unique_ptr<Bindings> bindings;
  /// Live _mlir_memref_to_llvm_alloc allocations by address.
  std::unordered_map<void *, Region> allocations;
  double gpuMsUntaken = 0;
  /// qrt_vk_max_buffer_bytes's answer, once computed (0: not yet).
  int64_t maxWeightBytes = 0;

private:
  Runtime();
  ~Runtime();
};

/// Guards the runtime (recursive: fatal errors exit while holding it).
std::recursive_mutex &runtimeMutex();

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_RUNTIME_H
