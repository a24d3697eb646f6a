//===- ThreadPool.h - The runtime's persistent worker pool ------*- C++ -*-===//
//
// The pool behind qrt_parallel_for. Workers are created on first use, spin
// briefly on a generation counter after each loop so back-to-back loops (one
// per matmul of every generated token) dispatch without a syscall, then sleep
// on a condition variable.
//
//===----------------------------------------------------------------------===//

#ifndef QUANT_RUNTIME_CPU_THREADPOOL_H
#define QUANT_RUNTIME_CPU_THREADPOOL_H

#include "quant/runtime/Runtime.h"

#include <cstdint>

namespace quant::rt {

/// The most threads the pool runs; larger requests are clamped.
constexpr int32_t kMaxThreads = 1024;

/// How [0, count) is split: `numChunks` contiguous chunks of `chunkSize`
/// iterations, the last one shorter.
struct ChunkPlan {
  int64_t chunkSize = 0;
  int64_t numChunks = 0;
};

/// Splits [0, count) into about `threads` chunks whose sizes are multiples of
/// `grain` (except the last). A non-positive count gives no chunks; grain and
/// threads below 1 count as 1.
ChunkPlan planChunks(int64_t count, int64_t grain, int32_t threads);

/// The thread count used when nothing sets one: QUANT_THREADS when it holds a
/// valid count in [1, kMaxThreads], else the hardware concurrency (at least 1).
int32_t defaultNumThreads();

/// Parses a thread count: a decimal integer in [1, kMaxThreads], nothing else.
/// Returns 0 when `text` is not one.
int32_t parseThreadCount(const char *text);

} // namespace quant::rt

#endif // QUANT_RUNTIME_CPU_THREADPOOL_H
