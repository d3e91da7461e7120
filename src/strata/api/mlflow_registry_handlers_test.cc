// The registry REST surface driven in-process through an http::Router with the JSON bodies
// MLflow's Python client sends (MlflowClient / RestStore), over an SQLite store.
#include "strata/api/mlflow_registry_handlers.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/registry/model_registry.h"
#include "strata/store/database.h"

namespace strata::api {
namespace {

using nlohmann::json;

class RegistryHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(::testing::TempDir()) /
            absl::StrCat("registry_handlers_", getpid(), "_",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".db");
    std::filesystem::remove(path_);
    auto db = store::Database::Open(absl::StrCat("sqlite://", path_.string()));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    auto reg = registry::ModelRegistry::Open(db_.get());
    ASSERT_TRUE(reg.ok()) << reg.status();
    reg_ = std::move(*reg);
    AddRegistryRoutes(router_, *reg_);
  }

  void TearDown() override {
    reg_.reset();
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }

  // Sends `body` as JSON for non-GET methods and as the query string for GET, as MLflow's
  // RestStore does.
  http::Response Call(const std::string& method, const std::string& endpoint, const json& body,
                      const std::string& user = "",
                      const std::string& prefix = "/api/2.0/mlflow/") {
    http::Request req;
    req.method = method;
    req.path = endpoint[0] == '/' ? endpoint : prefix + endpoint;
    if (method == "GET") {
      for (const auto& [k, v] : body.items()) {
        if (v.is_array()) {
          for (const auto& e : v) req.query.emplace_back(k, e.get<std::string>());
        } else {
          req.query.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
        }
      }
    } else {
      req.body = body.dump();
    }
    if (!user.empty()) req.headers.emplace_back("x-strata-user", user);
    http::Response res;
    http::Router::Match m = router_.Find(req.method, req.path);
    if (m.route == nullptr) {
      res.status = m.path_known ? 405 : 404;
      return res;
    }
    m.route->handler(req, res);
    return res;
  }

  json Ok(const std::string& method, const std::string& endpoint, const json& body,
          const std::string& user = "") {
    http::Response res = Call(method, endpoint, body, user);
    EXPECT_EQ(res.status, 200) << method << " " << endpoint << ": " << res.body;
    json out = json::parse(res.body, nullptr, false);
    EXPECT_FALSE(out.is_discarded()) << res.body;
    return out;
  }

  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<registry::ModelRegistry> reg_;
  http::Router router_;
};

TEST_F(RegistryHandlersTest, RegisteredModelLifecycle) {
  json created = Ok(
      "POST", "registered-models/create",
      {{"name", "fraud"}, {"tags", {{{"key", "team"}, {"value", "risk"}}}}, {"description", "d"}});
  const json& rm = created["registered_model"];
  EXPECT_EQ(rm["name"], "fraud");
  EXPECT_EQ(rm["description"], "d");
  EXPECT_TRUE(rm["creation_timestamp"].is_number_integer());
  EXPECT_EQ(rm["tags"], json::parse(R"([{"key":"team","value":"risk"}])"));

  http::Response dup = Call("POST", "registered-models/create", {{"name", "fraud"}});
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(json::parse(dup.body)["error_code"], "RESOURCE_ALREADY_EXISTS");
  EXPECT_EQ(json::parse(dup.body)["message"], "Registered Model (name=fraud) already exists.");

  http::Response missing = Call("GET", "registered-models/get", {{"name", "nope"}});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error_code"], "RESOURCE_DOES_NOT_EXIST");
  http::Response no_name = Call("POST", "registered-models/create", json::object());
  EXPECT_EQ(no_name.status, 400);
  EXPECT_EQ(json::parse(no_name.body)["error_code"], "INVALID_PARAMETER_VALUE");

  EXPECT_EQ(Ok("PATCH", "registered-models/update",
               {{"name", "fraud"}, {"description", "new"}})["registered_model"]["description"],
            "new");
  Ok("POST", "registered-models/set-tag", {{"name", "fraud"}, {"key", "k"}, {"value", ""}});
  Ok("DELETE", "registered-models/delete-tag", {{"name", "fraud"}, {"key", "team"}});
  json got = Ok("GET", "registered-models/get", {{"name", "fraud"}});
  EXPECT_EQ(got["registered_model"]["tags"], json::parse(R"([{"key":"k","value":""}])"));

  json renamed =
      Ok("POST", "registered-models/rename", {{"name", "fraud"}, {"new_name", "fraud2"}});
  EXPECT_EQ(renamed["registered_model"]["name"], "fraud2");

  json search = Ok("GET", "registered-models/search",
                   {{"filter", "name LIKE 'fraud%'"}, {"max_results", "10"}});
  ASSERT_EQ(search["registered_models"].size(), 1u);
  EXPECT_EQ(search["registered_models"][0]["name"], "fraud2");
  EXPECT_FALSE(search.contains("next_page_token"));
  http::Response bad_filter =
      Call("GET", "registered-models/search", {{"filter", "name = 'a' OR name = 'b'"}});
  EXPECT_EQ(bad_filter.status, 400);
  EXPECT_EQ(json::parse(bad_filter.body)["error_code"], "INVALID_PARAMETER_VALUE");

  EXPECT_EQ(Ok("DELETE", "registered-models/delete", {{"name", "fraud2"}}), json::object());
  EXPECT_EQ(Call("GET", "registered-models/get", {{"name", "fraud2"}}).status, 404);
}

