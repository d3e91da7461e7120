#include "strata/train/tuning.h"

#include <atomic>
#include <cmath>
#include <set>

#include "absl/strings/numbers.h"
#include "gtest/gtest.h"
#include "strata/store/database.h"

namespace strata::train {
namespace {

std::string TagValue(const tracking::Run& run, const std::string& key) {
  for (const auto& t : run.data.tags) {
    if (t.key == key) return t.value;
  }
  return "";
}

TEST(TuningTest, ParsesSpaceAndBuildsTheGrid) {
  auto space = SearchSpace::FromYaml(
      "max_depth: [3, 6]\n"
      "eta: {low: 0.01, high: 1, log: true, points: 3}\n"
      "min_child_weight: {low: 1, high: 3, type: int}\n");
  ASSERT_TRUE(space.ok()) << space.status();
  ASSERT_EQ(space->params.size(), 3u);
  auto grid = GridCandidates(*space);
  ASSERT_TRUE(grid.ok());
  ASSERT_EQ(grid->size(), 2u * 3u * 3u);
  EXPECT_EQ((*grid)[0].at("max_depth"), "3");
  EXPECT_EQ((*grid)[0].at("eta"), "0.01");
  EXPECT_EQ((*grid)[3].at("eta"), "0.1");  // log spacing: 0.01, 0.1, 1
  EXPECT_EQ((*grid)[1].at("min_child_weight"), "2");
  std::set<ParamSet> distinct(grid->begin(), grid->end());
  EXPECT_EQ(distinct.size(), grid->size());
  EXPECT_FALSE(GridCandidates(*space, 10).ok());
}

TEST(TuningTest, RandomIsSeededAndInBounds) {
  auto space = SearchSpace::FromYaml(
      "eta: {low: 0.001, high: 0.5, log: true}\nrounds: {low: 5, high: 9, type: int}\n"
      "booster: [gbtree, dart]\n");
  ASSERT_TRUE(space.ok());
  auto a = RandomCandidates(*space, 200, 11);
  EXPECT_EQ(a, RandomCandidates(*space, 200, 11));
  EXPECT_NE(a, RandomCandidates(*space, 200, 12));
  int below_01 = 0;
  for (const ParamSet& p : a) {
    double eta = 0;
    int rounds = 0;
    ASSERT_TRUE(absl::SimpleAtod(p.at("eta"), &eta));
    ASSERT_TRUE(absl::SimpleAtoi(p.at("rounds"), &rounds));
    EXPECT_GE(eta, 0.001);
    EXPECT_LE(eta, 0.5);
    EXPECT_GE(rounds, 5);
    EXPECT_LE(rounds, 9);
    EXPECT_TRUE(p.at("booster") == "gbtree" || p.at("booster") == "dart");
    below_01 += eta < 0.01 ? 1 : 0;
  }
  // Log-uniform: [0.001, 0.01) is log(10)/log(500) = 37% of the range (uniform would be 2%).
  EXPECT_GT(below_01, 40);
  EXPECT_LT(below_01, 110);
}

TEST(TuningTest, SpaceErrorsNameTheParameter) {
  for (const char* bad : {"eta: {low: 2, high: 1}", "eta: {low: 0, high: 1, log: true}",
                          "eta: []", "eta: {low: 1, high: 2, step: 3}", "eta: {low: 1}",
                          "eta: {low: 1, high: 2, type: complex}"}) {
    auto space = SearchSpace::FromYaml(bad);
    ASSERT_FALSE(space.ok()) << bad;
    EXPECT_NE(space.status().message().find("'eta'"), std::string::npos) << space.status();
  }
  EXPECT_FALSE(SearchSpace::FromYaml("[1, 2").ok());
  EXPECT_FALSE(SearchSpace::FromYaml("- 1\n- 2\n").ok());
}

class TrackedSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::Open("sqlite://:memory:");
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto t = tracking::TrackingStore::Open(db_.get(), {});
    ASSERT_TRUE(t.ok()) << t.status();
    tracking_ = std::move(*t);
  }
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<tracking::TrackingStore> tracking_;
};

