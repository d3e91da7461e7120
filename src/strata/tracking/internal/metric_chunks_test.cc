#include "strata/tracking/internal/metric_chunks.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::tracking::internal {
namespace {

using ::testing::HasSubstr;

std::string Encode(const std::vector<Metric>& metrics) {
  std::vector<const Metric*> ptrs;
  for (const Metric& m : metrics) ptrs.push_back(&m);
  std::string out;
  EncodeMetricPoints(ptrs, out);
  return out;
}

TEST(MetricChunksTest, RoundTripsEveryDoubleExactly) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<Metric> in = {
      {"m", 0.1, 1700000000000, 0},
      {"m", -1.0 / 3.0, -5, -7},
      {"m", std::numeric_limits<double>::denorm_min(), 0, std::numeric_limits<int64_t>::max()},
      {"m", std::numeric_limits<double>::max(), std::numeric_limits<int64_t>::min(), 1},
      {"m", inf, 2, 2},
      {"m", -inf, 3, 3},
      {"m", std::nan(""), 4, 4},
      {"m", -0.0, 5, 5},
  };
  std::string data = Encode(in);
  std::vector<Metric> out;
  ASSERT_TRUE(DecodeMetricPoints(data, "loss", out).ok()) << data;
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].key, "loss");
    EXPECT_EQ(out[i].step, in[i].step) << i;
    EXPECT_EQ(out[i].timestamp, in[i].timestamp) << i;
    if (std::isnan(in[i].value)) {
      EXPECT_TRUE(std::isnan(out[i].value));
    } else {
      EXPECT_EQ(out[i].value, in[i].value) << i;
      EXPECT_EQ(std::signbit(out[i].value), std::signbit(in[i].value)) << i;
    }
  }
}

TEST(MetricChunksTest, CorruptDataNamesTheOffset) {
  std::vector<Metric> out;
  for (const char* bad : {"", "1,2", "1,2,", "x,2,3", "1,2,3;", "1,2,3;4", "1,2,3x", "1;2,3"}) {
    absl::Status s = DecodeMetricPoints(bad, "k", out);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("at byte")) << bad;
  }
  absl::Status s = DecodeMetricPoints("1,2,3;4,5", "k", out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("at byte 8"));
}

TEST(MetricChunksTest, HistoryOrderAndExactRepeatsCollapse) {
  std::vector<Metric> m = {{"k", 3.0, 10, 2}, {"k", 1.0, 10, 1}, {"k", 2.0, 5, 1},
                           {"k", 1.0, 10, 1}, {"k", std::nan(""), 10, 1}, {"k", 0.0, 10, 1}};
  SortAndDeduplicateHistory(m);
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0].timestamp, 5);
  // NaN sorts as 0 (stored so), next to a real 0, and both are kept: they differ.
  EXPECT_EQ(m[1].value, 0.0);
  EXPECT_TRUE(std::isnan(m[2].value));
  EXPECT_EQ(m[3].value, 1.0);
  EXPECT_EQ(m[4].step, 2);
}

}  // namespace
}  // namespace strata::tracking::internal
