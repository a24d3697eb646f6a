//===- CommandStream.cpp - Recording, submitting and timing dispatches ----===//

#include "CommandStream.h"
#include "Diagnostics.h"

#include <chrono>
#include <cstdint>

using namespace quant::rt::vk;

namespace {

/// Timed dispatches per batch; the batch is flushed when they run out.
constexpr uint32_t kMaxTimedDispatches = 1024;
/// Descriptor sets (and storage buffers per set) of one fallback pool.
constexpr uint32_t kSetsPerPool = 256;
constexpr uint32_t kBuffersPerPool = kSetsPerPool * 16;

} // namespace

CommandStream::CommandStream(const Device &device, Profile &profile)
    : device(device), profile(profile) {
  VkCommandPoolCreateInfo poolInfo{};
  poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO;
  poolInfo.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  poolInfo.queueFamilyIndex = device.queueFamily;
  check(vkCreateCommandPool(device.handle, &poolInfo, nullptr, &pool),
        "vkCreateCommandPool");
  VkCommandBufferAllocateInfo bufferInfo{};
  bufferInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  bufferInfo.commandPool = pool;
  bufferInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  bufferInfo.commandBufferCount = 1;
  check(vkAllocateCommandBuffers(device.handle, &bufferInfo, &commands),
        "vkAllocateCommandBuffers");
  VkFenceCreateInfo fenceInfo{};
  fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO;
  check(vkCreateFence(device.handle, &fenceInfo, nullptr, &fence),
        "vkCreateFence");
  if (device.timestampValidBits) {
    VkQueryPoolCreateInfo queryInfo{};
    queryInfo.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO;
    queryInfo.queryType = VK_QUERY_TYPE_TIMESTAMP;
    queryInfo.queryCount = 2 * kMaxTimedDispatches;
    check(vkCreateQueryPool(device.handle, &queryInfo, nullptr, &queries),
          "vkCreateQueryPool");
  }
}

CommandStream::~CommandStream() { destroy(); }

void CommandStream::begin() {
  VkCommandBufferBeginInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  info.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(commands, &info), "vkBeginCommandBuffer");
  if (queries)
    vkCmdResetQueryPool(commands, queries, 0, 2 * kMaxTimedDispatches);
  recording = true;
}

void CommandStream::reserveDispatch() {
  if (recording && timedKernels.size() >= kMaxTimedDispatches)
    flush();
}

VkDescriptorSet CommandStream::allocateSet(VkDescriptorSetLayout layout) {
  for (;; ++currentDescriptorPool) {
    bool fresh = currentDescriptorPool == descriptorPools.size();
    if (fresh) {
      VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                kBuffersPerPool};
      VkDescriptorPoolCreateInfo info{};
      info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
      info.maxSets = kSetsPerPool;
      info.poolSizeCount = 1;
      info.pPoolSizes = &size;
      VkDescriptorPool created = VK_NULL_HANDLE;
      check(vkCreateDescriptorPool(device.handle, &info, nullptr, &created),
            "vkCreateDescriptorPool");
      descriptorPools.push_back(created);
    }
    VkDescriptorSetAllocateInfo info{};
    info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO;
    info.descriptorPool = descriptorPools[currentDescriptorPool];
    info.descriptorSetCount = 1;
    info.pSetLayouts = &layout;
    VkDescriptorSet set = VK_NULL_HANDLE;
    VkResult result = vkAllocateDescriptorSets(device.handle, &info, &set);
    if (result == VK_SUCCESS)
      return set;
    // A full pool sends us to the next one; a fresh one must not fail.
    if (fresh || (result != VK_ERROR_OUT_OF_POOL_MEMORY &&
                  result != VK_ERROR_FRAGMENTED_POOL))
      check(result, "vkAllocateDescriptorSets");
  }
}

void CommandStream::dispatch(const Kernel &kernel, const uint32_t groups[3],
                             const std::vector<VkDescriptorBufferInfo> &buffers) {
  if (!recording)
    begin();
  // Earlier dispatches and buffer copies happen before this one, and their
  // writes are visible to it; its writes wait for their reads.
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT |
                          VK_ACCESS_SHADER_READ_BIT |
                          VK_ACCESS_TRANSFER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
  vkCmdPipelineBarrier(commands,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                           VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &barrier, 0,
                       nullptr, 0, nullptr);
  uint32_t query = uint32_t(2 * timedKernels.size());
  if (queries)
    vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        queries, query);
  vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, kernel.pipeline);
  if (kernel.numArgs > 0) {
    std::vector<VkWriteDescriptorSet> writes(kernel.numArgs);
    VkDescriptorSet set = VK_NULL_HANDLE;
    if (!kernel.pushDescriptors)
      set = allocateSet(kernel.setLayout);
    for (uint32_t i = 0; i < kernel.numArgs; ++i) {
      writes[i] = VkWriteDescriptorSet{};
      writes[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
      writes[i].dstSet = set;
      writes[i].dstBinding = i;
      writes[i].descriptorCount = 1;
      writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      writes[i].pBufferInfo = &buffers[i];
    }
    if (kernel.pushDescriptors) {
      device.pushDescriptorSet(commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                               kernel.layout, 0, kernel.numArgs,
                               writes.data());
    } else {
      vkUpdateDescriptorSets(device.handle, kernel.numArgs, writes.data(), 0,
                             nullptr);
      vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE,
                              kernel.layout, 0, 1, &set, 0, nullptr);
    }
  }
  vkCmdDispatch(commands, groups[0], groups[1], groups[2]);
  if (queries)
    vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        queries, query + 1);
  timedKernels.push_back(kernel.profileId);
}

