#include "strata/stats/hyperloglog.h"

#include <bit>
#include <cmath>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace strata::stats {
namespace {

TEST(HyperLogLogTest, RelativeErrorWithinThreePercentFromAThousandToAMillion) {
  for (int64_t n : {1000, 5000, 20000, 50000, 100000, 300000, 1000000}) {
    HyperLogLog hll;
    std::mt19937_64 rng(static_cast<uint64_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = static_cast<int64_t>(rng());
      hll.UpdateInt64(v);
      if (i % 3 == 0) hll.UpdateInt64(v);  // repeats do not count
    }
    const double error = std::fabs(hll.Estimate() - static_cast<double>(n)) / static_cast<double>(n);
    EXPECT_LE(error, 0.03) << "n " << n << " estimate " << hll.Estimate();
  }
}

TEST(HyperLogLogTest, LowPrecisionStillWithinItsStandardError) {
  // p = 12: standard error 1.6%; allow ~3 sigma.
  HyperLogLog hll(12);
  for (int i = 0; i < 200000; ++i) hll.UpdateBytes(absl::StrCat("user-", i));
  EXPECT_NEAR(hll.Estimate(), 200000, 200000 * 0.05);
}

TEST(HyperLogLogTest, SmallCountsAreNearlyExact) {
  HyperLogLog hll;
  EXPECT_EQ(hll.Estimate(), 0);
  hll.UpdateBytes("a");
  EXPECT_NEAR(hll.Estimate(), 1, 0.01);
  for (int i = 0; i < 100; ++i) hll.UpdateInt64(i);
  EXPECT_NEAR(hll.Estimate(), 101, 1.5);
}

TEST(HyperLogLogTest, MergeEqualsSketchOfTheUnion) {
  HyperLogLog a, b, whole;
  for (int i = 0; i < 60000; ++i) {
    (i % 2 == 0 ? a : b).UpdateInt64(i);
    whole.UpdateInt64(i);
  }
  for (int i = 0; i < 20000; ++i) b.UpdateInt64(i);  // overlap
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_EQ(a.registers(), whole.registers());
  EXPECT_NEAR(a.Estimate(), 60000, 60000 * 0.03);
  HyperLogLog other(10);
  EXPECT_EQ(a.Merge(other).code(), absl::StatusCode::kInvalidArgument);
}

TEST(HyperLogLogTest, HashesNormalizeZeroAndNaN) {
  EXPECT_EQ(HashDouble(0.0), HashDouble(-0.0));
  EXPECT_EQ(HashDouble(std::nan("1")), HashDouble(-std::nan("2")));
  EXPECT_NE(HashDouble(1.0), HashDouble(2.0));
}

TEST(HyperLogLogTest, SerializeRoundTripsAndRejectsBadBytes) {
  HyperLogLog hll(12);
  for (int i = 0; i < 5000; ++i) hll.UpdateInt64(i);
  const std::string bytes = hll.Serialize();
  absl::StatusOr<HyperLogLog> copy = HyperLogLog::Deserialize(bytes);
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->registers(), hll.registers());
  absl::StatusOr<HyperLogLog> from_json = HyperLogLog::FromJson(hll.ToJson());
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_EQ(from_json->Estimate(), hll.Estimate());
  for (size_t len : {size_t{0}, size_t{3}, size_t{5}, size_t{6}, bytes.size() - 1}) {
    EXPECT_EQ(HyperLogLog::Deserialize(bytes.substr(0, len)).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  std::string bad_register = bytes;
  bad_register[100] = static_cast<char>(60);  // above 64 - 12 + 1
  EXPECT_FALSE(HyperLogLog::Deserialize(bad_register).ok());
  std::string bad_precision = bytes;
  bad_precision[5] = 30;
  EXPECT_FALSE(HyperLogLog::Deserialize(bad_precision).ok());
  EXPECT_FALSE(HyperLogLog::FromJson({{"p", 12}, {"registers", "!!"}}).ok());
}

}  // namespace
}  // namespace strata::stats

namespace strata::stats {
namespace {

TEST(HyperLogLogTest, BatchUpdatesGiveTheSameRegistersAsSingleOnes) {
  HyperLogLog one, batch;
  std::vector<int64_t> ints;
  for (int64_t i = -5000; i < 50000; i += 3) {
    ints.push_back(i * 7919);
    one.UpdateInt64(i * 7919);
  }
  batch.UpdateInt64s(ints);
  // A double's bit pattern (with -0.0 as 0.0) hashes as the double.
  for (double d : {0.0, -0.0, 1.5, -2.25, 1e300}) one.UpdateDouble(d);
  for (double d : {0.0, 0.0, 1.5, -2.25, 1e300}) batch.UpdateInt64s({std::bit_cast<int64_t>(d)});
  std::vector<std::string_view> strings = {"alpha", "", "a longer string than sixteen bytes"};
  for (std::string_view s : strings) one.UpdateBytes(s);
  batch.UpdateStrings(strings);
  EXPECT_EQ(one.registers(), batch.registers());
}

}  // namespace
}  // namespace strata::stats
