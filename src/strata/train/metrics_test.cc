#include "strata/train/metrics.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace strata::train {
namespace {

// Scores with ties across the classes (0.4 is held by one positive and two negatives).
const std::vector<int> kBinaryTruth = {0, 0, 1, 1, 1, 0, 1, 0};
const std::vector<double> kBinaryScore = {0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2};

TEST(MetricsTest, RocAucCountsTiesAsHalfAPair) {
  // Mann-Whitney: of the 16 positive/negative pairs, 12 are ordered right and 2 are ties.
  EXPECT_DOUBLE_EQ(*RocAuc(kBinaryTruth, kBinaryScore), 13.0 / 16.0);
}

// The O(n log n) AUC agrees with the O(n^2) pair count on random data with many ties.
TEST(MetricsTest, RocAucMatchesPairCountOnRandomTies) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> bucket(0, 9);
  std::vector<int> truth(500);
  std::vector<double> score(500);
  for (size_t i = 0; i < truth.size(); ++i) {
    truth[i] = bucket(rng) < 4 ? 1 : 0;
    score[i] = bucket(rng) / 10.0 + truth[i] * 0.05;
  }
  double pairs = 0, good = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    for (size_t j = 0; j < truth.size(); ++j) {
      if (truth[i] != 1 || truth[j] != 0) continue;
      pairs += 1;
      good += score[i] > score[j] ? 1 : (score[i] == score[j] ? 0.5 : 0);
    }
  }
  EXPECT_NEAR(*RocAuc(truth, score), good / pairs, 1e-12);
}

TEST(MetricsTest, RocCurveDropsCollinearPointsLikeSklearn) {
  auto full = RocCurve(kBinaryTruth, kBinaryScore, /*drop_intermediate=*/false);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->x, (std::vector<double>{0, 0, 0, 0.5, 0.5, 0.75, 1}));
  EXPECT_EQ(full->y, (std::vector<double>{0, 0.25, 0.5, 0.75, 1, 1, 1}));
  EXPECT_EQ(full->thresholds, (std::vector<double>{1.9, 0.9, 0.8, 0.4, 0.35, 0.2, 0.1}));
  auto dropped = RocCurve(kBinaryTruth, kBinaryScore);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->x, (std::vector<double>{0, 0, 0, 0.5, 0.5, 1}));
  EXPECT_EQ(dropped->thresholds.size(), 6u);
}

TEST(MetricsTest, PrCurveAndAveragePrecision) {
  auto curve = PrCurve(kBinaryTruth, kBinaryScore);
  ASSERT_TRUE(curve.ok());
  EXPECT_EQ(curve->x, (std::vector<double>{1, 1, 1, 0.75, 0.5, 0.25, 0}));
  ASSERT_EQ(curve->y.size(), 7u);
  EXPECT_DOUBLE_EQ(curve->y[1], 4.0 / 7.0);
  EXPECT_DOUBLE_EQ(curve->y[3], 3.0 / 5.0);  // 0.4 and above: 3 positives of 5 rows
  EXPECT_EQ(curve->thresholds, (std::vector<double>{0.1, 0.2, 0.35, 0.4, 0.8, 0.9}));
  // Steps of recall 0.25 at precisions 1, 1, 0.6 and 2/3.
  EXPECT_DOUBLE_EQ(*AveragePrecision(kBinaryTruth, kBinaryScore),
                   0.25 * (1 + 1 + 0.6 + 2.0 / 3.0));
}

