#include "strata/train/xgboost_trainer.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/train/metrics.h"

namespace strata::train {
namespace {

// rows x 4 features; y depends on the first two (regression: linear + noise, classification:
// thresholds of the same score).
struct Data {
  std::vector<float> x;
  std::vector<float> y;
  int64_t rows = 0;
  DenseMatrix Matrix() const { return {x.data(), rows, 4, y}; }
};

Data MakeData(int64_t rows, models::Task task, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0, 1);
  Data d;
  d.rows = rows;
  for (int64_t i = 0; i < rows; ++i) {
    float f[4];
    for (float& v : f) v = normal(rng);
    d.x.insert(d.x.end(), f, f + 4);
    const float score = 2 * f[0] - f[1] + 0.3f * normal(rng);
    switch (task) {
      case models::Task::kRegression:
        d.y.push_back(score);
        break;
      case models::Task::kBinary:
        d.y.push_back(score > 0 ? 1.0f : 0.0f);
        break;
      case models::Task::kMulticlass:
        d.y.push_back(score < -1 ? 0.0f : (score < 1 ? 1.0f : 2.0f));
        break;
    }
  }
  return d;
}

TEST(XgboostTrainerTest, GbdtBinaryLearnsAndPredictsLikeXgboost) {
  const Data train = MakeData(2000, models::Task::kBinary, 1);
  const Data valid = MakeData(500, models::Task::kBinary, 2);
  XgboostTrainOptions options;
  options.task = models::Task::kBinary;
  options.num_rounds = 30;
  options.params = {{"max_depth", "3"}, {"eta", "0.3"}};
  options.threads = 1;
  const DenseMatrix v = valid.Matrix();
  auto model = TrainXgboost(train.Matrix(), &v, options);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->rounds_trained, 30);
  ASSERT_EQ(model->history.size(), 30u);
  EXPECT_EQ(model->eval_metric, "logloss");
  EXPECT_LT(model->history.back().train.at("logloss"), model->history.front().train.at("logloss"));
  EXPECT_EQ(model->history[5].iteration, 5);
  ASSERT_EQ(model->valid_predictions.size(), 500u);
  std::vector<int> truth(valid.y.begin(), valid.y.end());
  EXPECT_GT(*RocAuc(truth, model->valid_predictions), 0.95);
  // The JSON is XGBoost's model; loading it back in XGBoost predicts the same.
  auto again = PredictWithXgboost(model->json, valid.x.data(), valid.rows, 4, 1);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->size(), 500u);
  for (size_t i = 0; i < again->size(); ++i) EXPECT_EQ((*again)[i], model->valid_predictions[i]);
  // The valid logloss XGBoost reported for the kept round is our log loss of its predictions
  // (float32 rounding aside).
  EXPECT_NEAR(*LogLoss(truth, model->valid_predictions, 2), model->best_score, 1e-5);
  auto parsed = nlohmann::json::parse(model->json);
  EXPECT_EQ(parsed["learner"]["objective"]["name"], "binary:logistic");
}

TEST(XgboostTrainerTest, EarlyStoppingKeepsTheBestRound) {
  // Deep trees, a high learning rate and few rows overfit fast: valid loss turns up early.
  const Data train = MakeData(150, models::Task::kRegression, 3);
  const Data valid = MakeData(300, models::Task::kRegression, 4);
  XgboostTrainOptions options;
  options.num_rounds = 300;
  options.early_stopping_rounds = 5;
  options.params = {{"max_depth", "8"}, {"eta", "0.8"}, {"min_child_weight", "0"}};
  options.threads = 1;
  const DenseMatrix v = valid.Matrix();
  auto model = TrainXgboost(train.Matrix(), &v, options);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_LT(model->rounds_trained, 300);
  EXPECT_EQ(model->rounds_trained, model->best_iteration + 6);
  double best = 1e300;
  int best_iter = -1;
  for (const auto& h : model->history) {
    if (h.valid.at("rmse") < best) best = h.valid.at("rmse"), best_iter = h.iteration;
  }
  EXPECT_EQ(best_iter, model->best_iteration);
  EXPECT_EQ(best, model->best_score);
  // The saved model has exactly best_iteration + 1 trees.
  auto parsed = nlohmann::json::parse(model->json);
  EXPECT_EQ(parsed["learner"]["gradient_booster"]["model"]["trees"].size(),
            static_cast<size_t>(model->best_iteration + 1));
  std::vector<double> truth(valid.y.begin(), valid.y.end());
  EXPECT_NEAR(*Rmse(truth, model->valid_predictions), model->best_score, 1e-4);
}

TEST(XgboostTrainerTest, RandomForestIsOneRoundOfParallelTrees) {
  const Data train = MakeData(1000, models::Task::kMulticlass, 5);
  const Data valid = MakeData(300, models::Task::kMulticlass, 6);
  XgboostTrainOptions options;
  options.kind = EnsembleKind::kRandomForest;
  options.task = models::Task::kMulticlass;
  options.num_classes = 3;
  options.params = {{"num_parallel_tree", "20"}, {"max_depth", "6"}};
  options.threads = 2;
  const DenseMatrix v = valid.Matrix();
  auto model = TrainXgboost(train.Matrix(), &v, options);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->rounds_trained, 1);
  auto parsed = nlohmann::json::parse(model->json);
  EXPECT_EQ(parsed["learner"]["gradient_booster"]["model"]["trees"].size(), 60u);  // 20 x 3
  ASSERT_EQ(model->valid_predictions.size(), 900u);
  std::vector<int> truth(valid.y.begin(), valid.y.end());
  EXPECT_GT(*Accuracy(truth, PredictedClasses(model->valid_predictions, 3)), 0.8);
  EXPECT_NEAR(model->valid_predictions[0] + model->valid_predictions[1] +
                  model->valid_predictions[2],
              1, 1e-5);
}

TEST(XgboostTrainerTest, RefusesBadInputWithPreciseErrors) {
  Data train = MakeData(50, models::Task::kBinary, 7);
  XgboostTrainOptions options;
  options.task = models::Task::kBinary;
  options.num_rounds = 2;
  train.y[7] = 3;
  auto bad_label = TrainXgboost(train.Matrix(), nullptr, options);
  EXPECT_NE(bad_label.status().message().find("train row 7"), std::string::npos)
      << bad_label.status();
  train.y[7] = NAN;
  EXPECT_NE(TrainXgboost(train.Matrix(), nullptr, options).status().message().find("not finite"),
            std::string::npos);
  train.y[7] = 1;
  options.params = {{"max_depth", "deep"}};
  auto bad_param = TrainXgboost(train.Matrix(), nullptr, options);
  EXPECT_EQ(bad_param.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_param.status().message().find("max_depth"), std::string::npos) << bad_param.status();
  options.params = {{"objective", "reg:squarederror"}};
  EXPECT_FALSE(TrainXgboost(train.Matrix(), nullptr, options).ok());
  options.params = {};
  options.early_stopping_rounds = 3;
  EXPECT_NE(TrainXgboost(train.Matrix(), nullptr, options).status().message().find("validation"),
            std::string::npos);
  EXPECT_FALSE(PredictWithXgboost("{not json", train.x.data(), train.rows, 4).ok());
}

}  // namespace
}  // namespace strata::train
