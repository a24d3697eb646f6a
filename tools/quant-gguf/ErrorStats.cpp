//===- ErrorStats.cpp - Error of one tensor against another --------------===//

#include "ErrorStats.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace quant::tool {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
} // namespace

void ErrorStats::add(const float *a, const float *b, size_t n) {
  double s = 0, e = 0, m = maxAbsError;
  for (size_t i = 0; i < n; ++i) {
    double x = a[i], y = b[i];
    if (!std::isfinite(x) || !std::isfinite(y)) {
      if (!(std::isinf(x) && x == y))
        ++nonFinite;
      continue;
    }
    double d = y - x;
    s += x * x;
    e += d * d;
    m = std::max(m, std::fabs(d));
    ++count;
  }
  signal += s;
  noise += e;
  maxAbsError = m;
}

void ErrorStats::merge(const ErrorStats &other) {
  count += other.count;
  nonFinite += other.nonFinite;
  signal += other.signal;
  noise += other.noise;
  maxAbsError = std::max(maxAbsError, other.maxAbsError);
}

double ErrorStats::noiseToSignal() const {
  if (noise == 0)
    return 0;
  if (signal == 0)
    return kInf;
  return noise / signal;
}

double ErrorStats::relativeError() const { return std::sqrt(noiseToSignal()); }

double ErrorStats::sqnrDb() const {
  if (noise == 0)
    return kInf;
  if (signal == 0)
    return -kInf;
  return 10.0 * std::log10(signal / noise);
}

void OverallStats::add(const ErrorStats &t) {
  ++tensors;
  elements += t.count;
  weightedNoiseToSignal += static_cast<double>(t.count) * t.noiseToSignal();
  maxAbsError = std::max(maxAbsError, t.maxAbsError);
}

double OverallStats::noiseToSignal() const {
  if (weightedNoiseToSignal == 0)
    return 0;
  return weightedNoiseToSignal / static_cast<double>(elements);
}

double OverallStats::sqnrDb() const {
  double nsr = noiseToSignal();
  if (nsr == 0)
    return kInf;
  return -10.0 * std::log10(nsr);
}

double OverallStats::relativeError() const {
  return std::sqrt(noiseToSignal());
}

std::string formatDb(double db, int decimals) {
  if (std::isnan(db))
    return "nan";
  if (std::isinf(db))
    return db > 0 ? "inf" : "-inf";
  return ::fmt::format("{:.{}f}", db, decimals);
}

std::string formatScientific(double v) {
  if (std::isnan(v))
    return "nan";
  if (std::isinf(v))
    return v > 0 ? "inf" : "-inf";
  return ::fmt::format("{:.3e}", v);
}

} // namespace quant::tool