TEST_F(TrackedSearchTest, ChildRunsParentTagsAndTheBestTrial) {
  std::vector<ParamSet> candidates;
  for (int x = 0; x < 6; ++x) candidates.push_back({{"x", std::to_string(x)}});
  std::atomic<int> calls{0};
  TuningOptions options;
  options.metric = "loss";
  options.maximize = false;
  options.threads = 2;
  auto result = RunSearch(
      candidates,
      [&](const Trial& trial) -> absl::StatusOr<TrialMetrics> {
        ++calls;
        EXPECT_FALSE(trial.run_id.empty());
        const int x = std::stoi(trial.params.at("x"));
        if (x == 5) return absl::InternalError("diverged");
        return TrialMetrics{{"loss", (x - 2) * (x - 2) + 0.5}};
      },
      options, tracking_.get());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(calls.load(), 6);
  EXPECT_EQ(result->best_index, 2);
  EXPECT_EQ(result->best_value, 0.5);
  EXPECT_FALSE(result->trials[5].ok);

  auto parent = tracking_->GetRun(result->parent_run_id);
  ASSERT_TRUE(parent.ok());
  EXPECT_EQ(parent->info.status, "FINISHED");
  EXPECT_EQ(TagValue(*parent, "strata.best_run_id"), result->trials[2].run_id);
  EXPECT_EQ(TagValue(*parent, "strata.best_metric"), "loss");
  EXPECT_EQ(TagValue(*parent, "strata.best_metric_value"), "0.5");
  for (size_t i = 0; i < 6; ++i) {
    auto child = tracking_->GetRun(result->trials[i].run_id);
    ASSERT_TRUE(child.ok());
    EXPECT_EQ(TagValue(*child, "mlflow.parentRunId"), result->parent_run_id);
    EXPECT_EQ(TagValue(*child, "strata.best_trial"), i == 2 ? "true" : "");
    EXPECT_EQ(child->info.status, i == 5 ? "FAILED" : "FINISHED");
    ASSERT_EQ(child->data.params.size(), 1u);
    EXPECT_EQ(child->data.params[0].value, std::to_string(i));
  }
  auto failed = tracking_->GetRun(result->trials[5].run_id);
  EXPECT_EQ(TagValue(*failed, "strata.error"), "diverged");
}

TEST_F(TrackedSearchTest, SuccessiveHalvingKeepsTheBestThird) {
  std::vector<ParamSet> candidates;
  for (int x = 0; x < 9; ++x) candidates.push_back({{"x", std::to_string(x)}});
  std::mutex mu;
  std::map<double, int> runs_per_budget;
  TuningOptions options;
  options.metric = "score";
  options.maximize = true;
  options.successive_halving = true;
  options.min_budget = 10;
  options.max_budget = 90;
  options.reduction = 3;
  auto result = RunSearch(
      candidates,
      [&](const Trial& trial) -> absl::StatusOr<TrialMetrics> {
        {
          std::lock_guard<std::mutex> lock(mu);
          ++runs_per_budget[trial.budget];
        }
        // Score grows with the budget; x = 7 is the best at every rung.
        const int x = std::stoi(trial.params.at("x"));
        return TrialMetrics{{"score", trial.budget - std::abs(x - 7)}};
      },
      options, tracking_.get());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(runs_per_budget, (std::map<double, int>{{10, 9}, {30, 3}, {90, 1}}));
  EXPECT_EQ(result->best_index, 7);
  EXPECT_EQ(result->best_value, 90);
  EXPECT_EQ(result->trials[7].rungs_run, 3);
  EXPECT_EQ(result->trials[0].rungs_run, 1);
  auto history = tracking_->GetMetricHistory(result->trials[7].run_id, "rung_score", std::nullopt, "");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->metrics.size(), 3u);
  EXPECT_EQ(history->metrics[2].step, 2);
  EXPECT_EQ(history->metrics[2].value, 90);
}

TEST(TuningTest, EveryTrialFailingIsAnError) {
  TuningOptions options;
  options.metric = "m";
  auto result = RunSearch({{{"a", "1"}}},
                          [](const Trial&) -> absl::StatusOr<TrialMetrics> {
                            return TrialMetrics{{"other", 1}};
                          },
                          options);
  EXPECT_NE(result.status().message().find("did not report metric 'm'"), std::string::npos);
}

}  // namespace
}  // namespace strata::train