TEST(MetricsTest, ClassCountsBinaryAndMacro) {
  const std::vector<int> truth = {0, 1, 1, 0, 1};
  const std::vector<int> pred = {0, 1, 0, 1, 1};
  EXPECT_DOUBLE_EQ(*Accuracy(truth, pred), 0.6);
  EXPECT_DOUBLE_EQ(*Precision(truth, pred, 2), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(*Recall(truth, pred, 2), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(*F1(truth, pred, 2), 2.0 / 3.0);

  const std::vector<int> t3 = {0, 1, 2, 2, 1, 0, 2};
  const std::vector<int> p3 = {0, 2, 2, 2, 1, 1, 0};
  // Per class precision 1/2, 1/2, 2/3; recall 1/2, 1/2, 2/3.
  EXPECT_DOUBLE_EQ(*Precision(t3, p3, 3), (0.5 + 0.5 + 2.0 / 3.0) / 3);
  EXPECT_DOUBLE_EQ(*Recall(t3, p3, 3), (0.5 + 0.5 + 2.0 / 3.0) / 3);
  // A class absent from both sides does not dilute the macro mean.
  EXPECT_DOUBLE_EQ(*Precision(t3, p3, 4), (0.5 + 0.5 + 2.0 / 3.0) / 3);
  auto cm = ComputeConfusionMatrix(t3, p3, 3);
  ASSERT_TRUE(cm.ok());
  EXPECT_EQ(cm->at(2, 2), 2);
  EXPECT_EQ(cm->at(2, 0), 1);
  EXPECT_EQ(cm->at(0, 1), 1);
  EXPECT_EQ(cm->ToJson({"a", "b", "c"}),
            R"({"labels":["a","b","c"],"matrix":[[1,1,0],[0,1,1],[1,0,2]]})");
}

TEST(MetricsTest, ZeroDivisionCountsAsZero) {
  const std::vector<int> truth = {0, 0, 1};
  const std::vector<int> none = {0, 0, 0};
  EXPECT_EQ(*Precision(truth, none, 2), 0);
  EXPECT_EQ(*F1(truth, none, 2), 0);
}

TEST(MetricsTest, LogLossClipsAndAcceptsOneColumn) {
  const std::vector<int> truth = {1, 0};
  EXPECT_DOUBLE_EQ(*LogLoss(truth, std::vector<double>{0.8, 0.3}, 2),
                   -(std::log(0.8) + std::log(0.7)) / 2);
  EXPECT_DOUBLE_EQ(*LogLoss(truth, std::vector<double>{0.2, 0.8, 0.7, 0.3}, 2),
                   -(std::log(0.8) + std::log(0.7)) / 2);
  // A confident miss is finite: p is clipped to 1 - eps.
  const double miss = *LogLoss(std::vector<int>{0}, std::vector<double>{1.0}, 2);
  EXPECT_TRUE(std::isfinite(miss));
  EXPECT_GT(miss, 30);
  // Rows are renormalised.
  EXPECT_DOUBLE_EQ(*LogLoss(std::vector<int>{2}, std::vector<double>{0.2, 0.2, 0.4}, 3), std::log(2.0));
}

TEST(MetricsTest, Regression) {
  const std::vector<double> truth = {1, 2, 3, 4};
  const std::vector<double> pred = {1.5, 2, 2.5, 5};
  EXPECT_DOUBLE_EQ(*Rmse(truth, pred), std::sqrt(1.5 / 4));
  EXPECT_DOUBLE_EQ(*Mae(truth, pred), 0.5);
  EXPECT_DOUBLE_EQ(*R2(truth, pred), 1 - 1.5 / 5);
  EXPECT_EQ(*R2(std::vector<double>{2, 2}, std::vector<double>{2, 2}), 1);
  EXPECT_EQ(*R2(std::vector<double>{2, 2}, std::vector<double>{2, 3}), 0);
}

TEST(MetricsTest, BadInputIsAnErrorNamingTheProblem) {
  auto empty = Accuracy({}, {});
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  auto length = Rmse(std::vector<double>{1}, std::vector<double>{1, 2});
  EXPECT_NE(length.status().message().find("differ in length"), std::string::npos);
  auto label = Precision(std::vector<int>{0, 5}, std::vector<int>{0, 1}, 2);
  EXPECT_NE(label.status().message().find("row 1"), std::string::npos);
  auto one_class = RocAuc(std::vector<int>{1, 1}, std::vector<double>{0.2, 0.3});
  EXPECT_NE(one_class.status().message().find("both classes"), std::string::npos);
  auto nan = RocAuc(std::vector<int>{0, 1}, std::vector<double>{0.2, NAN});
  EXPECT_NE(nan.status().message().find("non-finite"), std::string::npos);
}

TEST(MetricsTest, MetricSetsAndDirection) {
  auto m = ClassificationMetrics(kBinaryTruth, kBinaryScore, 2);
  ASSERT_TRUE(m.ok());
  EXPECT_DOUBLE_EQ(m->at("roc_auc"), 13.0 / 16.0);
  EXPECT_EQ(m->size(), 7u);
  // Three classes, one-vs-rest AUC of perfect probabilities is 1.
  auto m3 = ClassificationMetrics(std::vector<int>{0, 1, 2},
                                  std::vector<double>{0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6},
                                  3);
  ASSERT_TRUE(m3.ok());
  EXPECT_EQ(m3->at("accuracy"), 1);
  EXPECT_EQ(m3->at("roc_auc"), 1);
  EXPECT_TRUE(HigherIsBetter("valid-auc"));
  EXPECT_TRUE(HigherIsBetter("r2"));
  EXPECT_FALSE(HigherIsBetter("valid-logloss"));
  EXPECT_FALSE(HigherIsBetter("rmse"));
}

}  // namespace
}  // namespace strata::train
