#include "strata/serving/registry_watcher.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/serving/testing/registry_fixture.h"

namespace strata::serving {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RegistryWatcherTest : public testing::RegistryFixture {
 protected:
  double Answer(std::optional<int64_t> version = std::nullopt) {
    auto v = server_.Find("churn", version);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? PredictOne((*v)->model()) : -1;
  }
  ModelServer server_;
};

TEST_F(RegistryWatcherTest, FollowsAnAliasAndRetiresTheOldVersion) {
  Register("churn", 1);
  Register("churn", 2);
  SetAlias("churn", "champion", 1);
  RegistryWatcher watcher(&server_, source_.get(), WatchOptions{});
  ASSERT_TRUE(watcher.Add(*ParseModelUri("models:/churn@champion")).ok());
  EXPECT_DOUBLE_EQ(Answer(), 10.0);
  EXPECT_EQ((*server_.FindLabel("churn", "champion"))->version(), 1);
  auto held = *server_.Find("churn");

  // Nothing moved: nothing changes.
  ASSERT_TRUE(watcher.PollOnce().ok());
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(1));

  SetAlias("churn", "champion", 2);
  ASSERT_TRUE(watcher.PollOnce().ok());
  EXPECT_DOUBLE_EQ(Answer(), 20.0);
  EXPECT_EQ((*server_.FindLabel("churn", "champion"))->version(), 2);
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(2));
  // A request that held the old version finishes on it.
  EXPECT_DOUBLE_EQ(PredictOne(held->model()), 10.0);
  EXPECT_THAT(watcher.RenderMetrics(),
              HasSubstr("strata_model_reloads_total{model=\"churn\",outcome=\"success\"} 2"));
  EXPECT_THAT(watcher.RenderMetrics(),
              HasSubstr("strata_model_label_version{model=\"churn\",label=\"champion\"} 2"));
}

TEST_F(RegistryWatcherTest, KeepVersionsKeepsFormerTargetsAddressable) {
  Register("churn", 1);
  Register("churn", 2);
  Register("churn", 3);
  SetAlias("churn", "champion", 1);
  WatchOptions options;
  options.keep_versions = 2;
  RegistryWatcher watcher(&server_, source_.get(), options);
  ASSERT_TRUE(watcher.Add(*ParseModelUri("models:/churn@champion")).ok());
  SetAlias("churn", "champion", 2);
  ASSERT_TRUE(watcher.PollOnce().ok());
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(1, 2));
  EXPECT_DOUBLE_EQ(Answer(1), 10.0);
  SetAlias("churn", "champion", 3);
  ASSERT_TRUE(watcher.PollOnce().ok());
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(2, 3));
  EXPECT_DOUBLE_EQ(Answer(), 30.0);
}

TEST_F(RegistryWatcherTest, AFailingVersionNeverReplacesAWorkingOne) {
  Register("churn", 1);
  SetAlias("churn", "champion", 1);
  RegistryWatcher watcher(&server_, source_.get(), WatchOptions{});
  ASSERT_TRUE(watcher.Add(*ParseModelUri("models:/churn@champion")).ok());
  Register("churn", 2);
  CorruptLastPredictor();
  SetAlias("churn", "champion", 2);
  absl::Status polled = watcher.PollOnce();
  EXPECT_EQ(polled.code(), absl::StatusCode::kDataLoss) << polled;
  EXPECT_THAT(polled.message(), HasSubstr("version 2 cannot be served"));
  EXPECT_DOUBLE_EQ(Answer(), 10.0);
  EXPECT_EQ((*server_.FindLabel("churn", "champion"))->version(), 1);
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(1));
  // Not fetched again on every poll.
  polled = watcher.PollOnce();
  EXPECT_THAT(polled.message(), HasSubstr("failed to load earlier"));
  EXPECT_THAT(watcher.RenderMetrics(),
              HasSubstr("strata_model_reloads_total{model=\"churn\",outcome=\"failure\"} 1"));
  // A good version 3 is taken.
  Register("churn", 3);
  SetAlias("churn", "champion", 3);
  ASSERT_TRUE(watcher.PollOnce().ok());
  EXPECT_DOUBLE_EQ(Answer(), 30.0);
}

TEST_F(RegistryWatcherTest, LatestNServesTheHighestVersions) {
  Register("churn", 1);
  Register("churn", 2);
  Register("churn", 3);
  WatchOptions options;
  options.keep_versions = 2;
  RegistryWatcher watcher(&server_, source_.get(), options);
  ASSERT_TRUE(watcher.Add(*ParseModelUri("models:/churn/latest")).ok());
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(2, 3));
  EXPECT_DOUBLE_EQ(Answer(), 30.0);
  EXPECT_EQ((*server_.FindLabel("churn", "latest"))->version(), 3);
  Register("churn", 4);
  ASSERT_TRUE(watcher.PollOnce().ok());
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(3, 4));
  EXPECT_DOUBLE_EQ(Answer(), 40.0);
}

TEST_F(RegistryWatcherTest, SecondUriLabelsWithoutMovingTheDefault) {
  Register("churn", 1);
  Register("churn", 2);
  SetAlias("churn", "champion", 1);
  SetAlias("churn", "challenger", 2);
  RegistryWatcher watcher(&server_, source_.get(), WatchOptions{});
  ASSERT_TRUE(watcher.Add(*ParseModelUri("models:/churn@champion")).ok());
  ASSERT_TRUE(watcher.Add(*ParseModelUri("models:/churn@challenger")).ok());
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(1, 2));
  EXPECT_DOUBLE_EQ(Answer(), 10.0);
  EXPECT_EQ((*server_.FindLabel("churn", "challenger"))->version(), 2);
  // Both aliases on one version: the other is unloaded.
  SetAlias("churn", "challenger", 1);
  ASSERT_TRUE(watcher.PollOnce().ok());
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(1));
}

TEST_F(RegistryWatcherTest, AddFailsForWhatCannotBeServed) {
  Register("churn", 1);
  RegistryWatcher watcher(&server_, source_.get(), WatchOptions{});
  EXPECT_EQ(watcher.Add(*ParseModelUri("models:/churn@missing")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(watcher.Add(*ParseModelUri("models:/nope/1")).code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(server_.Ready());
}

TEST_F(RegistryWatcherTest, PollerSwapsUnderConcurrentRequests) {
  Register("churn", 1);
  Register("churn", 2);
  SetAlias("churn", "champion", 1);
  WatchOptions options;
  options.poll_interval_ms = 20;
  RegistryWatcher watcher(&server_, source_.get(), options);
  ASSERT_TRUE(watcher.Add(*ParseModelUri("models:/churn@champion")).ok());
  watcher.Start();
  std::atomic<bool> stop{false};
  std::atomic<int64_t> failures{0}, answered_by_2{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&] {
      table::Table t = data::testing::MakeTable({{"a", data::testing::Floats({1.0})}});
      while (!stop.load()) {
        auto route = server_.Route("churn", {});
        if (!route.ok()) {
          ++failures;
          continue;
        }
        server_.Infer(route->version, t, [&](absl::StatusOr<models::Model::Predictions> p) {
          if (!p.ok()) {
            ++failures;
          } else if (p->values[0] == 20.0) {
            ++answered_by_2;
          } else if (p->values[0] != 10.0) {
            ++failures;
          }
        });
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  SetAlias("churn", "champion", 2);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (answered_by_2.load() < 100 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (std::thread& t : clients) t.join();
  watcher.Stop();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(answered_by_2.load(), 100);
  EXPECT_THAT(server_.Versions("churn"), ElementsAre(2));
}

}  // namespace
}  // namespace strata::serving
