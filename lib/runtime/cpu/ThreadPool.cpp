//===- ThreadPool.cpp - qrt_parallel_for on persistent workers ------------===//
//
// One process-wide pool. A loop is published by bumping a generation counter
// packed with a chunk-claim counter into one 64-bit atomic:
//
//   state = generation << 32 | next unclaimed chunk
//
// The caller and the workers claim chunks with a compare-and-swap that also
// checks the generation, so a worker that wakes late can never claim a chunk
// of a newer loop with the state of an older one. Claiming is dynamic: a
// worker that is still asleep simply leaves its share to the others.
//
// Workers spin on the generation (with a pause instruction, yielding now and
// then) for up to kWorkerSpinTime after each loop, then sleep on a condition
// variable. The caller wakes sleepers only when some are asleep, so
// back-to-back loops cost a few atomics.
//
//===----------------------------------------------------------------------===//

#include "ThreadPool.h"
#include "ScratchMemory.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

using namespace quant::rt;

namespace {

/// How long a worker polls for the next loop before it sleeps.
constexpr std::chrono::microseconds kWorkerSpinTime{200};
/// Pause iterations between two yields of a spinning thread. The yields keep
/// spinning cheap when there are more threads than free cores: a spinning
/// worker must not hold the core the caller (or a worker that claimed a
/// chunk) needs.
constexpr int kSpinsPerYield = 256;
/// Pause iterations the caller polls for stragglers before it only yields.
constexpr int kCallerSpins = 1 << 12;
/// How long the exit handler waits for a loop in flight before it gives up
/// joining the workers.
constexpr std::chrono::milliseconds kExitWait{200};

/// Tells the CPU this is a spin-wait loop.
inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

/// The process-wide pool.
class ThreadPool {
public:
  ThreadPool() : numThreads(defaultNumThreads()) {}

  /// Runs body over [0, count), see qrt_parallel_for.
  void parallelFor(qrt_body_fn body, void *context, int64_t count,
                   int64_t grain);

  /// Sets the thread count. The workers follow at the next loop (safe to call
  /// from inside a loop body).
  void setNumThreads(int32_t threads) {
    numThreads.store(std::clamp<int32_t>(threads, 1, kMaxThreads),
                     std::memory_order_relaxed);
  }

  int32_t getNumThreads() const {
    return numThreads.load(std::memory_order_relaxed);
  }

  /// Stops and joins the workers at process exit; later loops run inline.
  void shutdownAtExit();

private:
  /// Makes exactly `count` workers run, stopping extra ones; returns how many
  /// do (creation may fail). The caller holds `busy`.
  size_t ensureWorkers(size_t count);
  /// Stops and joins every worker. The caller holds `busy`.
  void stopWorkers();
  /// A worker's main loop; `seen` is the generation current at its start.
  void workerLoop(uint32_t seen);
  /// Claims and runs chunks of generation `generation` until none is left.
  void runChunks(uint32_t generation);
  /// Takes `busy`, spinning and yielding; false if `deadline` passes first.
  bool acquireBusy(std::chrono::steady_clock::time_point deadline);

  /// generation << 32 | next unclaimed chunk.
  alignas(64) std::atomic<uint64_t> state{0};
  /// Chunks of the current loop not finished yet.
  alignas(64) std::atomic<int64_t> remaining{0};
  /// Chunks of the current loop.
  std::atomic<uint32_t> jobChunks{0};
  /// The current loop; written before `state` is published and read only
  /// by a thread that claimed one of its chunks.
  qrt_body_fn jobBody = nullptr;
  void *jobContext = nullptr;
  int64_t jobCount = 0;
  int64_t jobChunkSize = 0;

  alignas(64) std::atomic<int32_t> sleepers{0};
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable wake;

