#include "strata/api/mlflow_tracking_handlers.h"

#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/store/database.h"

namespace strata::api {
namespace {

using nlohmann::json;

struct Reply {
  int status = 0;
  json body;
};

class TrackingHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ =
        absl::StrCat(::testing::TempDir(), "/tracking_handlers_", getpid(), "_", counter_++, ".db");
    std::filesystem::remove(path_);
    auto db = store::Database::Open(absl::StrCat("sqlite://", path_));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto s = tracking::TrackingStore::Open(db_.get(), tracking::TrackingOptions{});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    AddTrackingRoutes(router_, *store_);
  }

  void TearDown() override {
    store_.reset();
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }

  Reply Call(const std::string& method, const std::string& path, const std::string& body,
             std::vector<std::pair<std::string, std::string>> query = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.body = body;
    req.query = std::move(query);
    http::Response res;
    http::Router::Match m = router_.Find(method, path);
    if (m.route == nullptr) return Reply{m.path_known ? 405 : 404, json()};
    m.route->handler(req, res);
    Reply r;
    r.status = res.status;
    r.body = json::parse(res.body, nullptr, false);
    EXPECT_FALSE(r.body.is_discarded()) << res.body;
    return r;
  }

  json Post(const std::string& endpoint, const json& body) {
    Reply r = Call("POST", "/api/2.0/mlflow/" + endpoint, body.dump());
    EXPECT_EQ(r.status, 200) << endpoint << ": " << r.body.dump();
    return r.body;
  }

  json Get(const std::string& endpoint, std::vector<std::pair<std::string, std::string>> query) {
    Reply r = Call("GET", "/api/2.0/mlflow/" + endpoint, "", std::move(query));
    EXPECT_EQ(r.status, 200) << endpoint << ": " << r.body.dump();
    return r.body;
  }

  void ExpectError(const Reply& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body.dump();
    EXPECT_EQ(r.body.value("error_code", ""), code) << r.body.dump();
    EXPECT_FALSE(r.body.value("message", "").empty());
  }

  static inline int counter_ = 0;
  std::string path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<tracking::TrackingStore> store_;
  http::Router router_;
};

TEST_F(TrackingHandlersTest, ExperimentsLifecycle) {
  json created = Post("experiments/create",
                      {{"name", "wire-exp"}, {"tags", {{{"key", "team"}, {"value", "risk"}}}}});
  std::string id = created["experiment_id"];
  EXPECT_EQ(id, "1");
  json e = Get("experiments/get", {{"experiment_id", id}})["experiment"];
  EXPECT_EQ(e["name"], "wire-exp");
  EXPECT_EQ(e["artifact_location"], "mlflow-artifacts:/1");
  EXPECT_EQ(e["lifecycle_stage"], "active");
  EXPECT_TRUE(e["creation_time"].is_number_integer());
  EXPECT_EQ(e["tags"][0], json({{"key", "team"}, {"value", "risk"}}));
  EXPECT_EQ(Get("experiments/get-by-name",
                {{"experiment_name", "wire-exp"}})["experiment"]["experiment_id"],
            id);

  ExpectError(Call("POST", "/api/2.0/mlflow/experiments/create", R"({"name": "wire-exp"})"), 400,
              "RESOURCE_ALREADY_EXISTS");
  ExpectError(
      Call("GET", "/api/2.0/mlflow/experiments/get-by-name", "", {{"experiment_name", "nope"}}),
      404, "RESOURCE_DOES_NOT_EXIST");
  ExpectError(Call("POST", "/api/2.0/mlflow/experiments/create", "{}"), 400,
              "INVALID_PARAMETER_VALUE");
  ExpectError(Call("POST", "/api/2.0/mlflow/experiments/create", R"({"name": 17.5})"), 400,
              "INVALID_PARAMETER_VALUE");
  ExpectError(Call("POST", "/api/2.0/mlflow/experiments/create", "{not json"), 400,
              "MALFORMED_REQUEST");
  ExpectError(Call("POST", "/api/2.0/mlflow/experiments/delete", R"({"experiment_id": "0"})"), 400,
              "INVALID_PARAMETER_VALUE");

  Post("experiments/set-experiment-tag",
       {{"experiment_id", id}, {"key", "stage"}, {"value", "dev"}});
  Post("experiments/update", {{"experiment_id", id}, {"new_name", "wire-exp2"}});
  json found = Post("experiments/search", {{"filter", "name LIKE 'wire%'"}, {"max_results", "10"}});
  ASSERT_EQ(found["experiments"].size(), 1u);
  EXPECT_EQ(found["experiments"][0]["name"], "wire-exp2");
  // GET search with the query string.
  found = Get("experiments/search", {{"filter", "tags.stage = 'dev'"}});
  EXPECT_EQ(found["experiments"][0]["experiment_id"], id);

  Post("experiments/delete", {{"experiment_id", id}});
  json deleted = Post("experiments/search", {{"view_type", "DELETED_ONLY"}});
  EXPECT_EQ(deleted["experiments"][0]["experiment_id"], id);
  Post("experiments/restore", {{"experiment_id", id}});
  json listed = Get("experiments/list", {});
  EXPECT_EQ(listed["experiments"].size(), 2u);
  EXPECT_FALSE(listed.contains("next_page_token"));

  // Paging over search.
  Post("experiments/create", {{"name", "third"}});
  json page = Post("experiments/search", {{"max_results", 2}});
  EXPECT_EQ(page["experiments"].size(), 2u);
  ASSERT_TRUE(page.contains("next_page_token"));
  json rest =
      Post("experiments/search", {{"max_results", 2}, {"page_token", page["next_page_token"]}});
  EXPECT_EQ(rest["experiments"].size(), 1u);
  EXPECT_FALSE(rest.contains("next_page_token"));

  // The same API under /ajax-api.
  EXPECT_EQ(Call("GET", "/ajax-api/2.0/mlflow/experiments/get", "", {{"experiment_id", id}}).status,
            200);
  EXPECT_EQ(Call("DELETE", "/api/2.0/mlflow/experiments/create", "").status, 405);
}

