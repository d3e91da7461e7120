#include "strata/stats/correlation.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace strata::stats {
namespace {

double ExactPearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

TEST(CorrelationTest, MatchesExactPearsonWhenMergedFromBatches) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> x(100000), y(100000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = 1e6 + normal(rng);
    y[i] = 0.6 * (x[i] - 1e6) + 0.8 * normal(rng);
  }
  PearsonAccumulator merged, single;
  for (size_t start = 0; start < x.size(); start += 3000) {
    const size_t len = std::min<size_t>(3000, x.size() - start);
    PearsonAccumulator part;
    part.Update(absl::MakeConstSpan(x).subspan(start, len), absl::MakeConstSpan(y).subspan(start, len));
    merged.Merge(part);
  }
  for (size_t i = 0; i < x.size(); ++i) single.Update(x[i], y[i]);
  const double exact = ExactPearson(x, y);
  EXPECT_NEAR(merged.Correlation(), exact, 1e-9);
  EXPECT_NEAR(single.Correlation(), exact, 1e-9);
  EXPECT_NEAR(exact, 0.6, 0.01);
}

TEST(CorrelationTest, PerfectAndUndefined) {
  PearsonAccumulator up, down, flat;
  for (int i = 0; i < 10; ++i) {
    up.Update(i, 2 * i + 1);
    down.Update(i, -3 * i);
    flat.Update(i, 5);
  }
  EXPECT_NEAR(up.Correlation(), 1, 1e-12);
  EXPECT_NEAR(down.Correlation(), -1, 1e-12);
  EXPECT_TRUE(std::isnan(flat.Correlation()));
  EXPECT_NEAR(up.Covariance(), 2 * 55.0 / 6, 1e-9);  // var(0..9) = 55/6, cov = 2 var
}

TEST(CorrelationTest, MatrixPairsMergeAndSerialize) {
  CorrelationMatrix m({"a", "b", "c"}), other({"a", "b", "c"});
  for (int i = 0; i < 50; ++i) {
    m.pair(0, 1).Update(i, i);
    other.pair(1, 0).Update(i + 50, i + 50);
    m.pair(0, 2).Update(i, -i);
    m.pair(1, 2).Update(i, i % 7);
  }
  ASSERT_TRUE(m.Merge(other).ok());
  EXPECT_EQ(m.pair(0, 1).count(), 100);
  EXPECT_NEAR(m.Correlation(1, 0), 1, 1e-12);
  EXPECT_NEAR(m.Correlation(2, 0), -1, 1e-12);
  absl::StatusOr<CorrelationMatrix> copy = CorrelationMatrix::Deserialize(m.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->Correlation(1, 2), m.Correlation(1, 2));
  absl::StatusOr<CorrelationMatrix> from_json = CorrelationMatrix::FromJson(m.ToJson());
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_EQ(from_json->Correlation(0, 2), m.Correlation(0, 2));
  EXPECT_FALSE(m.Merge(CorrelationMatrix({"a", "b"})).ok());
  const std::string bytes = m.Serialize();
  for (size_t len = 0; len < bytes.size(); len += 11) EXPECT_FALSE(CorrelationMatrix::Deserialize(bytes.substr(0, len)).ok());
}

}  // namespace
}  // namespace strata::stats
