#include "strata/serving/model_server.h"

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/data/testing/transform_tables.h"
#include "strata/serving/testing/test_models.h"

namespace strata::serving {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using data::testing::Floats;
using data::testing::Ints;
using data::testing::MakeTable;
using models::ValueType;
using testing::SumModel;

std::shared_ptr<const models::Model> AbModel(std::string name = "m") {
  return SumModel(std::move(name),
                  {{"a", ValueType::kFloat64, false}, {"b", ValueType::kInt64, true}});
}

absl::StatusOr<models::Model::Predictions> InferSync(const ModelServer& server,
                                                     std::shared_ptr<const ServedVersion> v,
                                                     const table::Table& t) {
  std::promise<absl::StatusOr<models::Model::Predictions>> promise;
  auto future = promise.get_future();
  server.Infer(std::move(v), t,
               [&promise](absl::StatusOr<models::Model::Predictions> r) {
                 promise.set_value(std::move(r));
               });
  return future.get();
}

TEST(ModelServerTest, FindsLatestOrSpecificVersion) {
  ModelServer server;
  EXPECT_FALSE(server.Ready());
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  ASSERT_TRUE(server.AddVersion("m", 3, AbModel()).ok());
  ASSERT_TRUE(server.AddVersion("other", 2, AbModel("other")).ok());
  EXPECT_TRUE(server.Ready());
  EXPECT_THAT(server.ModelNames(), ElementsAre("m", "other"));
  EXPECT_THAT(server.Versions("m"), ElementsAre(1, 3));
  auto latest = server.Find("m");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->version(), 3);
  auto one = server.Find("m", 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)->version(), 1);
  auto missing = server.Find("m", 2);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("served: 1, 3"));
  EXPECT_EQ(server.Find("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(server.AddVersion("", 1, AbModel()).ok());
  EXPECT_FALSE(server.AddVersion("m", 0, AbModel()).ok());
  ASSERT_TRUE(server.RemoveVersion("m", 3).ok());
  EXPECT_EQ((*server.Find("m"))->version(), 1);
  EXPECT_EQ(server.RemoveVersion("m", 3).code(), absl::StatusCode::kNotFound);
}

TEST(ModelServerTest, DefaultVersionAndLabelsRoute) {
  ModelServer server;
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  ASSERT_TRUE(server.AddVersion("m", 2, AbModel()).ok());
  ASSERT_TRUE(server.SetDefaultVersion("m", 1).ok());
  EXPECT_EQ((*server.Find("m"))->version(), 1);
  // A newer version does not take unversioned traffic while a default is set.
  ASSERT_TRUE(server.AddVersion("m", 3, AbModel()).ok());
  EXPECT_EQ(server.Route("m", {})->version->version(), 1);
  ASSERT_TRUE(server.SetLabel("m", "champion", 3).ok());
  EXPECT_EQ((*server.FindLabel("m", "champion"))->version(), 3);
  EXPECT_EQ(server.Route("m", VersionTarget{std::nullopt, "champion"})->version->version(), 3);
  EXPECT_EQ(server.Route("m", VersionTarget{2, ""})->version->version(), 2);
  auto unknown = server.FindLabel("m", "nope");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("labels: champion"));
  EXPECT_EQ(server.SetLabel("m", "x", 9).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(server.SetDefaultVersion("m", 9).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(server.SetLabel("nope", "x", 1).code(), absl::StatusCode::kNotFound);
  // Nothing routed can be removed from under the routing.
  EXPECT_EQ(server.RemoveVersion("m", 1).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.RemoveVersion("m", 3).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(server.SetLabel("m", "champion", std::nullopt).ok());
  EXPECT_TRUE(server.RemoveVersion("m", 3).ok());
  EXPECT_THAT(server.Labels("m"), ::testing::IsEmpty());
}

TEST(ModelServerTest, CanarySplitsAndShadowMirrors) {
  ModelServer server;
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  ASSERT_TRUE(server.AddVersion("m", 2, AbModel()).ok());
  ASSERT_TRUE(server.AddVersion("m", 3, AbModel()).ok());
  ASSERT_TRUE(server.SetDefaultVersion("m", 1).ok());
  ASSERT_TRUE(server.SetLabel("m", "challenger", 2).ok());
  TrafficPolicy policy;
  policy.canary = VersionTarget{std::nullopt, "challenger"};
  policy.canary_percent = 20;
  policy.shadow = VersionTarget{3, ""};
  ASSERT_TRUE(server.SetTraffic("m", policy).ok());
  int to_canary = 0;
  constexpr int kRequests = 5000;
  for (int i = 0; i < kRequests; ++i) {
    auto route = server.Route("m", {});
    ASSERT_TRUE(route.ok());
    if (route->version->version() == 2) ++to_canary;
    ASSERT_NE(route->shadow, nullptr);
    EXPECT_EQ(route->shadow->version(), 3);
  }
  // 20% of 5000 = 1000; binomial sd ~28, so +-150 is over 5 sd.
  EXPECT_NEAR(to_canary, 1000, 150);
  // A request naming its version sees neither canary nor shadow.
  auto pinned = server.Route("m", VersionTarget{1, ""});
  EXPECT_EQ(pinned->version->version(), 1);
  EXPECT_EQ(pinned->shadow, nullptr);
  // A canary label that points nowhere takes nothing.
  ASSERT_TRUE(server.SetLabel("m", "challenger", std::nullopt).ok());
  for (int i = 0; i < 200; ++i) EXPECT_EQ(server.Route("m", {})->version->version(), 1);
  policy.canary_percent = 101;
  EXPECT_EQ(server.SetTraffic("m", policy).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ModelServerTest, ReplacedVersionKeepsServingHolders) {
  ModelServer server;
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  auto held = *server.Find("m", 1);
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  EXPECT_NE(held.get(), server.Find("m", 1)->get());
  table::Table t = MakeTable({{"a", Floats({1.0})}, {"b", Ints({2})}});
  auto r = InferSync(server, held, t);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->values[0], 1.0 + 2 * 2.0);
}

TEST(ModelServerTest, InferWithoutBatchingValidatesAndCounts) {
  ModelServer server;
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  auto v = *server.Find("m");
  table::Table ok = MakeTable({{"a", Floats({1.0, 2.0})}, {"b", Ints({10, std::nullopt})}});
  auto r = InferSync(server, v, ok);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->rows, 2);
  EXPECT_DOUBLE_EQ(r->values[0], 21.0);
  EXPECT_TRUE(std::isnan(r->values[1]));  // NaN feature (nullable b) propagates in this model
  table::Table bad = MakeTable({{"a", Floats({std::nullopt})}, {"b", Ints({1})}});
  auto e = InferSync(server, v, bad);
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(e.status().message(), HasSubstr("'a'"));
  std::string metrics = server.RenderMetrics();
  EXPECT_THAT(metrics, HasSubstr("nv_inference_request_success{model=\"m\",version=\"1\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("nv_inference_request_failure{model=\"m\",version=\"1\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("nv_inference_count{model=\"m\",version=\"1\"} 2\n"));
  EXPECT_THAT(metrics, HasSubstr("nv_inference_exec_count{model=\"m\",version=\"1\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr(
      "strata_inference_request_duration_seconds_count{model=\"m\",version=\"1\"} 2\n"));
}

TEST(ModelServerTest, InferFeaturesPredictsAndCountsLikeInfer) {
  for (int64_t batch : {0, 8}) {
    ServingOptions options;
    options.max_request_rows = 2;
    options.batching.max_batch_size = batch;
    options.batching.max_queue_delay_us = 100;
    ModelServer server(options);
    ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
    auto v = *server.Find("m");
    std::promise<absl::StatusOr<models::Model::Predictions>> promise;
    auto future = promise.get_future();
    server.InferFeatures(v, {1.0f, 10.0f, 2.0f, 20.0f}, 2,
                         [&promise](absl::StatusOr<models::Model::Predictions> r) {
                           promise.set_value(std::move(r));
                         });
    auto r = future.get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_THAT(r->values, ElementsAre(21.0, 42.0)) << "batch " << batch;
    std::promise<absl::StatusOr<models::Model::Predictions>> too_many;
    auto refused = too_many.get_future();
    server.InferFeatures(v, std::vector<float>(6, 1.0f), 3,
                         [&too_many](absl::StatusOr<models::Model::Predictions> r) {
                           too_many.set_value(std::move(r));
                         });
    EXPECT_THAT(refused.get().status().message(), HasSubstr("3 rows exceeds the limit of 2"));
    std::string metrics = server.RenderMetrics();
    EXPECT_THAT(metrics, HasSubstr("nv_inference_request_success{model=\"m\",version=\"1\"} 1\n"));
    EXPECT_THAT(metrics, HasSubstr("nv_inference_request_failure{model=\"m\",version=\"1\"} 1\n"));
    EXPECT_THAT(metrics, HasSubstr("nv_inference_count{model=\"m\",version=\"1\"} 2\n"));
  }
}

TEST(ModelServerTest, RequestRowLimit) {
  ServingOptions options;
  options.max_request_rows = 2;
  ModelServer server(options);
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  table::Table t = MakeTable({{"a", Floats({1, 2, 3})}, {"b", Ints({1, 2, 3})}});
  auto r = InferSync(server, *server.Find("m"), t);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("3 rows exceeds the limit of 2"));
}

TEST(ModelServerTest, BatchingCombinesConcurrentRequests) {
  ServingOptions options;
  options.batching.max_batch_size = 64;
  options.batching.max_queue_delay_us = 20000;
  ModelServer server(options);
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  auto v = *server.Find("m");
  ASSERT_TRUE(v->batching());
  constexpr int kRequests = 32;
  std::vector<std::promise<absl::StatusOr<models::Model::Predictions>>> promises(kRequests);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      table::Table t = MakeTable({{"a", Floats({static_cast<double>(i)})}, {"b", Ints({i})}});
      server.Infer(v, t, [&promises, i](absl::StatusOr<models::Model::Predictions> r) {
        promises[i].set_value(std::move(r));
      });
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kRequests; ++i) {
    auto r = promises[i].get_future().get();
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->rows, 1);
    EXPECT_DOUBLE_EQ(r->values[0], 3.0 * i) << i;  // each request gets its own row back
  }
  const InferenceStats& s = v->stats();
  EXPECT_EQ(s.request_success.load(), kRequests);
  EXPECT_EQ(s.inference_count.load(), kRequests);
  EXPECT_LT(s.exec_count.load(), kRequests) << "requests should have been batched";
}

TEST(ModelServerTest, FullQueueIsRefusedAtOnce) {
  ServingOptions options;
  options.batching.max_batch_size = 1000;
  options.batching.max_queue_delay_us = 300000;  // holds the queue while we fill it
  options.batching.max_queue_rows = 4;
  ModelServer server(options);
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  auto v = *server.Find("m");
  table::Table three = MakeTable({{"a", Floats({1, 2, 3})}, {"b", Ints({1, 2, 3})}});
  std::atomic<int> ok{0};
  std::promise<void> first_done;
  server.Infer(v, three, [&](absl::StatusOr<models::Model::Predictions> r) {
    if (r.ok()) ++ok;
    first_done.set_value();
  });
  auto start = std::chrono::steady_clock::now();
  auto refused = InferSync(server, v, three);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  first_done.get_future().wait();
  EXPECT_EQ(ok.load(), 1);
}

TEST(ModelServerTest, RemovedVersionDrainsItsQueue) {
  ServingOptions options;
  options.batching.max_batch_size = 100;
  options.batching.max_queue_delay_us = 200000;
  ModelServer server(options);
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  std::promise<absl::StatusOr<models::Model::Predictions>> promise;
  {
    auto v = *server.Find("m");
    table::Table t = MakeTable({{"a", Floats({2})}, {"b", Ints({1})}});
    server.Infer(v, t, [&promise](absl::StatusOr<models::Model::Predictions> r) {
      promise.set_value(std::move(r));
    });
  }
  // The last reference goes with the removal: the queued request is still predicted.
  ASSERT_TRUE(server.RemoveVersion("m", 1).ok());
  auto r = promise.get_future().get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->values[0], 4.0);
}

TEST(ModelServerTest, CallbackHoldingLastReferenceDiesOnWorkerThread) {
  ServingOptions options;
  options.batching.max_batch_size = 8;
  options.batching.max_queue_delay_us = 50000;
  ModelServer server(options);
  ASSERT_TRUE(server.AddVersion("m", 1, AbModel()).ok());
  std::promise<void> done;
  {
    auto v = *server.Find("m");
    ASSERT_TRUE(server.RemoveVersion("m", 1).ok());
    table::Table t = MakeTable({{"a", Floats({2})}, {"b", Ints({1})}});
    // The callback owns the only reference once `v` leaves this scope: the version (and its
    // batcher) is destroyed on the batcher's own thread.
    server.Infer(v, t, [v, &done](absl::StatusOr<models::Model::Predictions> r) {
      EXPECT_TRUE(r.ok());
      done.set_value();
    });
  }
  done.get_future().wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the worker exit
}

}  // namespace
}  // namespace strata::serving
