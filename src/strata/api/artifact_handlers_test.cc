#include "strata/api/artifact_handlers.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace strata::api {
namespace {

namespace fs = std::filesystem;
using Query = std::vector<std::pair<std::string, std::string>>;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ArtifactHandlersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "strata_artifact_api_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto store = blob::ArtifactStore::Open(dir_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    AddArtifactRoutes(router_, *store_,
                      [this](const std::string& run_id) -> absl::StatusOr<std::string> {
                        ++root_lookups_;
                        if (run_id == "abc123") return "mlflow-artifacts:/1/abc123/artifacts";
                        if (run_id == "local") return "file:///tmp/somewhere";
                        return absl::NotFoundError(absl::StrCat("Run '", run_id, "' not found"));
                      });
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Routes like the server does: find the route, hand over the wildcard, run the handler.
  http::Response Call(std::string method, std::string path, Query query = {},
                      std::string body = "") {
    http::Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.query = std::move(query);
    req.body = std::move(body);
    http::Response res;
    http::Router::Match m = router_.Find(req.method, req.path);
    if (m.route == nullptr) {
      res.status = m.path_known ? 405 : 404;
      res.body = "no route";
      return res;
    }
    req.wildcard = m.wildcard;
    m.route->handler(req, res);
    return res;
  }

  static nlohmann::json Json(const http::Response& res) {
    return nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  }

  std::string dir_;
  std::unique_ptr<blob::ArtifactStore> store_;
  http::Router router_;
  int root_lookups_ = 0;
};

constexpr char kFiles[] = "/api/2.0/mlflow-artifacts/artifacts";

TEST_F(ArtifactHandlersTest, UploadDownloadRoundTrip) {
  std::string url = absl::StrCat(kFiles, "/1/abc123/artifacts/model/model.pkl");
  http::Response put = Call("PUT", url, {}, "model bytes");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Json(put), nlohmann::json::object());

  http::Response get = Call("GET", url);
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.content_type, "application/octet-stream");
  EXPECT_TRUE(get.body.empty());
  ASSERT_FALSE(get.file_path.empty());
  EXPECT_EQ(Slurp(get.file_path), "model bytes");

  http::Response missing = Call("GET", absl::StrCat(kFiles, "/1/abc123/artifacts/nope"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Json(missing)["error_code"], "RESOURCE_DOES_NOT_EXIST");
  EXPECT_TRUE(missing.file_path.empty());
}

TEST_F(ArtifactHandlersTest, UploadRouteAllowsOneGibibyte) {
  http::Router::Match m = router_.Find("PUT", absl::StrCat(kFiles, "/a/b"));
  ASSERT_NE(m.route, nullptr);
  ASSERT_TRUE(m.route->max_body_bytes.has_value());
  EXPECT_EQ(*m.route->max_body_bytes, 1ull << 30);
}

