//===- CommandStream.h - Recording, submitting and timing dispatches -*- C++ -*-===//
//
// Dispatches are recorded into one command buffer (a batch), each preceded by
// a compute/transfer-to-compute memory barrier so it sees the writes of the
// earlier ones, and bracketed by timestamps. flush() ends the batch with a
// compute-to-host barrier, submits it, waits on a fence, reads the
// timestamps and then runs the batch's completion actions (copy-backs of
// imported buffers, deferred frees).
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_COMMANDSTREAM_H
#define QUANT_RUNTIME_VULKAN_COMMANDSTREAM_H

#include "Pipelines.h"
#include "Profile.h"

#include <functional>
#include <vector>

namespace quant::rt::vk {

/// The batch being recorded and the objects used to run it.
class CommandStream {
public:
  CommandStream(const Device &device, Profile &profile);
  ~CommandStream();
  CommandStream(const CommandStream &) = delete;
  CommandStream &operator=(const CommandStream &) = delete;

  /// Flushes first when the batch cannot take one more dispatch (its
  /// timestamp queries are used up). Call before preparing a dispatch's
  /// arguments.
  void reserveDispatch();
  /// Records `kernel` over the given workgroup counts with `buffers` bound
  /// at bindings 0..n-1.
  void dispatch(const Kernel &kernel, const uint32_t groups[3],
                const std::vector<VkDescriptorBufferInfo> &buffers);
  /// Runs `action` at the next flush, once the work recorded until then has
  /// completed.
  void onComplete(std::function<void()> action);
  /// Whether dispatches are recorded but not yet complete.
  bool pending() const { return recording; }
  /// Submits the batch (if any), waits for it and runs the completion
  /// actions.
  void flush();
  /// Copies `bytes` bytes between buffers now (submit and wait), outside
  /// the batch.
  void copyNow(VkBuffer source, uint64_t sourceOffset, VkBuffer target,
               uint64_t targetOffset, uint64_t bytes);
  /// The GPU milliseconds of the batches completed since the last call.
  double takeGpuMs();
  /// Destroys the stream's objects (nothing may be pending).
  void destroy();

private:
  void begin();
  void submitBatch();
  VkDescriptorSet allocateSet(VkDescriptorSetLayout layout);
  void readTimestamps();
  void submitAndWait(VkCommandBuffer commands);

  const Device &device;
  Profile &profile;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkCommandBuffer commands = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  VkQueryPool queries = VK_NULL_HANDLE;
  std::vector<VkDescriptorPool> descriptorPools;
  size_t currentDescriptorPool = 0;
  bool recording = false;
  /// The profile ids of the timed dispatches of the batch.
  std::vector<uint32_t> timedKernels;
  std::vector<std::function<void()>> completionActions;
  double gpuMs = 0;
};

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_COMMANDSTREAM_H
