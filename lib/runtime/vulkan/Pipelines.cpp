//===- Pipelines.cpp - Compute pipelines cached per kernel ----------------===//

#include "Pipelines.h"
#include "Capabilities.h"
#include "Diagnostics.h"
#include "SpirvModule.h"

#include <algorithm>
#include <cstring>

using namespace quant::rt::vk;

Pipelines::Pipelines(const Device &device, Profile &profile)
    : device(device), profile(profile) {
  VkPipelineCacheCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
  check(vkCreatePipelineCache(device.handle, &info, nullptr, &cache),
        "vkCreatePipelineCache");
}

Pipelines::~Pipelines() { destroy(); }

const Kernel &Pipelines::get(const uint32_t *spirv, int64_t words,
                             const char *entryPoint, int64_t numArgs) {
  std::vector<std::unique_ptr<Kernel>> &candidates = kernels[spirv];
  for (const std::unique_ptr<Kernel> &kernel : candidates)
    if (kernel->entryPoint == entryPoint) {
      if (int64_t(kernel->numArgs) != numArgs)
        fatal("kernel " + kernel->entryPoint + " dispatched with " +
              std::to_string(numArgs) + " arguments, earlier with " +
              std::to_string(kernel->numArgs));
      return *kernel;
    }
  candidates.push_back(create(spirv, words, entryPoint, numArgs));
  return *candidates.back();
}

void Pipelines::checkModule(const uint32_t *spirv, int64_t words,
                            const std::string &entryPoint) {
  SpirvModuleInfo info;
  std::string error;
  if (!parseSpirvModule(spirv, words, info, error))
    fatal("kernel " + entryPoint + ": " + error);
  if (std::find(info.computeEntryPoints.begin(), info.computeEntryPoints.end(),
                entryPoint) == info.computeEntryPoints.end())
    fatal("kernel " + entryPoint +
          ": the SPIR-V module has no GLCompute entry point of that name");
  if (info.version > device.features.maxSpirvVersion)
    fatal("Vulkan device '" + device.name + "' accepts SPIR-V up to " +
          spirvVersionName(device.features.maxSpirvVersion) + ", kernel " +
          entryPoint + " is SPIR-V " + spirvVersionName(info.version));
  for (uint32_t capability : info.capabilities) {
    std::string missing = missingFeatureFor(capability, device.features);
    if (!missing.empty())
      fatal("Vulkan device '" + device.name + "' lacks " + missing +
            " needed by kernel " + entryPoint);
  }
}

std::unique_ptr<Kernel> Pipelines::create(const uint32_t *spirv,
                                          int64_t words,
                                          const char *entryPoint,
                                          int64_t numArgs) {
  auto kernel = std::make_unique<Kernel>();
  kernel->entryPoint = entryPoint ? entryPoint : "";
  if (kernel->entryPoint.empty())
    fatal("a kernel was dispatched without an entry point name");
  checkModule(spirv, words, kernel->entryPoint);
  if (numArgs < 0 ||
      uint64_t(numArgs) > device.limits.maxPerStageDescriptorStorageBuffers)
    fatal("kernel " + kernel->entryPoint + " has " + std::to_string(numArgs) +
          " arguments; the Vulkan device allows " +
          std::to_string(device.limits.maxPerStageDescriptorStorageBuffers) +
          " storage buffers per shader");
  kernel->numArgs = uint32_t(numArgs);
  kernel->pushDescriptors = device.pushDescriptorSet && numArgs > 0 &&
                            uint64_t(numArgs) <= device.maxPushDescriptors;
  kernel->profileId = profile.kernelId(kernel->entryPoint);

  VkShaderModuleCreateInfo moduleInfo{};
  moduleInfo.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  moduleInfo.codeSize = size_t(words) * sizeof(uint32_t);
  moduleInfo.pCode = spirv;
  check(vkCreateShaderModule(device.handle, &moduleInfo, nullptr,
                             &kernel->module),
        "vkCreateShaderModule");

  std::vector<VkDescriptorSetLayoutBinding> bindings(kernel->numArgs);
  for (uint32_t i = 0; i < kernel->numArgs; ++i) {
    bindings[i] = VkDescriptorSetLayoutBinding{};
    bindings[i].binding = i;
    bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo setInfo{};
  setInfo.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  if (kernel->pushDescriptors)
    setInfo.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR;
  setInfo.bindingCount = kernel->numArgs;
  setInfo.pBindings = bindings.data();
  check(vkCreateDescriptorSetLayout(device.handle, &setInfo, nullptr,
                                    &kernel->setLayout),
        "vkCreateDescriptorSetLayout");

  VkPipelineLayoutCreateInfo layoutInfo{};
  layoutInfo.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layoutInfo.setLayoutCount = 1;
  layoutInfo.pSetLayouts = &kernel->setLayout;
  check(vkCreatePipelineLayout(device.handle, &layoutInfo, nullptr,
                               &kernel->layout),
        "vkCreatePipelineLayout");

  VkComputePipelineCreateInfo pipelineInfo{};
  pipelineInfo.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  pipelineInfo.stage.sType =
      VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  pipelineInfo.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pipelineInfo.stage.module = kernel->module;
  pipelineInfo.stage.pName = kernel->entryPoint.c_str();
  pipelineInfo.layout = kernel->layout;
  check(vkCreateComputePipelines(device.handle, cache, 1, &pipelineInfo,
                                 nullptr, &kernel->pipeline),
        "vkCreateComputePipelines");
  return kernel;
}

void Pipelines::destroyKernel(Kernel &kernel) {
  vkDestroyPipeline(device.handle, kernel.pipeline, nullptr);
  vkDestroyPipelineLayout(device.handle, kernel.layout, nullptr);
  vkDestroyDescriptorSetLayout(device.handle, kernel.setLayout, nullptr);
  vkDestroyShaderModule(device.handle, kernel.module, nullptr);
}

void Pipelines::destroy() {
  for (auto &entry : kernels)
    for (std::unique_ptr<Kernel> &kernel : entry.second)
      destroyKernel(*kernel);
  kernels.clear();
  if (cache)
    vkDestroyPipelineCache(device.handle, cache, nullptr);
  cache = VK_NULL_HANDLE;
}
