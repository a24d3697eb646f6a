//===- DeviceReplay.h - runs recorded here, replayed elsewhere --*- C++ -*-===//
//
// The end-to-end tests build executables here and may check their outputs
// from another machine (a real GPU): every run of a built executable is
// recorded as `<work dir>/<label>.args`, which bench/device/replay-runs.sh
// repeats there; with QUANT_E2E_DEVICE_OUTPUTS=DIR set, the tests read that
// replay's results (DIR/<work root's name>/<program>/..., e.g.
// DIR/work/q4_0_vulkan/y0.npy) instead of running anything.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_TEST_E2E_DEVICEREPLAY_H
#define QUANT_TEST_E2E_DEVICEREPLAY_H

#include "E2EUtil.h"

#include <string>
#include <vector>

namespace quant::e2e {

/// The replayed outputs' directory ($QUANT_E2E_DEVICE_OUTPUTS), or "" when
/// the tests run their executables here.
std::string deviceOutputsDir();

/// Runs `argv` (an executable built in work directory `dir` and its
/// arguments) with its output captured as `<dir>/<label>`.out/.err, after
/// recording the command line as `<dir>/<label>.args`: one argument per
/// line, with paths inside `dir` made relative to it; and the environment
/// variables that change its results (QUANT_VK_MAX_WEIGHT_BYTES,
/// LP_NATIVE_VECTOR_WIDTH) as `<dir>/<label>.env`. With device outputs,
/// nothing runs: the result is the replay's `<label>`.rc/.out/.err.
ProcessResult runRecorded(const std::string &dir, const std::string &label,
                          const std::vector<std::string> &argv);

/// Where a file that a recorded run of `dir` wrote is read from:
/// `<dir>/<name>`, or the replay's copy of it with device outputs.
std::string outputFile(const std::string &dir, const std::string &name);

} // namespace quant::e2e

#endif // QUANT_TEST_E2E_DEVICEREPLAY_H
