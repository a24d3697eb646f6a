//===- Runtime.cpp - The process-wide Vulkan runtime state ----------------===//

#include "Runtime.h"
#include "Diagnostics.h"
#include "PhysicalDevices.h"

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

using namespace quant::rt::vk;

namespace {

Runtime *theRuntime = nullptr;
std::optional<size_t> requestedDevice;
bool exitHandlerInstalled = false;
bool exitCodeIsHandled = false;

/// At process exit: tears the runtime down (so the validation layer sees no
/// leaks) and makes validation messages fail the process.
void onExit() {
  if (exitingOnError())
    return;
  {
    std::lock_guard<std::recursive_mutex> lock(runtimeMutex());
    Runtime::shutdown();
  }
  if (!exitCodeIsHandled && validationMessageCount() > 0) {
    std::fflush(nullptr);
    std::fprintf(stderr, "%s: error: %llu Vulkan validation message%s\n",
                 programName().c_str(),
                 (unsigned long long)validationMessageCount(),
                 validationMessageCount() == 1 ? "" : "s");
    _exit(3);
  }
}

/// The physical device the runtime uses; fatal when there is none.
PhysicalDeviceInfo pickPhysicalDevice(const Instance &instance) {
  std::vector<PhysicalDeviceInfo> devices = enumeratePhysicalDevices(instance);
  std::vector<DeviceCandidate> candidates;
  for (const PhysicalDeviceInfo &device : devices)
    candidates.push_back(device.candidate());
  std::optional<size_t> requested =
      requestedDevice ? requestedDevice : deviceIndexFromEnvironment();
  std::string error;
  std::optional<size_t> chosen = chooseDevice(candidates, requested, error);
  if (!chosen)
    fatal(error);
  return devices[*chosen];
}

} // namespace

std::recursive_mutex &quant::rt::vk::runtimeMutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

Runtime::Runtime() {
  instance = createInstance();
  device = createDevice(pickPhysicalDevice(instance));
  hostPool = std::make_unique<MemoryPool>(device, PoolKind::HostVisible);
  pipelines = std::make_unique<Pipelines>(device, profile);
  stream = std::make_unique<CommandStream>(device, profile);
  bindings = std::make_unique<Bindings>(device, *hostPool, *stream);
}

Runtime::~Runtime() {
  stream->flush();
  check(vkDeviceWaitIdle(device.handle), "vkDeviceWaitIdle");
  bindings->destroy();
  allocations.clear();
  pipelines->destroy();
  stream->destroy();
  hostPool->destroy();
  bindings.reset();
  pipelines.reset();
  stream.reset();
  hostPool.reset();
  destroyDevice(device);
  destroyInstance(instance);
}

Runtime &Runtime::get() {
  if (!theRuntime) {
    if (!exitHandlerInstalled) {
      exitHandlerInstalled = true;
      std::atexit(onExit);
    }
    theRuntime = new Runtime();
  }
  return *theRuntime;
}

Runtime *Runtime::current() { return theRuntime; }

void Runtime::requestDevice(std::optional<size_t> index) {
  requestedDevice = index;
}

void Runtime::exitCodeHandled() { exitCodeIsHandled = true; }

void Runtime::sync() {
  stream->flush();
  gpuMsUntaken += stream->takeGpuMs();
}

void Runtime::shutdown() {
  if (!theRuntime)
    return;
  theRuntime->sync();
  if (profileRequested())
    for (const std::string &line : theRuntime->profile.report())
      std::fprintf(stderr, "%s\n", line.c_str());
  delete theRuntime;
  theRuntime = nullptr;
}

int Runtime::listDevices() {
  Instance listing = createInstance();
  std::vector<PhysicalDeviceInfo> devices = enumeratePhysicalDevices(listing);
  std::vector<DeviceCandidate> candidates;
  for (const PhysicalDeviceInfo &device : devices)
    candidates.push_back(device.candidate());
  std::string error;
  std::optional<size_t> chosen = chooseDevice(
      candidates,
      requestedDevice ? requestedDevice : deviceIndexFromEnvironment(), error);
  for (size_t i = 0; i < devices.size(); ++i)
    std::printf("%s\n",
                describePhysicalDevice(i, devices[i], chosen && *chosen == i)
                    .c_str());
  std::fflush(stdout);
  destroyInstance(listing);
  if (!chosen) {
    std::fprintf(stderr, "%s: error: %s\n", programName().c_str(),
                 error.c_str());
    return 1;
  }
  return 0;
}