TEST_F(TrackingHandlersTest, RunsAndLogging) {
  json run =
      Post("runs/create", {{"experiment_id", "0"},
                           {"start_time", "1700000000000"},
                           {"user_id", "ana"},
                           {"tags", {{{"key", "mlflow.runName"}, {"value", "first"}}}}})["run"];
  json info = run["info"];
  std::string run_id = info["run_id"];
  EXPECT_EQ(run_id.size(), 32u);
  EXPECT_EQ(info["run_uuid"], run_id);
  EXPECT_EQ(info["status"], "RUNNING");
  EXPECT_EQ(info["run_name"], "first");
  EXPECT_EQ(info["start_time"], 1700000000000);
  EXPECT_EQ(info["artifact_uri"], absl::StrCat("mlflow-artifacts:/0/", run_id, "/artifacts"));
  EXPECT_FALSE(info.contains("end_time"));

  int step = 0;
  for (json v : {json(0.5), json("NaN"), json("Infinity"), json("-Infinity"), json(0.25)}) {
    Post("runs/log-metric", {{"run_id", run_id},
                             {"key", "loss"},
                             {"value", v},
                             {"timestamp", std::to_string(1700000000000 + step)},
                             {"step", std::to_string(step)}});
    ++step;
  }
  Post("runs/log-parameter", {{"run_uuid", run_id}, {"key", "lr"}, {"value", "0.1"}});
  ExpectError(Call("POST", "/api/2.0/mlflow/runs/log-parameter",
                   json({{"run_id", run_id}, {"key", "lr"}, {"value", "0.2"}}).dump()),
              400, "INVALID_PARAMETER_VALUE");
  Post("runs/set-tag", {{"run_id", run_id}, {"key", "owner"}, {"value", "ana"}});
  Post("runs/set-tag", {{"run_id", run_id}, {"key", "empty"}, {"value", ""}});
  Post("runs/delete-tag", {{"run_id", run_id}, {"key", "empty"}});
  ExpectError(Call("POST", "/api/2.0/mlflow/runs/delete-tag",
                   json({{"run_id", run_id}, {"key", "empty"}}).dump()),
              404, "RESOURCE_DOES_NOT_EXIST");

  json hist = Get("metrics/get-history", {{"run_id", run_id}, {"metric_key", "loss"}})["metrics"];
  ASSERT_EQ(hist.size(), 5u);
  EXPECT_EQ(hist[0]["value"], 0.5);
  EXPECT_EQ(hist[1]["value"], "NaN");
  EXPECT_EQ(hist[2]["value"], "Infinity");
  EXPECT_EQ(hist[3]["value"], "-Infinity");
  EXPECT_EQ(hist[4]["step"], 4);
  json paged = Get("metrics/get-history",
                   {{"run_id", run_id}, {"metric_key", "loss"}, {"max_results", "3"}});
  EXPECT_EQ(paged["metrics"].size(), 3u);
  EXPECT_TRUE(paged.contains("next_page_token"));

  json got = Get("runs/get", {{"run_id", run_id}})["run"];
  EXPECT_EQ(got["data"]["metrics"][0]["value"], 0.25);
  EXPECT_EQ(got["data"]["params"][0], json({{"key", "lr"}, {"value", "0.1"}}));
  EXPECT_EQ(got["data"]["tags"].size(), 2u);  // mlflow.runName, owner

  // log-batch, all or nothing.
  Post("runs/log-batch",
       {{"run_id", run_id},
        {"metrics", {{{"key", "acc"}, {"value", "0.9"}, {"timestamp", "1"}, {"step", "1"}}}},
        {"params", {{{"key", "depth"}, {"value", "6"}}}},
        {"tags", {{{"key", "k"}, {"value", "v"}}}}});
  ExpectError(Call("POST", "/api/2.0/mlflow/runs/log-batch",
                   json({{"run_id", run_id},
                         {"metrics", {{{"key", "ok"}, {"value", 1}, {"timestamp", 1}}}},
                         {"params", {{{"key", "lr"}, {"value", "changed"}}}}})
                       .dump()),
              400, "INVALID_PARAMETER_VALUE");
  EXPECT_FALSE(
      Get("metrics/get-history", {{"run_id", run_id}, {"metric_key", "ok"}}).contains("metrics"));
  ExpectError(Call("POST", "/api/2.0/mlflow/runs/log-batch",
                   json({{"run_id", run_id}, {"metrics", "nope"}}).dump()),
              400, "INVALID_PARAMETER_VALUE");

  // Bad input.
  ExpectError(
      Call("POST", "/api/2.0/mlflow/runs/log-metric",
           json({{"run_id", run_id}, {"key", "m"}, {"value", "abc"}, {"timestamp", 1}}).dump()),
      400, "INVALID_PARAMETER_VALUE");
  ExpectError(Call("POST", "/api/2.0/mlflow/runs/log-metric",
                   json({{"run_id", run_id}, {"key", "m"}, {"value", 1.0}}).dump()),
              400, "INVALID_PARAMETER_VALUE");
  ExpectError(
      Call("POST", "/api/2.0/mlflow/runs/log-metric",
           json({{"run_id", run_id}, {"key", "../x"}, {"value", 1}, {"timestamp", 1}}).dump()),
      400, "INVALID_PARAMETER_VALUE");
  ExpectError(Call("GET", "/api/2.0/mlflow/runs/get", "", {{"run_id", std::string(32, '0')}}), 404,
              "RESOURCE_DOES_NOT_EXIST");
  ExpectError(Call("GET", "/api/2.0/mlflow/runs/get", "", {}), 400, "INVALID_PARAMETER_VALUE");

  // update, delete, restore.
  json updated =
      Post("runs/update",
           {{"run_id", run_id}, {"status", "FINISHED"}, {"end_time", "1700000000100"}})["run_info"];
  EXPECT_EQ(updated["status"], "FINISHED");
  EXPECT_EQ(updated["end_time"], 1700000000100);
  Post("runs/delete", {{"run_id", run_id}});
  ExpectError(
      Call("POST", "/api/2.0/mlflow/runs/log-metric",
           json({{"run_id", run_id}, {"key", "late"}, {"value", 1}, {"timestamp", 1}}).dump()),
      400, "INVALID_PARAMETER_VALUE");
  Post("runs/restore", {{"run_id", run_id}});

  // log-inputs and log-model.
  Post("runs/log-inputs", {{"run_id", run_id},
                           {"datasets",
                            {{{"tags", {{{"key", "mlflow.data.context"}, {"value", "training"}}}},
                              {"dataset",
                               {{"name", "iris"},
                                {"digest", "abc123"},
                                {"source_type", "local"},
                                {"source", "{\"uri\": \"/data/iris.csv\"}"}}}}}}});
  got = Get("runs/get", {{"run_id", run_id}})["run"];
  json ds = got["inputs"]["dataset_inputs"];
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0]["dataset"]["name"], "iris");
  EXPECT_EQ(ds[0]["tags"][0]["value"], "training");
  Post("runs/log-model", {{"run_id", run_id},
                          {"model_json", json({{"artifact_path", "model"},
                                               {"flavors", json::object()},
                                               {"utc_time_created", "now"},
                                               {"run_id", run_id}})
                                             .dump()}});
}