void CommandStream::onComplete(std::function<void()> action) {
  completionActions.push_back(std::move(action));
}

void CommandStream::submitAndWait(VkCommandBuffer buffer) {
  VkSubmitInfo submit{};
  submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO;
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &buffer;
  check(vkQueueSubmit(device.queue, 1, &submit, fence), "vkQueueSubmit");
  check(vkWaitForFences(device.handle, 1, &fence, VK_TRUE, UINT64_MAX),
        "vkWaitForFences");
  check(vkResetFences(device.handle, 1, &fence), "vkResetFences");
}

void CommandStream::flush() {
  if (recording)
    submitBatch();
  std::vector<std::function<void()>> actions;
  actions.swap(completionActions);
  for (std::function<void()> &action : actions)
    action();
}

void CommandStream::submitBatch() {
  // The shaders' writes become visible to the host.
  VkMemoryBarrier barrier{};
  barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER;
  barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  barrier.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_HOST_WRITE_BIT;
  vkCmdPipelineBarrier(commands, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, nullptr,
                       0, nullptr);
  check(vkEndCommandBuffer(commands), "vkEndCommandBuffer");
  auto start = std::chrono::steady_clock::now();
  submitAndWait(commands);
  profile.addSubmission(
      timedKernels.size(),
      std::chrono::duration<double, std::milli>(
          std::chrono::steady_clock::now() - start)
          .count());
  recording = false;
  readTimestamps();
  check(vkResetCommandBuffer(commands, 0), "vkResetCommandBuffer");
  for (VkDescriptorPool descriptorPool : descriptorPools)
    check(vkResetDescriptorPool(device.handle, descriptorPool, 0),
          "vkResetDescriptorPool");
  currentDescriptorPool = 0;
}

void CommandStream::readTimestamps() {
  size_t count = timedKernels.size();
  if (queries && count > 0) {
    std::vector<uint64_t> ticks(2 * count);
    check(vkGetQueryPoolResults(device.handle, queries, 0, uint32_t(2 * count),
                                ticks.size() * sizeof(uint64_t), ticks.data(),
                                sizeof(uint64_t),
                                VK_QUERY_RESULT_64_BIT |
                                    VK_QUERY_RESULT_WAIT_BIT),
          "vkGetQueryPoolResults");
    uint64_t mask = device.timestampValidBits >= 64
                        ? ~uint64_t(0)
                        : (uint64_t(1) << device.timestampValidBits) - 1;
    for (size_t i = 0; i < count; ++i) {
      uint64_t elapsed = (ticks[2 * i + 1] - ticks[2 * i]) & mask;
      double ms = double(elapsed) * double(device.timestampPeriod) * 1e-6;
      profile.add(timedKernels[i], ms);
      gpuMs += ms;
    }
  }
  timedKernels.clear();
}

void CommandStream::copyNow(VkBuffer source, uint64_t sourceOffset,
                            VkBuffer target, uint64_t targetOffset,
                            uint64_t bytes) {
  VkCommandBufferAllocateInfo allocateInfo{};
  allocateInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO;
  allocateInfo.commandPool = pool;
  allocateInfo.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  allocateInfo.commandBufferCount = 1;
  VkCommandBuffer copy = VK_NULL_HANDLE;
  check(vkAllocateCommandBuffers(device.handle, &allocateInfo, &copy),
        "vkAllocateCommandBuffers");
  VkCommandBufferBeginInfo beginInfo{};
  beginInfo.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO;
  beginInfo.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(copy, &beginInfo), "vkBeginCommandBuffer");
  VkBufferCopy region{sourceOffset, targetOffset, bytes};
  vkCmdCopyBuffer(copy, source, target, 1, &region);
  check(vkEndCommandBuffer(copy), "vkEndCommandBuffer");
  submitAndWait(copy);
  vkFreeCommandBuffers(device.handle, pool, 1, &copy);
}

double CommandStream::takeGpuMs() {
  double result = gpuMs;
  gpuMs = 0;
  return result;
}

void CommandStream::destroy() {
  for (VkDescriptorPool descriptorPool : descriptorPools)
    vkDestroyDescriptorPool(device.handle, descriptorPool, nullptr);
  descriptorPools.clear();
  if (queries)
    vkDestroyQueryPool(device.handle, queries, nullptr);
  queries = VK_NULL_HANDLE;
  if (fence)
    vkDestroyFence(device.handle, fence, nullptr);
  fence = VK_NULL_HANDLE;
  if (pool)
    vkDestroyCommandPool(device.handle, pool, nullptr);
  pool = VK_NULL_HANDLE;
  commands = VK_NULL_HANDLE;
}

