//===- DeviceChoice.cpp - Which Vulkan device runs the kernels ------------===//

#include "DeviceChoice.h"

using namespace quant::rt::vk;

const char *const quant::rt::vk::kNoDeviceMessage =
    "no Vulkan device found (is a Vulkan driver installed? lavapipe: "
    "VK_DRIVER_FILES=/usr/share/vulkan/icd.d/lvp_icd.x86_64.json)";

std::optional<size_t>
quant::rt::vk::chooseDevice(const std::vector<DeviceCandidate> &devices,
                            std::optional<size_t> requested,
                            std::string &error) {
  if (requested) {
    if (*requested >= devices.size()) {
      error = "Vulkan device " + std::to_string(*requested) +
              " requested, but " +
              (devices.empty() ? std::string("there is none")
                               : std::to_string(devices.size()) +
                                     (devices.size() == 1 ? " device exists"
                                                          : " devices exist") +
                                     " (0.." +
                                     std::to_string(devices.size() - 1) + ")");
      return std::nullopt;
    }
    if (!devices[*requested].usable) {
      error = "Vulkan device " + std::to_string(*requested) + " ('" +
              devices[*requested].name +
              "') cannot run kernels: it needs Vulkan 1.1 and a compute queue";
      return std::nullopt;
    }
    return requested;
  }
  std::optional<size_t> best;
  for (size_t i = 0; i < devices.size(); ++i) {
    if (!devices[i].usable)
      continue;
    if (!best || int(devices[i].kind) < int(devices[*best].kind))
      best = i;
  }
  if (!best)
    error = kNoDeviceMessage;
  return best;
}

const char *quant::rt::vk::deviceKindName(DeviceKind kind) {
  switch (kind) {
  case DeviceKind::Discrete:
    return "discrete";
  case DeviceKind::Integrated:
    return "integrated";
  case DeviceKind::Virtual:
    return "virtual";
  case DeviceKind::Cpu:
    return "cpu";
  case DeviceKind::Other:
    break;
  }
  return "other";
}

std::optional<size_t> quant::rt::vk::parseDeviceIndex(const char *text) {
  if (!text || !*text)
    return std::nullopt;
  size_t value = 0;
  int digits = 0;
  for (const char *c = text; *c; ++c) {
    if (*c < '0' || *c > '9' || ++digits > 9)
      return std::nullopt;
    value = value * 10 + size_t(*c - '0');
  }
  return value;
}
