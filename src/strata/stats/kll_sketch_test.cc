#include "strata/stats/kll_sketch.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace strata::stats {
namespace {

// The distance of q from the interval of true normalized ranks the value `v` occupies in
// `sorted` (0 when v's rank range covers q).
double RankError(const std::vector<double>& sorted, double v, double q) {
  const double n = static_cast<double>(sorted.size());
  const double lo = static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), v) - sorted.begin()) / n;
  const double hi = static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), v) - sorted.begin()) / n;
  if (q < lo) return lo - q;
  if (q > hi) return q - hi;
  return 0;
}

std::vector<double> Draw(const std::string& distribution, int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> values(static_cast<size_t>(n));
  std::uniform_real_distribution<double> uniform(-5, 5);
  std::normal_distribution<double> normal(100, 15);
  std::lognormal_distribution<double> lognormal(0, 2);
  std::uniform_int_distribution<int> few(0, 9);
  for (int64_t i = 0; i < n; ++i) {
    double v = 0;
    if (distribution == "uniform") v = uniform(rng);
    if (distribution == "normal") v = normal(rng);
    if (distribution == "lognormal") v = lognormal(rng);
    if (distribution == "ascending") v = static_cast<double>(i);
    if (distribution == "few_values") v = few(rng);
    values[static_cast<size_t>(i)] = v;
  }
  return values;
}

class KllAccuracyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KllAccuracyTest, RankErrorWithinBoundOnAMillionValuesMergedFromParts) {
  const int64_t n = 1000000;
  std::vector<double> values = Draw(GetParam(), n, 7);
  // Four parts, each sketched on its own (as the profiler's threads do), then merged.
  std::vector<KllSketch> parts;
  for (int p = 0; p < 4; ++p) {
    KllSketch part(200, 1000 + static_cast<uint64_t>(p));
    for (int64_t i = p * n / 4; i < (p + 1) * n / 4; ++i) part.Update(values[static_cast<size_t>(i)]);
    parts.push_back(std::move(part));
  }
  KllSketch sketch = parts[0];
  for (int p = 1; p < 4; ++p) ASSERT_TRUE(sketch.Merge(parts[static_cast<size_t>(p)]).ok());
  std::sort(values.begin(), values.end());
  EXPECT_EQ(sketch.n(), n);
  EXPECT_EQ(sketch.min(), values.front());
  EXPECT_EQ(sketch.max(), values.back());
  EXPECT_LT(sketch.retained(), 2000);  // memory stays O(k), not O(n)
  double worst = 0;
  for (int i = 1; i < 100; ++i) {
    const double q = i / 100.0;
    worst = std::max(worst, RankError(values, sketch.Quantile(q), q));
    // Rank() of an exact quantile should give back about q.
    const double x = values[static_cast<size_t>(q * static_cast<double>(n))];
    const double exact_rank =
        static_cast<double>(std::upper_bound(values.begin(), values.end(), x) - values.begin()) / static_cast<double>(n);
    EXPECT_NEAR(sketch.Rank(x), exact_rank, 0.015) << "q " << q;
  }
  EXPECT_LE(worst, 0.015) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Distributions, KllAccuracyTest,
                         ::testing::Values("uniform", "normal", "lognormal", "ascending", "few_values"));

TEST(KllSketchTest, SmallInputIsExact) {
  KllSketch sketch;
  for (double v : {5.0, 1.0, 3.0, 2.0, 4.0}) sketch.Update(v);
  sketch.Update(std::nan(""));  // ignored
  EXPECT_EQ(sketch.n(), 5);
  EXPECT_EQ(sketch.Quantile(0), 1);
  EXPECT_EQ(sketch.Quantile(0.5), 3);
  EXPECT_EQ(sketch.Quantile(1), 5);
  EXPECT_DOUBLE_EQ(sketch.Rank(2), 0.4);
  EXPECT_DOUBLE_EQ(sketch.Rank(2, /*inclusive=*/false), 0.2);
  const std::vector<double> qs = sketch.Quantiles(std::vector<double>{0.2, 0.8});
  EXPECT_EQ(qs[0], 1);
  EXPECT_EQ(qs[1], 4);
}

TEST(KllSketchTest, EmptyAnswersNaN) {
  KllSketch sketch;
  EXPECT_TRUE(std::isnan(sketch.Quantile(0.5)));
  EXPECT_TRUE(std::isnan(sketch.min()));
  EXPECT_EQ(sketch.Rank(1), 0);
  KllSketch other;
  other.Update(2);
  ASSERT_TRUE(sketch.Merge(other).ok());
  EXPECT_EQ(sketch.Quantile(0.5), 2);
}

TEST(KllSketchTest, MergeRejectsDifferentK) {
  KllSketch a(200), b(100);
  EXPECT_EQ(a.Merge(b).code(), absl::StatusCode::kInvalidArgument);
}