  /// Held by the thread running a loop or reconfiguring the pool: one loop
  /// at a time. A nested or concurrent call that finds it taken runs inline.
  std::atomic_flag busy = ATOMIC_FLAG_INIT;
  std::atomic<int32_t> numThreads;
  /// Guarded by `busy`.
  std::vector<std::thread> workers;
  bool exitHandlerRegistered = false;
  std::atomic<bool> shutDown{false};
};

/// The pool, created on first use and never destroyed, so a loop run from a
/// static destructor after the exit handler still finds it (and runs inline).
ThreadPool &pool() {
  static ThreadPool *instance = [] {
    keepScratchMemoryMapped();
    return new ThreadPool();
  }();
  return *instance;
}

void ThreadPool::parallelFor(qrt_body_fn body, void *context, int64_t count,
                             int64_t grain) {
  if (count <= 0 || !body)
    return;
  grain = std::max<int64_t>(grain, 1);
  int32_t threads = getNumThreads();
  if (threads <= 1 || count <= grain ||
      busy.test_and_set(std::memory_order_acquire)) {
    body(context, 0, count);
    return;
  }
  size_t available = ensureWorkers(size_t(threads - 1));
  ChunkPlan plan = planChunks(count, grain, int32_t(available + 1));
  if (plan.numChunks <= 1) {
    busy.clear(std::memory_order_release);
    body(context, 0, count);
    return;
  }

  jobBody = body;
  jobContext = context;
  jobCount = count;
  jobChunkSize = plan.chunkSize;
  jobChunks.store(uint32_t(plan.numChunks), std::memory_order_relaxed);
  remaining.store(plan.numChunks, std::memory_order_relaxed);
  uint32_t generation =
      uint32_t(state.load(std::memory_order_relaxed) >> 32) + 1;
  // Publishes the job (seq_cst pairs with the sleepers' registration).
  state.store(uint64_t(generation) << 32, std::memory_order_seq_cst);
  if (sleepers.load(std::memory_order_seq_cst) > 0) {
    { std::lock_guard<std::mutex> lock(mutex); }
    wake.notify_all();
  }

  runChunks(generation);

  for (int spin = 1; remaining.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < kCallerSpins && spin % kSpinsPerYield != 0)
      cpuRelax();
    else
      std::this_thread::yield();
  }
  busy.clear(std::memory_order_release);
}

