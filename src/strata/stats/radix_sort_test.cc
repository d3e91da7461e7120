#include "strata/stats/radix_sort.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace strata::stats {
namespace {

TEST(RadixSortTest, Int64sMatchStdSortAcrossSizesAndRanges) {
  std::mt19937_64 rng(5);
  std::vector<uint64_t> scratch;
  for (size_t n : {0, 1, 63, 64, 65, 1000, 4096, 100000}) {
    for (int64_t range : {int64_t{3}, int64_t{1} << 20, int64_t{0}}) {
      std::vector<int64_t> values(n);
      for (int64_t& v : values) {
        v = range == 0 ? static_cast<int64_t>(rng()) : static_cast<int64_t>(rng() % static_cast<uint64_t>(range)) - range / 2;
      }
      if (n > 2) {
        values[0] = std::numeric_limits<int64_t>::min();
        values[1] = std::numeric_limits<int64_t>::max();
      }
      std::vector<int64_t> expected = values;
      std::sort(expected.begin(), expected.end());
      RadixSort(absl::MakeSpan(values), scratch);
      EXPECT_EQ(values, expected) << n << " " << range;
      // Sorted input (the early-out) and reversed input.
      RadixSort(absl::MakeSpan(values), scratch);
      EXPECT_EQ(values, expected) << n << " " << range;
      std::reverse(values.begin(), values.end());
      RadixSort(absl::MakeSpan(values), scratch);
      EXPECT_EQ(values, expected) << n << " " << range;
    }
  }
}

TEST(RadixSortTest, DoublesMatchStdSortIncludingSignsZerosAndInfinities) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal(0, 1e3);
  std::vector<uint64_t> scratch;
  for (size_t n : {5, 64, 4096, 50000}) {
    std::vector<double> values(n);
    for (double& v : values) v = normal(rng);
    values[0] = -0.0;
    values[1] = 0.0;
    values[2] = std::numeric_limits<double>::infinity();
    values[3] = -std::numeric_limits<double>::infinity();
    values[4] = std::numeric_limits<double>::denorm_min();
    std::vector<double> expected = values;
    std::sort(expected.begin(), expected.end());
    RadixSort(absl::MakeSpan(values), scratch);
    ASSERT_EQ(values.size(), expected.size());
    for (size_t i = 0; i < n; ++i) EXPECT_EQ(values[i], expected[i]) << i;  // -0.0 == 0.0
    // The one order std::sort leaves open: -0.0 comes before +0.0.
    const auto zero = std::find(values.begin(), values.end(), 0.0);
    EXPECT_TRUE(std::signbit(*zero)) << n;
  }
}

}  // namespace
}  // namespace strata::stats