TEST_F(RegistryHandlersTest, ModelVersionsStagesAliasesAndAudit) {
  Ok("POST", "registered-models/create", {{"name", "m"}});
  // MlflowClient.create_model_version sends name, source, run_id, tags, run_link, description.
  json v1 = Ok("POST", "model-versions/create",
               {{"name", "m"},
                {"source", "mlflow-artifacts:/0/abc/artifacts/model"},
                {"run_id", "abc"},
                {"tags", {{{"key", "k"}, {"value", "v"}}}},
                {"run_link", ""},
                {"description", ""}});
  const json& mv = v1["model_version"];
  EXPECT_EQ(mv["version"], "1");  // a string in MLflow's JSON
  EXPECT_EQ(mv["current_stage"], "None");
  EXPECT_EQ(mv["status"], "READY");
  EXPECT_EQ(mv["run_id"], "abc");
  EXPECT_EQ(mv["tags"], json::parse(R"([{"key":"k","value":"v"}])"));
  EXPECT_EQ(Ok("POST", "model-versions/create",
               {{"name", "m"}, {"source", "s2"}})["model_version"]["version"],
            "2");
  http::Response orphan =
      Call("POST", "model-versions/create", {{"name", "ghost"}, {"source", "s"}});
  EXPECT_EQ(orphan.status, 404);
  EXPECT_EQ(json::parse(orphan.body)["error_code"], "RESOURCE_DOES_NOT_EXIST");

  json t = Ok("POST", "model-versions/transition-stage",
              {{"name", "m"},
               {"version", "1"},
               {"stage", "production"},
               {"archive_existing_versions", false}},
              "alice");
  EXPECT_EQ(t["model_version"]["current_stage"], "Production");
  Ok("POST", "model-versions/transition-stage",
     {{"name", "m"},
      {"version", "2"},
      {"stage", "Production"},
      {"archive_existing_versions", true}},
     "bob");
  EXPECT_EQ(Ok("GET", "model-versions/get",
               {{"name", "m"}, {"version", "1"}})["model_version"]["current_stage"],
            "Archived");
  http::Response bad_stage = Call(
      "POST", "model-versions/transition-stage",
      {{"name", "m"}, {"version", "1"}, {"stage", "Prod"}, {"archive_existing_versions", false}});
  EXPECT_EQ(bad_stage.status, 400);
  EXPECT_EQ(json::parse(bad_stage.body)["error_code"], "INVALID_PARAMETER_VALUE");

  json latest = Ok("POST", "registered-models/get-latest-versions",
                   {{"name", "m"}, {"stages", {"Production"}}});
  ASSERT_EQ(latest["model_versions"].size(), 1u);
  EXPECT_EQ(latest["model_versions"][0]["version"], "2");
  json latest_get = Ok("GET", "registered-models/get-latest-versions",
                       {{"name", "m"}, {"stages", {"Archived", "Production"}}});
  EXPECT_EQ(latest_get["model_versions"].size(), 2u);

  // Aliases: set (version as a string, as the client sends it), move, get, delete.
  Ok("POST", "registered-models/alias", {{"name", "m"}, {"alias", "champion"}, {"version", "1"}},
     "carol");
  Ok("POST", "registered-models/alias", {{"name", "m"}, {"alias", "champion"}, {"version", "2"}},
     "carol");
  json by_alias = Ok("GET", "registered-models/alias", {{"name", "m"}, {"alias", "champion"}});
  EXPECT_EQ(by_alias["model_version"]["version"], "2");
  EXPECT_EQ(by_alias["model_version"]["aliases"], json::parse(R"(["champion"])"));
  json model = Ok("GET", "registered-models/get", {{"name", "m"}});
  EXPECT_EQ(model["registered_model"]["aliases"],
            json::parse(R"([{"alias":"champion","version":"2"}])"));
  http::Response reserved = Call("POST", "registered-models/alias",
                                 {{"name", "m"}, {"alias", "latest"}, {"version", "1"}});
  EXPECT_EQ(reserved.status, 400);
  Ok("DELETE", "registered-models/alias", {{"name", "m"}, {"alias", "champion"}}, "dave");
  EXPECT_EQ(Call("GET", "registered-models/alias", {{"name", "m"}, {"alias", "champion"}}).status,
            404);

  json search = Ok("GET", "model-versions/search", {{"filter", "name='m' AND run_id='abc'"}});
  ASSERT_EQ(search["model_versions"].size(), 1u);
  EXPECT_EQ(search["model_versions"][0]["version"], "1");
  json uri = Ok("GET", "model-versions/get-download-uri", {{"name", "m"}, {"version", "1"}});
  EXPECT_EQ(uri["artifact_uri"], "mlflow-artifacts:/0/abc/artifacts/model");

  Ok("POST", "model-versions/set-tag",
     {{"name", "m"}, {"version", "2"}, {"key", "q"}, {"value", "1"}});
  Ok("DELETE", "model-versions/delete-tag", {{"name", "m"}, {"version", "2"}, {"key", "q"}});
  EXPECT_EQ(Ok("PATCH", "model-versions/update",
               {{"name", "m"},
                {"version", "2"},
                {"description", "better"}})["model_version"]["description"],
            "better");
  http::Response bad_version = Call("GET", "model-versions/get", {{"name", "m"}, {"version", "x"}});
  EXPECT_EQ(bad_version.status, 400);
  Ok("DELETE", "model-versions/delete", {{"name", "m"}, {"version", "1"}});
  EXPECT_EQ(Call("GET", "model-versions/get", {{"name", "m"}, {"version", "1"}}).status, 404);

  // The audit trail, with the actor from X-Strata-User.
  json audit = Ok("GET", "/api/v1/registry/audit", {{"name", "m"}});
  const json& ev = audit["events"];
  ASSERT_EQ(ev.size(), 6u) << audit.dump();
  EXPECT_EQ(ev[0]["action"], "transition_stage");
  EXPECT_EQ(ev[0]["actor"], "alice");
  EXPECT_EQ(ev[0]["version"], 1);
  EXPECT_EQ(ev[0]["from"], "None");
  EXPECT_EQ(ev[0]["to"], "Production");
  EXPECT_EQ(ev[2]["actor"], "bob");
  EXPECT_EQ(ev[2]["from"], "Production");
  EXPECT_EQ(ev[2]["to"], "Archived");
  EXPECT_EQ(ev[3]["action"], "set_alias");
  EXPECT_EQ(ev[3]["from"], nullptr);
  EXPECT_EQ(ev[4]["from"], "1");
  EXPECT_EQ(ev[4]["to"], "2");
  EXPECT_EQ(ev[5]["action"], "delete_alias");
  EXPECT_EQ(ev[5]["actor"], "dave");
  EXPECT_EQ(ev[5]["to"], nullptr);
  json paged = Ok("GET", "/api/v1/registry/audit", {{"max_results", "4"}});
  EXPECT_EQ(paged["events"].size(), 4u);
  ASSERT_TRUE(paged.contains("next_page_token"));
  json rest = Ok("GET", "/api/v1/registry/audit",
                 {{"max_results", "4"}, {"page_token", paged["next_page_token"]}});
  EXPECT_EQ(rest["events"].size(), 2u);
}

TEST_F(RegistryHandlersTest, AjaxPrefixMethodsAndDeleteQueryString) {
  http::Response res =
      Call("POST", "registered-models/create", {{"name", "a"}}, "", "/ajax-api/2.0/mlflow/");
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Call("POST", "registered-models/get", {{"name", "a"}}).status, 405);
  // A DELETE with its parameters in the query string (curl) works too.
  http::Request req;
  req.method = "DELETE";
  req.path = "/api/2.0/mlflow/registered-models/delete";
  req.query = {{"name", "a"}};
  http::Response del;
  router_.Find("DELETE", req.path).route->handler(req, del);
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(Call("GET", "registered-models/get", {{"name", "a"}}).status, 404);
  http::Response malformed;
  http::Request bad;
  bad.method = "POST";
  bad.path = "/api/2.0/mlflow/registered-models/create";
  bad.body = "{\"name\": ";
  router_.Find("POST", bad.path).route->handler(bad, malformed);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(json::parse(malformed.body)["error_code"], "MALFORMED_REQUEST");
}

}  // namespace
}  // namespace strata::api
