#include "strata/base/parallel.h"

#include <atomic>
#include <vector>

#include "gtest/gtest.h"

namespace strata {
namespace {

TEST(ParallelForTest, RunsEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 4, 0}) {
    std::vector<std::atomic<int>> hits(1000);
    ParallelFor(1000, threads, [&](int64_t i) { hits[static_cast<size_t>(i)]++; });
    for (const auto& h : hits) ASSERT_EQ(h.load(), 1) << "threads=" << threads;
  }
}

TEST(ParallelForTest, EmptyRangeAndMoreThreadsThanItems) {
  int calls = 0;
  ParallelFor(0, 4, [&](int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  std::atomic<int> few{0};
  ParallelFor(2, 16, [&](int64_t) { few++; });
  EXPECT_EQ(few.load(), 2);
  EXPECT_GE(ResolveThreads(0), 1);
  EXPECT_EQ(ResolveThreads(3), 3);
}

}  // namespace
}  // namespace strata
