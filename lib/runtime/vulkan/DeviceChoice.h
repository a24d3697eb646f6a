//===- DeviceChoice.h - Which Vulkan device runs the kernels ----*- C++ -*-===//
//
// The choice among the enumerated physical devices, as pure functions so it
// can be tested without Vulkan.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_DEVICECHOICE_H
#define QUANT_RUNTIME_VULKAN_DEVICECHOICE_H

#include <optional>
#include <string>
#include <vector>

namespace quant::rt::vk {

/// The kind of a physical device, most preferred first.
enum class DeviceKind { Discrete, Integrated, Virtual, Cpu, Other };

/// What the choice needs to know about one enumerated device.
struct DeviceCandidate {
  DeviceKind kind = DeviceKind::Other;
  /// Vulkan >= 1.1 and a queue family with compute.
  bool usable = false;
  /// For messages.
  std::string name;
};

/// Picks a device: `requested` (an index into `devices`) when given, else the
/// usable device of the most preferred kind (discrete > integrated > virtual
/// > CPU > other), the lowest index among equals. Returns the index, or
/// std::nullopt with a one-line `error` (no usable device, or the requested
/// index out of range or unusable).
std::optional<size_t> chooseDevice(const std::vector<DeviceCandidate> &devices,
                                   std::optional<size_t> requested,
                                   std::string &error);

/// "discrete", "integrated", "virtual", "cpu", "other".
const char *deviceKindName(DeviceKind kind);

/// Parses a device index ("0", "12"): digits only, at most 9 of them.
std::optional<size_t> parseDeviceIndex(const char *text);

/// The message when no Vulkan device can be used.
extern const char *const kNoDeviceMessage;

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_DEVICECHOICE_H