void ThreadPool::runChunks(uint32_t generation) {
  for (;;) {
    uint64_t current = state.load(std::memory_order_acquire);
    uint32_t chunk;
    for (;;) {
      if (uint32_t(current >> 32) != generation)
        return;
      chunk = uint32_t(current);
      if (chunk >= jobChunks.load(std::memory_order_relaxed))
        return;
      if (state.compare_exchange_weak(current, current + 1,
                                      std::memory_order_acq_rel,
                                      std::memory_order_acquire))
        break;
    }
    // The claim keeps the loop alive: the caller waits for this chunk before
    // it publishes another one, so the job fields are stable here.
    int64_t begin = int64_t(chunk) * jobChunkSize;
    int64_t end = std::min(jobCount, begin + jobChunkSize);
    jobBody(jobContext, begin, end);
    remaining.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::workerLoop(uint32_t seen) {
  for (;;) {
    uint64_t current = 0;
    bool found = false;
    auto spinStart = std::chrono::steady_clock::now();
    for (int spin = 1;; ++spin) {
      current = state.load(std::memory_order_acquire);
      if (uint32_t(current >> 32) != seen ||
          stopping.load(std::memory_order_relaxed)) {
        found = true;
        break;
      }
      cpuRelax();
      if (spin % kSpinsPerYield == 0) {
        if (std::chrono::steady_clock::now() - spinStart > kWorkerSpinTime)
          break;
        std::this_thread::yield();
      }
    }
    if (!found) {
      std::unique_lock<std::mutex> lock(mutex);
      sleepers.fetch_add(1, std::memory_order_seq_cst);
      wake.wait(lock, [&] {
        return uint32_t(state.load(std::memory_order_seq_cst) >> 32) != seen ||
               stopping.load(std::memory_order_relaxed);
      });
      sleepers.fetch_sub(1, std::memory_order_relaxed);
      current = state.load(std::memory_order_acquire);
    }
    if (stopping.load(std::memory_order_acquire))
      return;
    seen = uint32_t(current >> 32);
    runChunks(seen);
  }
}

size_t ThreadPool::ensureWorkers(size_t count) {
  if (shutDown.load(std::memory_order_relaxed))
    return 0;
  if (workers.size() == count)
    return count;
  if (workers.size() > count)
    stopWorkers(); // The thread count went down: start afresh.
  if (!exitHandlerRegistered) {
    exitHandlerRegistered = true;
    std::atexit([] { pool().shutdownAtExit(); });
  }
  // No loop is in flight (the caller holds `busy`), so the generation is
  // stable and new workers start from it.
  uint32_t seen = uint32_t(state.load(std::memory_order_relaxed) >> 32);
  workers.reserve(count);
  while (workers.size() < count) {
    try {
      workers.emplace_back([this, seen] { workerLoop(seen); });
    } catch (...) {
      break; // Out of threads: the caller and existing workers do the work.
    }
  }
  return workers.size();
}

void ThreadPool::stopWorkers() {
  if (workers.empty())
    return;
  stopping.store(true, std::memory_order_seq_cst);
  { std::lock_guard<std::mutex> lock(mutex); }
  wake.notify_all();
  for (std::thread &worker : workers)
    worker.join();
  workers.clear();
  stopping.store(false, std::memory_order_relaxed);
}

bool ThreadPool::acquireBusy(std::chrono::steady_clock::time_point deadline) {
  for (int spin = 0; busy.test_and_set(std::memory_order_acquire); ++spin) {
    if (spin < kCallerSpins) {
      cpuRelax();
      continue;
    }
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::yield();
  }
  return true;
}

void ThreadPool::shutdownAtExit() {
  shutDown.store(true, std::memory_order_relaxed);
  // exit() called from inside a loop body would otherwise wait forever for
  // the loop to end; then the workers are told to stop but not joined.
  if (!acquireBusy(std::chrono::steady_clock::now() + kExitWait)) {
    stopping.store(true, std::memory_order_seq_cst);
    { std::lock_guard<std::mutex> lock(mutex); }
    wake.notify_all();
    for (std::thread &worker : workers)
      worker.detach();
    workers.clear();
    return;
  }
  stopWorkers();
  busy.clear(std::memory_order_release);
}

} // namespace

ChunkPlan quant::rt::planChunks(int64_t count, int64_t grain, int32_t threads) {
  if (count <= 0)
    return {};
  grain = std::max<int64_t>(grain, 1);
  threads = std::max<int32_t>(threads, 1);
  int64_t units = count / grain + (count % grain != 0);
  int64_t unitsPerChunk = units / threads + (units % threads != 0);
  if (unitsPerChunk >= units)
    return {count, 1};
  // unitsPerChunk < units <= count / grain + 1: the product cannot overflow.
  int64_t chunkSize = unitsPerChunk * grain;
  return {chunkSize, count / chunkSize + (count % chunkSize != 0)};
}

int32_t quant::rt::parseThreadCount(const char *text) {
  if (!text || *text < '0' || *text > '9')
    return 0;
  int64_t value = 0;
  for (const char *p = text; *p; ++p) {
    if (*p < '0' || *p > '9')
      return 0;
    value = value * 10 + (*p - '0');
    if (value > kMaxThreads)
      return 0;
  }
  return int32_t(value);
}

int32_t quant::rt::defaultNumThreads() {
  if (int32_t fromEnv = parseThreadCount(std::getenv("QUANT_THREADS")))
    return fromEnv;
  unsigned hardware = std::thread::hardware_concurrency();
  return std::clamp<int32_t>(int32_t(std::min<unsigned>(hardware, kMaxThreads)),
                             1, kMaxThreads);
}

extern "C" void qrt_parallel_for(qrt_body_fn body, void *context, int64_t count,
                                 int64_t grain) {
  pool().parallelFor(body, context, count, grain);
}

extern "C" void qrt_set_num_threads(int32_t threads) {
  pool().setNumThreads(threads);
}

extern "C" int32_t qrt_get_num_threads(void) { return pool().getNumThreads(); }
