//===- Profile.cpp - Per-kernel GPU times ---------------------------------===//

#include "Profile.h"

#include <algorithm>
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
  if (id < kernels.size())
    kernels[id].times.push_back(ms);
}

void Profile::addSubmission(size_t dispatches, double ms) {
  submissionSizes.push_back(dispatches);
  waitMs += ms;
}

std::vector<std::string> Profile::report() const {
  std::vector<std::string> lines;
  for (const Kernel &kernel : kernels) {
    if (kernel.times.empty())
      continue;
    std::vector<double> sorted = kernel.times;
    std::sort(sorted.begin(), sorted.end());
    size_t n = sorted.size();
    double median =
        n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    double total = 0;
    for (double ms : sorted)
      total += ms;
    char line[512];
    std::snprintf(line, sizeof(line),
                  "vulkan profile: %s: %zu call%s, total %.3f ms, median "
                  "%.3f ms",
                  kernel.name.c_str(), n, n == 1 ? "" : "s", total, median);
    lines.push_back(line);
  }
  if (!submissionSizes.empty()) {
    std::vector<size_t> sorted = submissionSizes;
    std::sort(sorted.begin(), sorted.end());
    size_t dispatches = 0;
    for (size_t n : sorted)
      dispatches += n;
    char line[256];
    std::snprintf(line, sizeof(line),
                  "vulkan profile: %zu submission%s of %zu dispatches "
                  "(median %zu per submission), %.3f ms submitting and "
                  "waiting",
                  sorted.size(), sorted.size() == 1 ? "" : "s", dispatches,
                  sorted[sorted.size() / 2], waitMs);
    lines.push_back(line);
  }
  return lines;
}

bool quant::rt::vk::profileRequested() {
  const char *value = std::getenv("QUANT_VK_PROFILE");
  return value && std::strcmp(value, "1") == 0;
}
