#include "strata/api/artifact_handlers.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/api/errors.h"
#include "strata/api/request_params.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::api {
namespace {

constexpr std::string_view kScheme = "mlflow-artifacts:";

void WriteJson(const nlohmann::json& body, http::Response& res) {
  res.status = 200;
  res.content_type = "application/json";
  res.body = DumpJson(body);
}

// Trailing slashes on a folder to list are harmless ("model/" is "model"); elsewhere an
// empty component is refused by the store's path check.
std::string TrimTrailingSlashes(std::string path) {
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  if (name.empty()) return std::string(dir);
  return absl::StrCat(AsAbsl(dir), "/", AsAbsl(name));
}

// MLflow's FileInfo JSON: "file_size" only for files; "is_dir" always (clients index it).
nlohmann::json FilesJson(const std::vector<blob::ArtifactEntry>& entries, std::string_view prefix) {
  nlohmann::json files = nlohmann::json::array();
  for (const blob::ArtifactEntry& e : entries) {
    nlohmann::json f = {{"path", JoinPath(prefix, e.name)}, {"is_dir", e.is_dir}};
    if (!e.is_dir) f["file_size"] = e.file_size;
    files.push_back(std::move(f));
  }
  return files;
}

absl::StatusOr<std::optional<std::string>> OptionalParam(const http::Request& req,
                                                         std::string_view name) {
  ASSIGN_OR_RETURN(RequestParams params, RequestParams::FromRequest(req));
  return params.OptionalString(name);
}

// GET .../mlflow-artifacts/artifacts?path=D: names relative to D, as MLflow's proxy answers.
absl::Status ListProxy(blob::ArtifactStore& store, const http::Request& req, http::Response& res) {
  ASSIGN_OR_RETURN(std::optional<std::string> path, OptionalParam(req, "path"));
  std::string dir = TrimTrailingSlashes(path.value_or(""));
  ASSIGN_OR_RETURN(std::vector<blob::ArtifactEntry> entries, store.List(dir));
  WriteJson({{"files", FilesJson(entries, "")}}, res);
  return absl::OkStatus();
}

absl::Status Download(blob::ArtifactStore& store, const http::Request& req, http::Response& res) {
  if (req.wildcard.empty()) return ListProxy(store, req, res);
  ASSIGN_OR_RETURN(blob::BlobInfo blob, store.Get(req.wildcard));
  res.status = 200;
  res.content_type = "application/octet-stream";
  res.body.clear();
  res.file_path = std::move(blob.blob_path);
  // Artifacts are user content: never let a browser sniff them into HTML.
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return absl::OkStatus();
}

absl::Status Upload(blob::ArtifactStore& store, const http::Request& req, http::Response& res) {
  RETURN_IF_ERROR(store.Put(req.wildcard, req.body).status());
  WriteJson(nlohmann::json::object(), res);
  return absl::OkStatus();
}

absl::Status Remove(blob::ArtifactStore& store, const http::Request& req, http::Response& res) {
  absl::Status s = store.Delete(req.wildcard);
  // Deleting what is not there succeeds, as with MLflow's repositories.
  if (!s.ok() && !absl::IsNotFound(s)) return s;
  WriteJson(nlohmann::json::object(), res);
  return absl::OkStatus();
}

// GET .../mlflow/artifacts/list: paths relative to the run's artifact root, including the
// requested sub-folder.
absl::Status ListRun(blob::ArtifactStore& store, const RunArtifactRootFn& run_root,
                     const http::Request& req, http::Response& res) {
  ASSIGN_OR_RETURN(RequestParams params, RequestParams::FromRequest(req));
  ASSIGN_OR_RETURN(std::optional<std::string> run_id, params.OptionalString("run_id"));
  if (!run_id.has_value() || run_id->empty()) {
    ASSIGN_OR_RETURN(run_id, params.OptionalString("run_uuid"));  // MLflow's older name
  }
  if (!run_id.has_value() || run_id->empty()) {
    return absl::InvalidArgumentError("Missing value for required parameter 'run_id'");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> path, params.OptionalString("path"));
  std::string sub = TrimTrailingSlashes(path.value_or(""));
  RETURN_IF_ERROR(blob::ValidateArtifactPath(sub, /*allow_empty=*/true));
  // page_token is accepted and ignored: listings are not paginated (as MLflow's local store).
  ASSIGN_OR_RETURN(std::string root_uri, run_root(*run_id));
  ASSIGN_OR_RETURN(std::string root, MlflowArtifactsUriToPath(root_uri));
  ASSIGN_OR_RETURN(std::vector<blob::ArtifactEntry> entries, store.List(JoinPath(root, sub)));
  WriteJson({{"root_uri", root_uri}, {"files", FilesJson(entries, sub)}}, res);
  return absl::OkStatus();
}

// Adapts a Status-returning handler to http::Handler, rendering errors the one way.
template <typename Fn>
http::Handler Wrap(Fn fn) {
  return [fn = std::move(fn)](const http::Request& req, http::Response& res) {
    absl::Status s = fn(req, res);
    if (!s.ok()) WriteError(s, res);
  };
}

}  // namespace

absl::StatusOr<std::string> MlflowArtifactsUriToPath(std::string_view uri) {
  if (!absl::StartsWith(AsAbsl(uri), AsAbsl(kScheme))) {
    return absl::InvalidArgumentError(
        absl::StrCat("artifact root '", AsAbsl(uri),
                     "' is not an mlflow-artifacts: URI; this server only serves those"));
  }
  std::string_view rest = uri.substr(kScheme.size());
  if (rest.substr(0, 2) == "//") {  // mlflow-artifacts://host:port/path
    size_t slash = rest.find('/', 2);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  RETURN_IF_ERROR(blob::ValidateArtifactPath(rest, /*allow_empty=*/true));
  return std::string(rest);
}

void AddArtifactRoutes(http::Router& router, blob::ArtifactStore& store,
                       RunArtifactRootFn run_root) {
  blob::ArtifactStore* s = &store;
  for (std::string_view base : {"/api/2.0", "/ajax-api/2.0"}) {
    std::string artifacts = absl::StrCat(AsAbsl(base), "/mlflow-artifacts/artifacts");
    std::string files = absl::StrCat(artifacts, "/*");
    router.Add("GET", artifacts, Wrap([s](const http::Request& req, http::Response& res) {
                 return ListProxy(*s, req, res);
               }));
    router.Add("GET", files, Wrap([s](const http::Request& req, http::Response& res) {
                 return Download(*s, req, res);
               }));
    router.Add("PUT", files, Wrap([s](const http::Request& req, http::Response& res) {
                 return Upload(*s, req, res);
               }),
               kMaxArtifactUploadBytes);
    router.Add("DELETE", files, Wrap([s](const http::Request& req, http::Response& res) {
                 return Remove(*s, req, res);
               }));
    router.Add("GET", absl::StrCat(AsAbsl(base), "/mlflow/artifacts/list"),
               Wrap([s, run_root](const http::Request& req, http::Response& res) {
                 return ListRun(*s, run_root, req, res);
               }));
  }
}

}  // namespace strata::api