TEST(KllSketchTest, SerializeRoundTripsAndContinuesIdentically) {
  KllSketch sketch(64);
  std::vector<double> values = Draw("normal", 100000, 3);
  for (double v : values) sketch.Update(v);
  absl::StatusOr<KllSketch> copy = KllSketch::Deserialize(sketch.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status();
  absl::StatusOr<KllSketch> from_json = KllSketch::FromJson(sketch.ToJson());
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  for (double q : {0.01, 0.5, 0.99}) {
    EXPECT_EQ(copy->Quantile(q), sketch.Quantile(q));
    EXPECT_EQ(from_json->Quantile(q), sketch.Quantile(q));
  }
  // The generator state travels too, so further updates compact the same way.
  for (double v : Draw("uniform", 5000, 4)) {
    sketch.Update(v);
    copy->Update(v);
  }
  EXPECT_EQ(copy->Serialize(), sketch.Serialize());
}

TEST(KllSketchTest, DeserializeRejectsBadBytes) {
  KllSketch sketch;
  for (int i = 0; i < 10000; ++i) sketch.Update(i);
  const std::string bytes = sketch.Serialize();
  // Every truncation is an error, never a crash.
  for (size_t len = 0; len < bytes.size(); len += 7) {
    EXPECT_EQ(KllSketch::Deserialize(bytes.substr(0, len)).status().code(), absl::StatusCode::kInvalidArgument)
        << len;
  }
  std::string bad_magic = bytes;
  bad_magic[0] = 'X';
  EXPECT_FALSE(KllSketch::Deserialize(bad_magic).ok());
  std::string bad_n = bytes;
  bad_n[9] ^= 1;  // n no longer matches the retained weight
  absl::Status s = KllSketch::Deserialize(bad_n).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("weight"), std::string::npos) << s;
  EXPECT_FALSE(KllSketch::Deserialize(bytes + "x").ok());
  nlohmann::json json = sketch.ToJson();
  json["levels"][0].push_back("nope");
  EXPECT_FALSE(KllSketch::FromJson(json).ok());
  EXPECT_FALSE(KllSketch::FromJson(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace strata::stats

namespace strata::stats {
namespace {

// The batch path (sort once, halve the run down the levels) keeps the same error bound as
// value-by-value updates, over parts merged as the profiler merges its threads' sketches.
TEST_P(KllAccuracyTest, BatchUpdatesKeepTheRankErrorBound) {
  const int64_t n = 1000000;
  std::vector<double> values = Draw(GetParam(), n, 11);
  std::vector<KllSketch> parts;
  for (int p = 0; p < 2; ++p) {
    KllSketch part(200, 77 + static_cast<uint64_t>(p));
    for (int64_t start = p * n / 2; start < (p + 1) * n / 2; start += 4096) {
      const int64_t stop = std::min<int64_t>((p + 1) * n / 2, start + 4096);
      part.Update(absl::MakeConstSpan(values.data() + start, static_cast<size_t>(stop - start)));
    }
    parts.push_back(std::move(part));
  }
  KllSketch sketch = parts[0];
  ASSERT_TRUE(sketch.Merge(parts[1]).ok());
  std::sort(values.begin(), values.end());
  EXPECT_EQ(sketch.n(), n);
  EXPECT_EQ(sketch.min(), values.front());
  EXPECT_EQ(sketch.max(), values.back());
  EXPECT_LT(sketch.retained(), 2000);
  double worst = 0;
  for (int i = 1; i < 100; ++i) {
    const double q = i / 100.0;
    worst = std::max(worst, RankError(values, sketch.Quantile(q), q));
  }
  EXPECT_LE(worst, 0.015) << GetParam();
  // The retained weight still equals n: the serialized form validates it.
  EXPECT_TRUE(KllSketch::Deserialize(sketch.Serialize()).ok());
}

TEST(KllSketchTest, BatchBelowCapacityIsExactAndDropsNaN) {
  KllSketch sketch;
  std::vector<double> values;
  for (int i = 150; i >= 0; --i) values.push_back(i);
  values.push_back(std::nan(""));
  sketch.Update(values);
  EXPECT_EQ(sketch.n(), 151);
  EXPECT_EQ(sketch.Quantile(0.5), 75);
  KllSketch sorted;
  std::vector<double> ascending(1000);
  for (int i = 0; i < 1000; ++i) ascending[static_cast<size_t>(i)] = i;
  sorted.UpdateSorted(ascending);
  EXPECT_EQ(sorted.n(), 1000);
  EXPECT_NEAR(sorted.Quantile(0.5), 500, 15);
  EXPECT_TRUE(KllSketch::Deserialize(sorted.Serialize()).ok());
}

}  // namespace
}  // namespace strata::stats
