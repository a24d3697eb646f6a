//===- Profile.cpp - Per-kernel GPU times ---------------------------------===//

#include "Profile.h"

#include <algorithm>
#include <numeric>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace quant::rt::vk;

uint32_t Profile::kernelId(const std::string &entryPoint) {
  for (size_t i = 0; i < kernels.size(); ++i)
    if (kernels[i].name == entryPoint)
      return uint32_t(i);
  kernels.push_back({entryPoint, {}});
  return uint32_t(kernels.size() - 1);
}

void Profile::add(uint32_t id, double ms) {
  if (recording && id < kernels.size())
    kernels[id].times.push_back(ms);
}

void Profile::addSubmission(size_t dispatches, double ms) {
  if (!recording)
    return;
  submissionSizes.push_back(dispatches);
  waitMs += ms;
}

/// The median of `values` (the mean of the middle two for an even count)
/// and their sum.
template <typename T>
static std::pair<T, T> medianAndTotal(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  T median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {median, std::accumulate(values.begin(), values.end(), T(0))};
}

std::vector<std::string> Profile::report() const {
  std::vector<std::string> lines;
  for (const Kernel &kernel : kernels) {
    if (kernel.times.empty())
      continue;
    auto [median, total] = medianAndTotal(kernel.times);
    size_t n = kernel.times.size();
    char line[512];
    std::snprintf(line, sizeof(line),
                  "vulkan profile: %s: %zu call%s, total %.3f ms, median "
                  "%.3f ms",
                  kernel.name.c_str(), n, n == 1 ? "" : "s", total, median);
    lines.push_back(line);
  }
  if (!submissionSizes.empty()) {
    auto [median, dispatches] = medianAndTotal(submissionSizes);
    size_t n = submissionSizes.size();
    char line[256];
    std::snprintf(line, sizeof(line),
                  "vulkan profile: %zu submission%s of %zu dispatches "
                  "(median %zu per submission), %.3f ms submitting and "
                  "waiting",
                  n, n == 1 ? "" : "s", dispatches, median, waitMs);
    lines.push_back(line);
  }
  return lines;
}

bool quant::rt::vk::profileRequested() {
  const char *value = std::getenv("QUANT_VK_PROFILE");
  return value && std::strcmp(value, "1") == 0;
}
