#include "strata/features/duration.h"

#include "gtest/gtest.h"

namespace strata::features {
namespace {

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(*ParseDurationMicros("0"), 0);
  EXPECT_EQ(*ParseDurationMicros("90s"), 90'000'000);
  EXPECT_EQ(*ParseDurationMicros("15m"), 900'000'000);
  EXPECT_EQ(*ParseDurationMicros("12h"), 43'200'000'000);
  EXPECT_EQ(*ParseDurationMicros("30d"), 2'592'000'000'000);
}

TEST(DurationTest, RefusesMalformed) {
  for (const char* bad : {"", "d", "30", "30w", "-1d", "1.5h", " 1d", "99999999999999999d"}) {
    auto d = ParseDurationMicros(bad);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(DurationTest, FormatsShortestExactForm) {
  EXPECT_EQ(FormatDurationMicros(0), "0");
  EXPECT_EQ(FormatDurationMicros(2'592'000'000'000), "30d");
  EXPECT_EQ(FormatDurationMicros(90'000'000), "90s");
  EXPECT_EQ(FormatDurationMicros(7'200'000'000), "2h");
  EXPECT_EQ(*ParseDurationMicros(FormatDurationMicros(5'400'000'000)), 5'400'000'000);
}

}  // namespace
}  // namespace strata::features
