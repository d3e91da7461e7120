#include "strata/train/cross_validation.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace strata::train {
namespace {

// Every row is in exactly one test fold, train = complement, lists sorted.
void ExpectPartition(const std::vector<Fold>& folds, int64_t rows) {
  std::vector<int> seen(static_cast<size_t>(rows), 0);
  for (const Fold& f : folds) {
    EXPECT_TRUE(std::is_sorted(f.test.begin(), f.test.end()));
    EXPECT_TRUE(std::is_sorted(f.train.begin(), f.train.end()));
    EXPECT_EQ(static_cast<int64_t>(f.train.size() + f.test.size()), rows);
    std::set<int64_t> test(f.test.begin(), f.test.end());
    for (int64_t r : f.train) EXPECT_EQ(test.count(r), 0u);
    for (int64_t r : f.test) ++seen[static_cast<size_t>(r)];
  }
  for (int count : seen) EXPECT_EQ(count, 1);
}

TEST(CrossValidationTest, KFoldPartitionsEvenlyAndIsSeeded) {
  auto folds = KFold(103, {.k = 5, .shuffle = true, .seed = 1});
  ASSERT_TRUE(folds.ok());
  ASSERT_EQ(folds->size(), 5u);
  ExpectPartition(*folds, 103);
  for (const Fold& f : *folds) EXPECT_TRUE(f.test.size() == 20 || f.test.size() == 21);
  auto again = KFold(103, {.k = 5, .shuffle = true, .seed = 1});
  auto other = KFold(103, {.k = 5, .shuffle = true, .seed = 2});
  EXPECT_EQ((*folds)[0].test, (*again)[0].test);
  EXPECT_NE((*folds)[0].test, (*other)[0].test);
  auto blocks = KFold(10, {.k = 3, .shuffle = false, .seed = 0});
  EXPECT_EQ((*blocks)[0].test, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ((*blocks)[2].test, (std::vector<int64_t>{7, 8, 9}));
}

TEST(CrossValidationTest, StratifiedKeepsClassShares) {
  std::vector<int> labels;
  for (int i = 0; i < 90; ++i) labels.push_back(0);
  for (int i = 0; i < 10; ++i) labels.push_back(1);
  for (int i = 0; i < 23; ++i) labels.push_back(2);
  auto folds = StratifiedKFold(labels, {.k = 5, .shuffle = true, .seed = 4});
  ASSERT_TRUE(folds.ok());
  ExpectPartition(*folds, static_cast<int64_t>(labels.size()));
  size_t smallest = labels.size(), largest = 0;
  for (const Fold& f : *folds) {
    int count[3] = {0, 0, 0};
    for (int64_t r : f.test) ++count[labels[static_cast<size_t>(r)]];
    EXPECT_EQ(count[0], 18);
    EXPECT_EQ(count[1], 2);
    EXPECT_TRUE(count[2] == 4 || count[2] == 5);
    smallest = std::min(smallest, f.test.size());
    largest = std::max(largest, f.test.size());
  }
  EXPECT_LE(largest - smallest, 1u);
}

TEST(CrossValidationTest, BadArguments) {
  EXPECT_FALSE(KFold(10, {.k = 1, .shuffle = true, .seed = 0}).ok());
  EXPECT_FALSE(KFold(3, {.k = 4, .shuffle = true, .seed = 0}).ok());
  auto negative = StratifiedKFold(std::vector<int>{0, -1, 1}, {.k = 2, .shuffle = true, .seed = 0});
  EXPECT_NE(negative.status().message().find("row 1"), std::string::npos);
}

TEST(CrossValidationTest, RunsFoldsInParallelAndAggregates) {
  auto folds = KFold(40, {.k = 4, .shuffle = true, .seed = 0});
  ASSERT_TRUE(folds.ok());
  std::atomic<int> calls{0};
  auto result = CrossValidate(
      *folds,
      [&](int fold, const Fold& split) -> absl::StatusOr<FoldMetrics> {
        ++calls;
        return FoldMetrics{{"score", static_cast<double>(fold)},
                           {"test_rows", static_cast<double>(split.test.size())}};
      },
      2);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(calls.load(), 4);
  ASSERT_EQ(result->folds.size(), 4u);
  EXPECT_EQ(result->folds[3].at("score"), 3);  // fold order kept
  EXPECT_DOUBLE_EQ(result->mean.at("score"), 1.5);
  EXPECT_DOUBLE_EQ(result->stddev.at("score"), std::sqrt(1.25));
  EXPECT_EQ(result->mean.at("test_rows"), 10);

  auto failing = CrossValidate(*folds, [](int fold, const Fold&) -> absl::StatusOr<FoldMetrics> {
    if (fold == 2) return absl::InternalError("boom");
    return FoldMetrics{};
  });
  EXPECT_EQ(failing.status().message(), "fold 2: boom");
}

}  // namespace
}  // namespace strata::train
