//===- BenchStats.h - Summaries of benchmark timings ------------*- C++ -*-===//

#ifndef QUANT_RUNTIME_CPU_BENCHSTATS_H
#define QUANT_RUNTIME_CPU_BENCHSTATS_H

#include <cstdint>
#include <string>
#include <vector>

namespace quant::rt {

/// The median, minimum and maximum of a set of run times in milliseconds.
struct BenchStats {
  double medianMs = 0;
  double minMs = 0;
  double maxMs = 0;
};

/// Summarizes run times; the median of an even count is the mean of the two
/// middle values. All zero for no times.
BenchStats summarizeTimes(std::vector<double> timesMs);

/// The --bench report line (without newline):
/// "median=X ms min=Y ms max=Z ms (N runs, T threads)", times with 3
/// decimals (5 below 1 ms).
std::string formatBenchLine(const BenchStats &stats, int64_t runs,
                            int32_t threads);

} // namespace quant::rt

#endif // QUANT_RUNTIME_CPU_BENCHSTATS_H
