//===- Api.cpp - The C ABI generated host code calls ----------------------===//
//
// qrt_vk_dispatch, qrt_vk_sync, qrt_vk_take_gpu_ms and the MLIR memref
// allocation functions. Each takes the runtime lock; no exception leaves
// them (an unexpected one is a one-line fatal error).
//
//===----------------------------------------------------------------------===//

#include "Diagnostics.h"
#include "Runtime.h"

#include "quant/runtime/Vulkan.h"

#include <algorithm>
#include <cstdlib>

#include <new>

using namespace quant::rt::vk;

namespace {

/// Runs `body` under the runtime lock, turning exceptions into fatal errors.
template <typename Body> auto guarded(const char *function, Body body) {
  try {
    std::lock_guard<std::recursive_mutex> lock(runtimeMutex());
    return body();
  } catch (const std::bad_alloc &) {
    fatal(std::string("out of host memory in ") + function);
  } catch (const std::exception &error) {
    fatal(std::string("internal error in ") + function + ": " + error.what());
  } catch (...) {
    fatal(std::string("internal error in ") + function);
  }
}

void dispatch(const uint32_t *spirv, int64_t words, const char *entryPoint,
              const int64_t groupCounts[3], const int64_t *args,
              int64_t numArgs) {
  Runtime &runtime = Runtime::get();
  const Kernel &kernel =
      runtime.pipelines->get(spirv, words, entryPoint, numArgs);
  uint32_t groups[3];
  for (int axis = 0; axis < 3; ++axis) {
    int64_t count = groupCounts[axis];
    uint32_t limit = runtime.device.limits.maxComputeWorkGroupCount[axis];
    if (count < 0 || count > int64_t(limit))
      fatal("kernel " + kernel.entryPoint + ": " + std::to_string(count) +
            " workgroups along " + "xyz"[axis] + " (the Vulkan device allows " +
            std::to_string(limit) + ")");
    groups[axis] = uint32_t(count);
  }
  if (numArgs > 0 && !args)
    fatal("kernel " + kernel.entryPoint + ": null argument array");
  if (groups[0] == 0 || groups[1] == 0 || groups[2] == 0)
    return;
  runtime.stream->reserveDispatch();
  BindingPlan plan = runtime.bindings->plan(args, numArgs);
  if (plan.flushBefore)
    runtime.stream->flush();
  std::vector<VkDescriptorBufferInfo> buffers =
      runtime.bindings->resolve(kernel.entryPoint, args, numArgs);
  runtime.stream->dispatch(kernel, groups, buffers);
  if (plan.synchronous)
    runtime.stream->flush();
}

void *allocate(size_t alignment, size_t size) {
  if (alignment == 0 || (alignment & (alignment - 1)))
    fatal("_mlir_memref_to_llvm_aligned_alloc: alignment " +
          std::to_string(alignment) + " is not a power of two");
  Runtime &runtime = Runtime::get();
  Region region = runtime.hostPool->allocate(size, alignment);
  runtime.allocations[region.host] = region;
  return region.host;
}

void release(void *pointer) {
  Runtime *runtime = Runtime::current();
  if (!pointer || !runtime)
    return;
  auto found = runtime->allocations.find(pointer);
  if (found == runtime->allocations.end())
    fatal("_mlir_memref_to_llvm_free: the Vulkan runtime did not allocate " +
          std::string("this pointer"));
  Region region = found->second;
  runtime->allocations.erase(found);
  if (!runtime->stream->pending()) {
    runtime->hostPool->release(region);
    return;
  }
  // Pending shaders may still use the memory.
  MemoryPool *pool = runtime->hostPool.get();
  runtime->stream->onComplete([pool, region] { pool->release(region); });
}

} // namespace

extern "C" void qrt_vk_dispatch(const uint32_t *spirv, int64_t spirv_words,
                                const char *entry_point, int64_t groups_x,
                                int64_t groups_y, int64_t groups_z,
                                const int64_t *args, int64_t num_args) {
  const int64_t groups[3] = {groups_x, groups_y, groups_z};
  guarded("qrt_vk_dispatch", [&] {
    dispatch(spirv, spirv_words, entry_point, groups, args, num_args);
  });
}

extern "C" void qrt_vk_sync(void) {
  guarded("qrt_vk_sync", [] {
    if (Runtime *runtime = Runtime::current())
      runtime->sync();
  });
}

extern "C" double qrt_vk_take_gpu_ms(void) {
  return guarded("qrt_vk_take_gpu_ms", [] {
    Runtime *runtime = Runtime::current();
    if (!runtime)
      return 0.0;
    double ms = runtime->gpuMsUntaken;
    runtime->gpuMsUntaken = 0;
    return ms;
  });
}

extern "C" int64_t qrt_vk_max_buffer_bytes(void) {
  // Called before every matmul launch: the limit (and the environment) is
  // read once per runtime.
  return guarded("qrt_vk_max_buffer_bytes", [] {
    Runtime &runtime = Runtime::get();
    if (runtime.maxWeightBytes > 0)
      return runtime.maxWeightBytes;
    int64_t limit = int64_t(runtime.device.limits.maxStorageBufferRange);
    if (const char *text = std::getenv("QUANT_VK_MAX_WEIGHT_BYTES")) {
      char *end = nullptr;
      long long value = std::strtoll(text, &end, 10);
      if (end == text || *end != '\0' || value < 1)
        fatal(std::string("QUANT_VK_MAX_WEIGHT_BYTES must be a positive byte "
                          "count, not '") +
              text + "'");
      limit = std::min<int64_t>(limit, value);
    }
    runtime.maxWeightBytes = limit;
    return limit;
  });
}

extern "C" void qrt_vk_register_constant(const void *data, uint64_t bytes) {
  guarded("qrt_vk_register_constant", [&] {
    Runtime::get().bindings->addConstantRange(uintptr_t(data), bytes);
  });
}

extern "C" void *_mlir_memref_to_llvm_alloc(size_t size) {
  return guarded("_mlir_memref_to_llvm_alloc",
                 [&] { return allocate(1, size); });
}

extern "C" void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment,
                                                    size_t size) {
  return guarded("_mlir_memref_to_llvm_aligned_alloc",
                 [&] { return allocate(alignment, size); });
}

extern "C" void _mlir_memref_to_llvm_free(void *ptr) {
  guarded("_mlir_memref_to_llvm_free", [&] { release(ptr); });
}
