#include "strata/stats/moments.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace strata::stats {
namespace {

TEST(MomentsTest, MatchesTwoPassAndSurvivesALargeOffset) {
  // Values near 1e9 with unit spread: a naive sum of squares loses every digit here.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(1e9, 1);
  std::vector<double> values(200000);
  for (double& v : values) v = normal(rng);
  // The reference in long double (64-bit mantissa), two passes.
  long double sum = 0;
  for (double v : values) sum += v;
  const long double exact_mean = sum / static_cast<long double>(values.size());
  long double m2 = 0;
  for (double v : values) m2 += (v - exact_mean) * (v - exact_mean);
  const double mean = static_cast<double>(exact_mean);
  const double sd = static_cast<double>(std::sqrt(m2 / static_cast<long double>(values.size() - 1)));

  Moments batched, single, merged;
  for (size_t start = 0; start < values.size(); start += 4096) {
    const size_t len = std::min<size_t>(4096, values.size() - start);
    Moments part;
    part.Update(absl::MakeConstSpan(values).subspan(start, len));
    merged.Merge(part);
  }
  batched.Update(values);
  for (double v : values) single.Update(v);
  for (const Moments* m : {&batched, &single, &merged}) {
    EXPECT_EQ(m->count(), 200000);
    EXPECT_NEAR(m->mean(), mean, 1e-13 * mean);  // ~100 ulps after 200,000 updates
    EXPECT_NEAR(m->stddev(), sd, 1e-6 * sd);
    EXPECT_EQ(m->min(), *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(m->max(), *std::max_element(values.begin(), values.end()));
  }
}

TEST(MomentsTest, SmallCases) {
  Moments m;
  EXPECT_TRUE(std::isnan(m.mean()));
  m.Update(2);
  EXPECT_EQ(m.mean(), 2);
  EXPECT_TRUE(std::isnan(m.stddev()));
  EXPECT_EQ(m.variance_population(), 0);
  for (double v : {4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) m.Update(v);
  EXPECT_DOUBLE_EQ(m.mean(), 5);
  EXPECT_DOUBLE_EQ(m.variance_population(), 4);  // the textbook example: sd 2
  EXPECT_DOUBLE_EQ(m.sum(), 40);
}

TEST(MomentsTest, SerializeRoundTripsAndRejectsBadBytes) {
  Moments m;
  for (double v : {1.0, 2.0, 10.0}) m.Update(v);
  absl::StatusOr<Moments> copy = Moments::Deserialize(m.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->mean(), m.mean());
  EXPECT_EQ(copy->m2(), m.m2());
  absl::StatusOr<Moments> from_json = Moments::FromJson(m.ToJson());
  ASSERT_TRUE(from_json.ok());
  EXPECT_EQ(from_json->stddev(), m.stddev());
  const std::string bytes = m.Serialize();
  EXPECT_FALSE(Moments::Deserialize(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(Moments::Deserialize(bytes + "!").ok());
  nlohmann::json json = m.ToJson();
  json["m2"] = -1;
  EXPECT_FALSE(Moments::FromJson(json).ok());
}

}  // namespace
}  // namespace strata::stats
