//===- ThreadPoolTest.cpp - qrt_parallel_for and thread settings ----------===//

#include "ThreadPool.h"

#include "quant/runtime/Runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using namespace quant::rt;

namespace {

/// Records which iterations and chunks a loop ran.
struct Coverage {
  explicit Coverage(int64_t count, int64_t grain)
      : hits(new std::atomic<int>[size_t(count > 0 ? count : 1)]), count(count),
        grain(grain) {
    for (int64_t i = 0; i < (count > 0 ? count : 1); ++i)
      hits[i] = 0;
  }
  std::unique_ptr<std::atomic<int>[]> hits;
  int64_t count;
  int64_t grain;
  std::atomic<int> calls{0};
  std::atomic<int> badRanges{0};
  std::atomic<int> unaligned{0};
};

void recordBody(void *context, int64_t begin, int64_t end) {
  Coverage &c = *static_cast<Coverage *>(context);
  c.calls.fetch_add(1);
  if (begin < 0 || end > c.count || begin >= end) {
    c.badRanges.fetch_add(1);
    return;
  }
  if (begin % c.grain != 0)
    c.unaligned.fetch_add(1);
  for (int64_t i = begin; i < end; ++i)
    c.hits[i].fetch_add(1, std::memory_order_relaxed);
}

/// Runs one loop and checks every index ran exactly once.
void checkCoverage(int32_t threads, int64_t count, int64_t grain) {
  SCOPED_TRACE("threads=" + std::to_string(threads) + " count=" +
               std::to_string(count) + " grain=" + std::to_string(grain));
  qrt_set_num_threads(threads);
  Coverage coverage(count, grain);
  qrt_parallel_for(recordBody, &coverage, count, grain);
  EXPECT_EQ(coverage.badRanges.load(), 0);
  EXPECT_EQ(coverage.unaligned.load(), 0);
  if (count <= 0) {
    EXPECT_EQ(coverage.calls.load(), 0);
    return;
  }
  int64_t missed = 0, repeated = 0;
  for (int64_t i = 0; i < count; ++i) {
    missed += coverage.hits[i] == 0;
    repeated += coverage.hits[i] > 1;
  }
  EXPECT_EQ(missed, 0);
  EXPECT_EQ(repeated, 0);
  EXPECT_LE(coverage.calls.load(), threads);
  if (threads == 1 || count <= grain) {
    EXPECT_EQ(coverage.calls.load(), 1);
  }
}

TEST(ThreadPoolTest, CoversEveryIndexOnce) {
  for (int32_t threads : {1, 2, 3, 4, 7, 16})
    for (int64_t grain : {1, 2, 3, 7, 64})
      for (int64_t count :
           {0, 1, 2, 3, 5, 6, 15, 16, 17, 63, 64, 65, 100, 1000, 100003})
        checkCoverage(threads, count, grain);
}

TEST(ThreadPoolTest, NegativeCountAndGrain) {
  checkCoverage(4, -5, 1);
  qrt_set_num_threads(4);
  Coverage coverage(10, 1);
  // A non-positive grain counts as 1.
  qrt_parallel_for(recordBody, &coverage, 10, 0);
  qrt_parallel_for(recordBody, &coverage, 10, -3);
  for (int64_t i = 0; i < 10; ++i)
    EXPECT_EQ(coverage.hits[i], 2);
  qrt_parallel_for(nullptr, nullptr, 10, 1); // No body: nothing to run.
}

TEST(ThreadPoolTest, LargeCount) {
  qrt_set_num_threads(4);
  Coverage coverage(1 << 22, 1024);
  qrt_parallel_for(recordBody, &coverage, coverage.count, coverage.grain);
  int64_t wrong = 0;
  for (int64_t i = 0; i < coverage.count; ++i)
    wrong += coverage.hits[i] != 1;
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(coverage.calls.load(), 4);
}

void sumBody(void *context, int64_t begin, int64_t end) {
  auto &sum = *static_cast<std::atomic<int64_t> *>(context);
  int64_t local = 0;
  for (int64_t i = begin; i < end; ++i)
    local += i;
  sum.fetch_add(local);
}

TEST(ThreadPoolTest, ManySmallCallsComplete) {
  for (int32_t threads : {2, 4, 8}) {
    qrt_set_num_threads(threads);
    std::atomic<int64_t> sum{0};
    for (int call = 0; call < 10000; ++call)
      qrt_parallel_for(sumBody, &sum, 64, 1);
    EXPECT_EQ(sum.load(), 10000 * (63 * 64 / 2)) << "threads=" << threads;
  }
}

TEST(ThreadPoolTest, CallsAfterWorkersSleep) {
  qrt_set_num_threads(3);
  std::atomic<int64_t> sum{0};
  for (int call = 0; call < 5; ++call) {
    // Long enough for the workers to stop spinning and sleep.
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    qrt_parallel_for(sumBody, &sum, 300, 1);
  }
  EXPECT_EQ(sum.load(), 5 * (299 * 300 / 2));
}

/// Records the threads a loop ran on.
struct ThreadSet {
  std::mutex mutex;
  std::set<std::thread::id> ids;
};

void slowBody(void *context, int64_t, int64_t) {
  auto &threads = *static_cast<ThreadSet *>(context);
  {
    std::lock_guard<std::mutex> lock(threads.mutex);
    threads.ids.insert(std::this_thread::get_id());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

TEST(ThreadPoolTest, WorkersTakePart) {
  qrt_set_num_threads(4);
  ThreadSet threads;
  qrt_parallel_for(slowBody, &threads, 4, 1);
  EXPECT_GE(threads.ids.size(), 2u);
}

TEST(ThreadPoolTest, ChangingThreadCountBetweenCalls) {
  std::atomic<int64_t> sum{0};
  int64_t expected = 0;
  for (int round = 0; round < 50; ++round) {
    qrt_set_num_threads(1 + round % 5);
    qrt_parallel_for(sumBody, &sum, 1000, 8);
    expected += 999 * 1000 / 2;
  }
  EXPECT_EQ(sum.load(), expected);
}

/// State for a loop whose body starts another loop.
struct Nested {
  std::atomic<int64_t> sum{0};
};

void outerBody(void *context, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i)
    qrt_parallel_for(sumBody, &static_cast<Nested *>(context)->sum, 100, 1);
}

TEST(ThreadPoolTest, NestedCallsRunInline) {
  qrt_set_num_threads(4);
  Nested nested;
  qrt_parallel_for(outerBody, &nested, 8, 1);
  EXPECT_EQ(nested.sum.load(), 8 * (99 * 100 / 2));
}

void setThreadsBody(void *context, int64_t begin, int64_t end) {
  qrt_set_num_threads(int32_t(2 + begin % 3));
  sumBody(context, begin, end);
}

TEST(ThreadPoolTest, SetThreadsFromInsideALoop) {
  qrt_set_num_threads(4);
  std::atomic<int64_t> sum{0};
  for (int call = 0; call < 100; ++call)
    qrt_parallel_for(setThreadsBody, &sum, 40, 1);
  EXPECT_EQ(sum.load(), 100 * (39 * 40 / 2));
}

TEST(ThreadPoolTest, ConcurrentCallersBothComplete) {
  qrt_set_num_threads(4);
  std::atomic<int64_t> sumA{0}, sumB{0};
  std::thread other([&] {
    for (int call = 0; call < 2000; ++call)
      qrt_parallel_for(sumBody, &sumB, 50, 1);
  });
  for (int call = 0; call < 2000; ++call)
    qrt_parallel_for(sumBody, &sumA, 50, 1);
  other.join();
  EXPECT_EQ(sumA.load(), 2000 * (49 * 50 / 2));
  EXPECT_EQ(sumB.load(), 2000 * (49 * 50 / 2));
}

TEST(ThreadPoolTest, SetAndGetThreads) {
  qrt_set_num_threads(3);
  EXPECT_EQ(qrt_get_num_threads(), 3);
  qrt_set_num_threads(1);
  EXPECT_EQ(qrt_get_num_threads(), 1);
  qrt_set_num_threads(0);
  EXPECT_EQ(qrt_get_num_threads(), 1);
  qrt_set_num_threads(-7);
  EXPECT_EQ(qrt_get_num_threads(), 1);
  qrt_set_num_threads(1 << 30);
  EXPECT_EQ(qrt_get_num_threads(), kMaxThreads);
  qrt_set_num_threads(2);
  EXPECT_EQ(qrt_get_num_threads(), 2);
}

TEST(ThreadPoolTest, ParseThreadCount) {
  EXPECT_EQ(parseThreadCount("1"), 1);
  EXPECT_EQ(parseThreadCount("16"), 16);
  EXPECT_EQ(parseThreadCount("1024"), 1024);
  EXPECT_EQ(parseThreadCount("1025"), 0);
  EXPECT_EQ(parseThreadCount("0"), 0);
  EXPECT_EQ(parseThreadCount(""), 0);
  EXPECT_EQ(parseThreadCount(nullptr), 0);
  EXPECT_EQ(parseThreadCount("-2"), 0);
  EXPECT_EQ(parseThreadCount("4x"), 0);
  EXPECT_EQ(parseThreadCount(" 4"), 0);
  EXPECT_EQ(parseThreadCount("99999999999999999999999"), 0);
}

TEST(ThreadPoolTest, DefaultThreadsFromEnvironment) {
  unsigned hardware = std::thread::hardware_concurrency();
  int32_t fallback = hardware ? int32_t(std::min<unsigned>(hardware, 1024)) : 1;
  ::setenv("QUANT_THREADS", "5", 1);
  EXPECT_EQ(defaultNumThreads(), 5);
  ::setenv("QUANT_THREADS", "zero", 1);
  EXPECT_EQ(defaultNumThreads(), fallback);
  ::setenv("QUANT_THREADS", "0", 1);
  EXPECT_EQ(defaultNumThreads(), fallback);
  ::unsetenv("QUANT_THREADS");
  EXPECT_EQ(defaultNumThreads(), fallback);
}

TEST(ThreadPoolTest, PlanChunks) {
  for (int32_t threads : {1, 2, 3, 4, 8, 13})
    for (int64_t grain : {1, 2, 5, 16})
      for (int64_t count : {1, 2, 7, 16, 17, 100, 1001}) {
        ChunkPlan plan = planChunks(count, grain, threads);
        SCOPED_TRACE(std::to_string(count) + "/" + std::to_string(grain) + "/" +
                     std::to_string(threads));
        ASSERT_GE(plan.numChunks, 1);
        EXPECT_LE(plan.numChunks, threads);
        if (plan.numChunks > 1) {
          EXPECT_EQ(plan.chunkSize % grain, 0);
        }
        // The chunks tile [0, count): all full but the last.
        EXPECT_GE(plan.chunkSize * plan.numChunks, count);
        EXPECT_LT(plan.chunkSize * (plan.numChunks - 1), count);
      }
  EXPECT_EQ(planChunks(0, 1, 4).numChunks, 0);
  EXPECT_EQ(planChunks(-1, 1, 4).numChunks, 0);
  // About `threads` chunks: 100 iterations, grain 1, 4 threads -> 4 x 25.
  EXPECT_EQ(planChunks(100, 1, 4).chunkSize, 25);
  EXPECT_EQ(planChunks(100, 1, 4).numChunks, 4);
  // Multiples of the grain, the last one shorter: 100 = 32 + 32 + 32 + 4.
  EXPECT_EQ(planChunks(100, 16, 4).chunkSize, 32);
  EXPECT_EQ(planChunks(100, 16, 4).numChunks, 4);
  // Huge counts do not overflow.
  ChunkPlan huge = planChunks(INT64_MAX, INT64_MAX / 3, 8);
  EXPECT_GE(huge.numChunks, 1);
  EXPECT_LE(huge.numChunks, 8);
  ChunkPlan single = planChunks(INT64_MAX, INT64_MAX, 8);
  EXPECT_EQ(single.numChunks, 1);
  EXPECT_EQ(single.chunkSize, INT64_MAX);
}

} // namespace
