#include "strata/stats/histogram.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace strata::stats {
namespace {

TEST(HistogramTest, BinsLikeNumpy) {
  absl::StatusOr<Histogram> h = Histogram::Make(0, 10, 5);
  ASSERT_TRUE(h.ok());
  for (double v : {0.0, 1.9999, 2.0, 5.0, 9.99, 10.0, -1.0, 11.0, std::nan("")}) h->Update(v);
  // numpy.histogram([0, 1.9999, 2, 5, 9.99, 10], bins=5, range=(0, 10)) -> [2, 1, 1, 0, 2]
  EXPECT_EQ(h->counts(), (std::vector<int64_t>{2, 1, 1, 0, 2}));
  EXPECT_EQ(h->underflow(), 1);
  EXPECT_EQ(h->overflow(), 1);
  EXPECT_EQ(h->total(), 8);
  EXPECT_EQ(h->edge(1), 2);
  // 0.1-wide bins put 0.3 (just under 3 * 0.1 in binary) where numpy puts it.
  absl::StatusOr<Histogram> fine = Histogram::Make(0, 1, 10);
  fine->Update(0.3);
  EXPECT_EQ(fine->counts()[2] + fine->counts()[3], 1);
  EXPECT_EQ(fine->counts()[0.3 < fine->edge(3) ? 2 : 3], 1);
}

TEST(HistogramTest, RejectsBadRanges) {
  EXPECT_FALSE(Histogram::Make(0, 1, 0).ok());
  EXPECT_FALSE(Histogram::Make(2, 1, 3).ok());
  EXPECT_FALSE(Histogram::Make(0, INFINITY, 3).ok());
  absl::StatusOr<Histogram> one_point = Histogram::Make(3, 3, 4);
  ASSERT_TRUE(one_point.ok());
  one_point->Update(3);
  EXPECT_EQ(one_point->counts()[0], 1);
}

TEST(HistogramTest, MergeNeedsTheSameBins) {
  Histogram a = *Histogram::Make(0, 1, 4), b = *Histogram::Make(0, 1, 4), c = *Histogram::Make(0, 2, 4);
  a.Update(0.1);
  b.Update(0.9);
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_EQ(a.counts(), (std::vector<int64_t>{1, 0, 0, 1}));
  EXPECT_EQ(a.Merge(c).code(), absl::StatusCode::kInvalidArgument);
}

TEST(HistogramTest, EstimateFromKllIsCloseToExact) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal(0, 1);
  KllSketch sketch;
  std::vector<double> values(200000);
  for (double& v : values) {
    v = normal(rng);
    sketch.Update(v);
  }
  absl::StatusOr<Histogram> estimated = Histogram::EstimateFromKll(sketch, 20);
  ASSERT_TRUE(estimated.ok());
  absl::StatusOr<Histogram> exact = Histogram::Make(sketch.min(), sketch.max(), 20);
  for (double v : values) exact->Update(v);
  EXPECT_EQ(estimated->total(), 200000);
  for (int i = 0; i < 20; ++i) {
    EXPECT_NEAR(estimated->counts()[static_cast<size_t>(i)], exact->counts()[static_cast<size_t>(i)], 0.02 * 200000)
        << "bin " << i;
  }
  EXPECT_EQ(Histogram::EstimateFromKll(KllSketch(), 10)->bins(), 0);
}

TEST(HistogramTest, SerializeRoundTripsAndRejectsBadBytes) {
  Histogram h = *Histogram::Make(-1, 1, 3);
  for (double v : {-0.9, 0.0, 0.5, 0.7, 2.0}) h.Update(v);
  absl::StatusOr<Histogram> copy = Histogram::Deserialize(h.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->counts(), h.counts());
  EXPECT_EQ(copy->overflow(), 1);
  absl::StatusOr<Histogram> from_json = Histogram::FromJson(h.ToJson());
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_EQ(from_json->counts(), h.counts());
  EXPECT_EQ(from_json->overflow(), 1);
  const std::string bytes = h.Serialize();
  for (size_t len = 0; len < bytes.size(); len += 3) EXPECT_FALSE(Histogram::Deserialize(bytes.substr(0, len)).ok());
  EXPECT_FALSE(Histogram::FromJson({{"lo", 0}, {"hi", 1}, {"counts", {1, -2}}}).ok());
}

}  // namespace
}  // namespace strata::stats
