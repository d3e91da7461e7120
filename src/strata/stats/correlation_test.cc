#include "strata/stats/correlation.h"

#include <cmath>
#include <limits>
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

namespace strata::stats {
namespace {

// Column blocks with missing values (NaN, inf) give each pair the accumulator of its
// pairwise-complete rows, as the per-pair batch update does.
TEST(CorrelationTest, UpdateColumnsMatchesPairwiseCompleteBatches) {
  std::mt19937_64 rng(21);
  std::normal_distribution<double> normal(0, 1);
  const size_t rows = 20000;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<double>> cols(3, std::vector<double>(rows));
  for (size_t i = 0; i < rows; ++i) {
    const double base = normal(rng);
    cols[0][i] = 5e8 + 1000 * base;                              // far from 0
    cols[1][i] = rng() % 20 == 0 ? nan : 0.5 * base + normal(rng);  // 5% missing
    cols[2][i] = rng() % 2 == 0 ? std::numeric_limits<double>::infinity() : -base;  // half missing
  }
  CorrelationMatrix blocks({"a", "b", "c"});
  for (size_t start = 0; start < rows; start += 4096) {
    const size_t len = std::min<size_t>(4096, rows - start);
    const std::vector<const double*> pointers = {cols[0].data() + start, cols[1].data() + start,
                                                 cols[2].data() + start};
    blocks.UpdateColumns(pointers, len);
  }
  for (int a = 0; a < 3; ++a) {
    for (int b = a; b < 3; ++b) {
      std::vector<double> xs, ys;
      for (size_t i = 0; i < rows; ++i) {
        if (std::isfinite(cols[static_cast<size_t>(a)][i]) && std::isfinite(cols[static_cast<size_t>(b)][i])) {
          xs.push_back(cols[static_cast<size_t>(a)][i]);
          ys.push_back(cols[static_cast<size_t>(b)][i]);
        }
      }
      PearsonAccumulator expected;
      expected.Update(xs, ys);
      EXPECT_EQ(blocks.pair(a, b).count(), expected.count()) << a << b;
      EXPECT_NEAR(blocks.pair(a, b).Correlation(), expected.Correlation(), 1e-9) << a << b;
      EXPECT_NEAR(blocks.pair(a, b).Covariance(), expected.Covariance(),
                  1e-9 * std::fabs(expected.Covariance()) + 1e-12) << a << b;
    }
  }
  EXPECT_NEAR(blocks.Correlation(0, 2), -1.0, 1e-9);
  // A block where a column has no value at all adds nothing for its pairs.
  const std::vector<double> none(8, nan), some = {1, 2, 3, 4, 5, 6, 7, 8};
  CorrelationMatrix empty({"x", "y"});
  empty.UpdateColumns(std::vector<const double*>{none.data(), some.data()}, 8);
  EXPECT_EQ(empty.pair(0, 1).count(), 0);
  EXPECT_EQ(empty.pair(1, 1).count(), 8);
}

}  // namespace
}  // namespace strata::stats
