//===- Profile.h - Per-kernel GPU times -------------------------*- C++ -*-===//
//
// Collects the timestamp-measured GPU time of every dispatch by kernel entry
// point and formats the QUANT_VK_PROFILE=1 report.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_VULKAN_PROFILE_H
#define QUANT_RUNTIME_VULKAN_PROFILE_H

#include <cstdint>
#include <string>
#include <vector>

namespace quant::rt::vk {

/// GPU times by kernel.
class Profile {
public:
  /// A profile that records nothing unless `recording` (the runtime records
  /// only when QUANT_VK_PROFILE=1 asks for the report, so a long run does
  /// not keep every dispatch's time).
  explicit Profile(bool recording = true) : recording(recording) {}
  /// The id of the kernel named `entryPoint` (one id per distinct name).
  uint32_t kernelId(const std::string &entryPoint);
  /// Records one dispatch of kernel `id` that took `ms` milliseconds.
  void add(uint32_t id, double ms);
  /// Records one submission of `dispatches` dispatches whose submit and wait
  /// took `waitMs` milliseconds of wall time.
  void addSubmission(size_t dispatches, double waitMs);
  /// One line per kernel that ran, in first-seen order:
  /// "vulkan profile: NAME: N calls, total X ms, median Y ms"; then
  /// "vulkan profile: N submissions of D dispatches (median P per
  /// submission), X ms submitting and waiting" when anything was submitted.
  std::vector<std::string> report() const;

private:
  bool recording;
  std::vector<size_t> submissionSizes;
  double waitMs = 0;
  struct Kernel {
    std::string name;
    std::vector<double> times;
  };
  std::vector<Kernel> kernels;
};

/// True when the environment asks for the report (QUANT_VK_PROFILE=1).
bool profileRequested();

} // namespace quant::rt::vk

#endif // QUANT_RUNTIME_VULKAN_PROFILE_H
