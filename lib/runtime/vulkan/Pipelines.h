//===- Pipelines.h - Compute pipelines cached per kernel --------*- C++ -*-===//
//
// Checks each kernel's SPIR-V against the device (magic number, SPIR-V
// version, entry point, capabilities) and creates its shader module,
// descriptor set layout (one storage buffer per argument), pipeline layout
// and compute pipeline once, cached by the address of its SPIR-V words.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_PIPELINES_H
#define QUANT_RUNTIME_VULKAN_PIPELINES_H

#include "Device.h"
#include "Profile.h"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace quant::rt::vk {

/// One kernel's Vulkan objects.
struct Kernel {
  std::string entryPoint;
  uint32_t numArgs = 0;
  VkShaderModule module = VK_NULL_HANDLE;
  VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkPipeline pipeline = VK_NULL_HANDLE;
  /// Whether its descriptors are pushed (else allocated from a pool).
  bool pushDescriptors = false;
  /// Its id in the profile.
  uint32_t profileId = 0;
};

/// The kernels created so far.
class Pipelines {
public:
  Pipelines(const Device &device, Profile &profile);
  ~Pipelines();
  Pipelines(const Pipelines &) = delete;
  Pipelines &operator=(const Pipelines &) = delete;

  /// The kernel for `spirv` and `entryPoint`, created on first use; a bad
  /// module or a missing device feature is fatal.
  const Kernel &get(const uint32_t *spirv, int64_t words,
                    const char *entryPoint, int64_t numArgs);
  /// Destroys every pipeline and layout, then the pipeline cache.
  void destroy();

private:
  std::unique_ptr<Kernel> create(const uint32_t *spirv, int64_t words,
                                 const char *entryPoint, int64_t numArgs);
  /// Checks the module for the device; fatal when it cannot run.
  void checkModule(const uint32_t *spirv, int64_t words,
                   const std::string &entryPoint);
  void destroyKernel(Kernel &kernel);

  const Device &device;
  Profile &profile;
  VkPipelineCache cache = VK_NULL_HANDLE;
  std::unordered_map<const uint32_t *, std::vector<std::unique_ptr<Kernel>>>
      kernels;
};

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_PIPELINES_H