TEST_F(TrackingHandlersTest, SearchRuns) {
  std::string exp = Post("experiments/create", {{"name", "wire-search"}})["experiment_id"];
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    std::string id = Post("runs/create", {{"experiment_id", exp},
                                          {"run_name", absl::StrCat("r", i)},
                                          {"start_time", 1000 + i}})["run"]["info"]["run_id"];
    Post("runs/log-batch",
         {{"run_id", id},
          {"metrics", {{{"key", "m1"}, {"value", i / 10.0}, {"timestamp", 1}, {"step", 0}}}},
          {"params", {{{"key", "p1"}, {"value", i % 2 ? "x" : "y"}}}},
          {"tags", {{{"key", "grp"}, {"value", absl::StrCat("g", i % 3)}}}}});
    ids.push_back(id);
  }
  auto names = [](const json& body) {
    std::vector<std::string> out;
    for (const json& r : body.value("runs", json::array())) out.push_back(r["info"]["run_name"]);
    return out;
  };
  json got = Post("runs/search",
                  {{"experiment_ids", {exp}}, {"filter", "metrics.m1 > 0.5 and params.p1 = 'x'"}});
  std::vector<std::string> n = names(got);
  std::sort(n.begin(), n.end());
  EXPECT_EQ(n, (std::vector<std::string>{"r11", "r7", "r9"}));
  got = Post("runs/search",
             {{"experiment_ids", {exp}}, {"order_by", {"metrics.m1 DESC"}}, {"max_results", 5}});
  EXPECT_EQ(names(got), (std::vector<std::string>{"r11", "r10", "r9", "r8", "r7"}));
  json page2 = Post("runs/search", {{"experiment_ids", {exp}},
                                    {"order_by", {"metrics.m1 DESC"}},
                                    {"max_results", 5},
                                    {"page_token", got["next_page_token"]}});
  EXPECT_EQ(names(page2), (std::vector<std::string>{"r6", "r5", "r4", "r3", "r2"}));
  got = Post("runs/search",
             {{"experiment_ids", {exp}},
              {"filter", absl::StrCat("attributes.run_id IN ('", ids[0], "', '", ids[1], "')")}});
  EXPECT_EQ(names(got).size(), 2u);
  got = Post("runs/search", {{"experiment_ids", {exp}}});
  EXPECT_EQ(got["runs"][0]["info"]["run_name"], "r11");
  EXPECT_EQ(got["runs"][0]["data"]["params"][0]["value"], "x");

  // Injection stays literal; malformed filters, tokens and limits are 400s.
  got = Post("runs/search", {{"experiment_ids", {exp}}, {"filter", "params.p1 = 'x'' OR 1=1 --'"}});
  EXPECT_FALSE(got.contains("runs"));
  for (const json& body :
       {json({{"experiment_ids", {exp}}, {"filter", "metrics.m1 >> 3"}}),
        json({{"experiment_ids", {exp}}, {"filter", "params.p = 'x'; DROP TABLE runs; --"}}),
        json({{"experiment_ids", {exp}}, {"filter", "metrics.m1 > 'a' or 1=1"}}),
        json({{"experiment_ids", {exp}}, {"page_token", "not-a-token"}}),
        json({{"experiment_ids", {exp}}, {"max_results", 1000000000}}),
        json({{"experiment_ids", {exp}}, {"run_view_type", "SOMETIMES"}})}) {
    ExpectError(Call("POST", "/api/2.0/mlflow/runs/search", body.dump()), 400,
                "INVALID_PARAMETER_VALUE");
  }
  // Tables survived the injection attempts.
  EXPECT_EQ(names(Post("runs/search", {{"experiment_ids", {exp}}})).size(), 12u);
}

}  // namespace
}  // namespace strata::api
