//===- BenchStats.cpp - Summaries of benchmark timings --------------------===//

#include "BenchStats.h"

#include <algorithm>
#include <cstdio>

using namespace quant::rt;

BenchStats quant::rt::summarizeTimes(std::vector<double> timesMs) {
  BenchStats stats;
  if (timesMs.empty())
    return stats;
  std::sort(timesMs.begin(), timesMs.end());
  size_t n = timesMs.size();
  stats.minMs = timesMs.front();
  stats.maxMs = timesMs.back();
  stats.medianMs =
      n % 2 ? timesMs[n / 2] : (timesMs[n / 2 - 1] + timesMs[n / 2]) / 2;
  return stats;
}

/// A time in milliseconds: 3 decimals, 5 below 1 ms (10 ns resolution).
static std::string formatMs(double ms) {
  char text[64];
  std::snprintf(text, sizeof(text), ms >= 1.0 ? "%.3f" : "%.5f", ms);
  return text;
}

std::string quant::rt::formatBenchLine(const BenchStats &stats, int64_t runs,
                                       int32_t threads) {
  return "median=" + formatMs(stats.medianMs) +
         " ms min=" + formatMs(stats.minMs) +
         " ms max=" + formatMs(stats.maxMs) + " ms (" + std::to_string(runs) +
         " runs, " + std::to_string(threads) + " threads)";
}
