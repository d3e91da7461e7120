#include "strata/stats/frequent_items.h"

#include <cmath>
#include <map>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace strata::stats {
namespace {

TEST(FrequentItemsTest, ExactWhileFewerDistinctItemsThanCapacity) {
  FrequentItems<std::string> top(16);
  for (int i = 0; i < 10; ++i) {
    for (int r = 0; r <= i; ++r) top.Update(std::string_view(absl::StrCat("v", i)));
  }
  EXPECT_EQ(top.offset(), 0);
  const auto rows = top.Top(3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].item, "v9");
  EXPECT_EQ(rows[0].lower_bound, 10);
  EXPECT_EQ(rows[0].upper_bound, 10);
  EXPECT_EQ(rows[2].item, "v7");
  EXPECT_EQ(top.total_weight(), 55);
}

// A Zipf-like stream over many more items than counters, summarized in two halves and
// merged: every bound must hold against the exact counts, and every item more frequent
// than the error offset must be reported.
TEST(FrequentItemsTest, BoundsHoldOnSkewedStreamAfterMerge) {
  std::mt19937_64 rng(11);
  std::map<int64_t, int64_t> exact;
  FrequentItems<int64_t> a(64), b(64);
  const int n = 300000;
  for (int i = 0; i < n; ++i) {
    // P(item k) ~ 1/k^1.2 over 1..100000, drawn by inverse CDF on a continuous approximation.
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const int64_t item = static_cast<int64_t>(std::floor(std::pow(1 - u * (1 - std::pow(100000.0, -0.2)), -5.0)));
    ++exact[item];
    (i < n / 2 ? a : b).Update(item);
  }
  ASSERT_TRUE(a.Merge(b).ok());
  EXPECT_EQ(a.total_weight(), n);
  EXPECT_GT(a.offset(), 0);
  EXPECT_LE(a.offset(), n / 32);  // Misra-Gries: error at most N / (capacity / 2)
  for (const auto& [item, count] : exact) {
    const auto row = a.Estimate(item);
    EXPECT_LE(row.lower_bound, count) << item;
    EXPECT_GE(row.upper_bound, count) << item;
  }
  const auto rows = a.Top(1000);
  for (const auto& [item, count] : exact) {
    if (count <= a.offset() * 2) continue;
    bool found = false;
    for (const auto& r : rows) found = found || r.item == item;
    EXPECT_TRUE(found) << "heavy item " << item << " (" << count << ") missing";
  }
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].item, 1);
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_GE(rows[i - 1].lower_bound, rows[i].lower_bound);
}

TEST(FrequentItemsTest, SerializeRoundTripsAndRejectsBadBytes) {
  FrequentItems<std::string> top(8);
  for (int i = 0; i < 100; ++i) top.Update(std::string_view(absl::StrCat("k", i % 13)), 1 + i % 3);
  absl::StatusOr<FrequentItems<std::string>> copy = FrequentItems<std::string>::Deserialize(top.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status();
  absl::StatusOr<FrequentItems<std::string>> from_json = FrequentItems<std::string>::FromJson(top.ToJson());
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  for (const auto* c : {&*copy, &*from_json}) {
    EXPECT_EQ(c->offset(), top.offset());
    EXPECT_EQ(c->total_weight(), top.total_weight());
    ASSERT_EQ(c->Top(5).size(), top.Top(5).size());
    for (size_t i = 0; i < top.Top(5).size(); ++i) EXPECT_EQ(c->Top(5)[i].item, top.Top(5)[i].item);
  }
  const std::string bytes = top.Serialize();
  for (size_t len = 0; len < bytes.size(); len += 5) {
    EXPECT_FALSE(FrequentItems<std::string>::Deserialize(bytes.substr(0, len)).ok()) << len;
  }
  // A string sketch is not an int64 sketch.
  EXPECT_FALSE(FrequentItems<int64_t>::Deserialize(bytes).ok());
  nlohmann::json json = top.ToJson();
  json["items"].push_back({"extra", -1});
  EXPECT_FALSE(FrequentItems<std::string>::FromJson(json).ok());
  json = top.ToJson();
  json["items"].push_back(3);
  EXPECT_FALSE(FrequentItems<std::string>::FromJson(json).ok());
}

}  // namespace
}  // namespace strata::stats

namespace strata::stats {
namespace {

// Batches of distinct items with weights (as the profiler feeds each sorted block's runs):
// the Misra-Gries bounds hold against exact counts, and heavy items are all reported.
TEST(FrequentItemsTest, DistinctBatchesKeepTheBounds) {
  std::mt19937_64 rng(3);
  std::map<int64_t, int64_t> exact;
  FrequentItems<int64_t> top(64);
  for (int block = 0; block < 200; ++block) {
    std::map<int64_t, int64_t> batch;
    for (int i = 0; i < 1000; ++i) {
      // One heavy item (~10%), a few warm ones, and a near-unique tail.
      const uint64_t u = rng() % 100;
      const int64_t item = u < 10 ? 7 : u < 30 ? static_cast<int64_t>(100 + rng() % 5)
                                               : static_cast<int64_t>(1000 + rng() % 1000000);
      ++batch[item];
    }
    std::vector<int64_t> items, weights;
    for (const auto& [item, w] : batch) {
      items.push_back(item);
      weights.push_back(w);
      exact[item] += w;
    }
    top.UpdateDistinct(absl::Span<const int64_t>(items), weights);
    EXPECT_LE(top.num_counters(), 64);
  }
  EXPECT_EQ(top.total_weight(), 200000);
  EXPECT_GT(top.offset(), 0);
  for (const auto& [item, count] : exact) {
    const auto e = top.Estimate(item);
    EXPECT_LE(e.lower_bound, count) << item;
    EXPECT_GE(e.upper_bound, count) << item;
    if (count > top.offset()) {
      EXPECT_GT(e.lower_bound, 0) << "heavy item " << item << " lost";
    }
  }
  const auto rows = top.Top(1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].item, 7);
}

TEST(FrequentItemsTest, DistinctBatchesAreExactWhileTheyFit) {
  FrequentItems<std::string> top(16);
  const std::vector<std::string_view> items = {"a", "b", "c"};
  const std::vector<int64_t> weights = {3, 1, 2};
  top.UpdateDistinct(absl::Span<const std::string_view>(items), weights);
  top.UpdateDistinct(absl::Span<const std::string_view>(items), weights);
  top.Update(std::string_view("b"));
  EXPECT_EQ(top.offset(), 0);
  EXPECT_EQ(top.Estimate("a").lower_bound, 6);
  EXPECT_EQ(top.Estimate("b").lower_bound, 3);
  EXPECT_EQ(top.Estimate("c").upper_bound, 4);
  EXPECT_EQ(top.total_weight(), 13);
}

}  // namespace
}  // namespace strata::stats