TEST_F(ArtifactHandlersTest, ProxyListGivesNamesRelativeToTheListedFolder) {
  ASSERT_EQ(Call("PUT", absl::StrCat(kFiles, "/1/abc123/artifacts/b.txt"), {}, "bbb").status, 200);
  ASSERT_EQ(Call("PUT", absl::StrCat(kFiles, "/1/abc123/artifacts/model/MLmodel"), {}, "m").status,
            200);
  http::Response res = Call("GET", kFiles, {{"path", "1/abc123/artifacts"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Json(res), nlohmann::json::parse(R"({"files": [
      {"path": "b.txt", "is_dir": false, "file_size": 3},
      {"path": "model", "is_dir": true}]})"));

  http::Response root = Call("GET", kFiles);
  EXPECT_EQ(Json(root), nlohmann::json::parse(R"({"files": [{"path": "1", "is_dir": true}]})"));
  http::Response slash = Call("GET", kFiles, {{"path", "1/abc123/artifacts/model/"}});
  EXPECT_EQ(Json(slash)["files"][0]["path"], "MLmodel");
  http::Response empty = Call("GET", kFiles, {{"path", "9/none"}});
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(Json(empty), nlohmann::json::parse(R"({"files": []})"));
}

TEST_F(ArtifactHandlersTest, DeleteFileAndFolder) {
  ASSERT_EQ(Call("PUT", absl::StrCat(kFiles, "/1/r/artifacts/a"), {}, "a").status, 200);
  ASSERT_EQ(Call("PUT", absl::StrCat(kFiles, "/1/r/artifacts/d/x"), {}, "x").status, 200);
  http::Response del = Call("DELETE", absl::StrCat(kFiles, "/1/r/artifacts/d"));
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(Json(del), nlohmann::json::object());
  EXPECT_EQ(Call("GET", absl::StrCat(kFiles, "/1/r/artifacts/d/x")).status, 404);
  EXPECT_EQ(Call("GET", absl::StrCat(kFiles, "/1/r/artifacts/a")).status, 200);
  EXPECT_EQ(Call("DELETE", absl::StrCat(kFiles, "/1/r/artifacts/d")).status, 200);
}

TEST_F(ArtifactHandlersTest, TraversalIsInvalidParameterValue) {
  // Wildcards as the router hands them over: already percent-decoded once.
  for (const char* bad :
       {"/../../etc/passwd", "/1/../../x", "/a/%2e%2e/b", "/a//b", "/a\\..\\b", "/%252e%252e/x"}) {
    SCOPED_TRACE(bad);
    for (const char* method : {"PUT", "GET", "DELETE"}) {
      http::Response res = Call(method, absl::StrCat(kFiles, bad), {}, "evil");
      EXPECT_EQ(res.status, 400) << method << " " << res.body;
      EXPECT_EQ(Json(res)["error_code"], "INVALID_PARAMETER_VALUE");
    }
  }
  http::Response list = Call("GET", kFiles, {{"path", "../secrets"}});
  EXPECT_EQ(list.status, 400);
  http::Response run_list =
      Call("GET", "/api/2.0/mlflow/artifacts/list", {{"run_id", "abc123"}, {"path", "../../2"}});
  EXPECT_EQ(run_list.status, 400);
  EXPECT_EQ(Json(run_list)["error_code"], "INVALID_PARAMETER_VALUE");
  // Nothing was written anywhere.
  EXPECT_EQ(Json(Call("GET", kFiles)), nlohmann::json::parse(R"({"files": []})"));
}

TEST_F(ArtifactHandlersTest, TrackingListIsRelativeToTheRunRoot) {
  ASSERT_EQ(Call("PUT", absl::StrCat(kFiles, "/1/abc123/artifacts/top.txt"), {}, "12345").status,
            200);
  ASSERT_EQ(Call("PUT", absl::StrCat(kFiles, "/1/abc123/artifacts/dir/file.txt"), {}, "xy").status,
            200);
  ASSERT_EQ(Call("PUT", absl::StrCat(kFiles, "/1/abc123/artifacts/dir/sub/z"), {}, "z").status,
            200);

  http::Response root = Call("GET", "/api/2.0/mlflow/artifacts/list", {{"run_id", "abc123"}});
  ASSERT_EQ(root.status, 200) << root.body;
  EXPECT_EQ(Json(root), nlohmann::json::parse(R"({
      "root_uri": "mlflow-artifacts:/1/abc123/artifacts",
      "files": [{"path": "dir", "is_dir": true},
                {"path": "top.txt", "is_dir": false, "file_size": 5}]})"));

  http::Response sub = Call("GET", "/ajax-api/2.0/mlflow/artifacts/list",
                            {{"run_id", "abc123"}, {"path", "dir"}, {"page_token", "x"}});
  ASSERT_EQ(sub.status, 200) << sub.body;
  EXPECT_EQ(Json(sub)["files"], nlohmann::json::parse(R"([
      {"path": "dir/file.txt", "is_dir": false, "file_size": 2},
      {"path": "dir/sub", "is_dir": true}])"));

  http::Response legacy =
      Call("GET", "/api/2.0/mlflow/artifacts/list", {{"run_uuid", "abc123"}, {"path", "dir/sub"}});
  EXPECT_EQ(Json(legacy)["files"][0]["path"], "dir/sub/z");
}

TEST_F(ArtifactHandlersTest, TrackingListErrors) {
  http::Response unknown = Call("GET", "/api/2.0/mlflow/artifacts/list", {{"run_id", "zzz"}});
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Json(unknown)["error_code"], "RESOURCE_DOES_NOT_EXIST");
  http::Response local = Call("GET", "/api/2.0/mlflow/artifacts/list", {{"run_id", "local"}});
  EXPECT_EQ(local.status, 400);
  EXPECT_EQ(Json(local)["error_code"], "INVALID_PARAMETER_VALUE");
  int before = root_lookups_;
  http::Response no_run = Call("GET", "/api/2.0/mlflow/artifacts/list");
  EXPECT_EQ(no_run.status, 400);
  EXPECT_EQ(root_lookups_, before);
}

TEST_F(ArtifactHandlersTest, AjaxRoutesMirrorTheApiRoutes) {
  std::string url = "/ajax-api/2.0/mlflow-artifacts/artifacts/1/abc123/artifacts/f";
  ASSERT_EQ(Call("PUT", url, {}, "ajax").status, 200);
  http::Response get = Call("GET", url);
  ASSERT_EQ(get.status, 200);
  EXPECT_EQ(Slurp(get.file_path), "ajax");
  http::Response list =
      Call("GET", "/ajax-api/2.0/mlflow-artifacts/artifacts", {{"path", "1/abc123/artifacts"}});
  EXPECT_EQ(Json(list)["files"][0]["path"], "f");
  EXPECT_EQ(Call("DELETE", url).status, 200);
  EXPECT_EQ(Call("GET", url).status, 404);
}

TEST(MlflowArtifactsUriToPathTest, Forms) {
  EXPECT_EQ(*MlflowArtifactsUriToPath("mlflow-artifacts:/1/abc/artifacts"), "1/abc/artifacts");
  EXPECT_EQ(*MlflowArtifactsUriToPath("mlflow-artifacts://localhost:5000/1/abc/artifacts/"),
            "1/abc/artifacts");
  EXPECT_EQ(*MlflowArtifactsUriToPath("mlflow-artifacts:"), "");
  EXPECT_EQ(*MlflowArtifactsUriToPath("mlflow-artifacts:/"), "");
  EXPECT_TRUE(absl::IsInvalidArgument(MlflowArtifactsUriToPath("s3://bucket/1/abc").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(MlflowArtifactsUriToPath("/tmp/mlruns/1").status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(MlflowArtifactsUriToPath("mlflow-artifacts:/1/../../etc").status()));
}

}  // namespace
}  // namespace strata::api
