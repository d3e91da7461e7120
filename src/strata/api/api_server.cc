#include "strata/api/api_server.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/api/artifact_handlers.h"
#include "strata/api/dataset_handlers.h"
#include "strata/api/feature_registry_handlers.h"
#include "strata/api/lineage_handlers.h"
#include "strata/api/errors.h"
#include "strata/api/feature_server_handlers.h"
#include "strata/api/mlflow_registry_handlers.h"
#include "strata/api/mlflow_tracking_handlers.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/base/version.h"
#include "strata/blob/artifact_store.h"
#include "strata/data/datasets.h"
#include "strata/features/definitions.h"
#include "strata/features/feature_registry.h"
#include "strata/features/live_feature_server.h"
#include "strata/http/server.h"
#include "strata/registry/model_registry.h"
#include "strata/store/database.h"
#include "strata/tracking/tracking_store.h"

namespace strata::api {
namespace {

class ApiServerImpl : public ApiServer {
 public:
  int port() const override { return http_->port(); }
  void Stop() override { http_->Stop(); }
  void Wait() override { http_->Wait(); }

  // Declaration order is destruction order in reverse: the HTTP server stops first, then the
  // stores it borrows are closed.
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<tracking::TrackingStore> tracking_;
  std::unique_ptr<registry::ModelRegistry> registry_;
  std::unique_ptr<blob::ArtifactStore> artifacts_;
  std::unique_ptr<data::Datasets> datasets_;
  std::unique_ptr<features::FeatureRegistry> feature_registry_;
  std::unique_ptr<features::LiveFeatureServer> feature_server_;
  std::unique_ptr<http::Server> http_;

  ~ApiServerImpl() override {
    if (http_) http_->Stop();
  }
};

absl::Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot create directory ", dir, ": ", ec.message()));
  }
  return absl::OkStatus();
}

void AddNativeRoutes(http::Router& router, store::Database& db) {
  router.Add("GET", "/health", [&db](const http::Request&, http::Response& res) {
    absl::Status s = db.Ping();
    if (!s.ok()) {
      WriteError(absl::UnavailableError(absl::StrCat("metadata store: ", s.message())), res);
      return;
    }
    res.content_type = "text/plain";
    res.body = "OK";
  });
  router.Add("GET", "/version", [](const http::Request&, http::Response& res) {
    res.content_type = "text/plain";
    res.body = kVersion;
  });
  router.Add("GET", "/api/v1/version", [&db](const http::Request&, http::Response& res) {
    nlohmann::json body = {
        {"version", kVersion},
        {"store_backend", db.backend() == store::Backend::kSqlite ? "sqlite" : "postgresql"}};
    res.body = body.dump();
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(const ApiServerConfig& config) {
  auto server = std::make_unique<ApiServerImpl>();
  std::string home = config.home.empty() ? "." : config.home;
  RETURN_IF_ERROR(MakeDirs(home));
  std::string store_uri = config.store_uri.empty()
                              ? absl::StrCat("sqlite:///",
                                             std::filesystem::absolute(home).string(), "/strata.db")
                              : config.store_uri;
  std::string artifacts_dir =
      config.artifacts_dir.empty() ? absl::StrCat(home, "/artifacts") : config.artifacts_dir;
  RETURN_IF_ERROR(MakeDirs(artifacts_dir));

  // Handlers run on the I/O threads and block on the database, so the server runs more
  // threads than cores: while some wait, others parse and answer. SQLite waits are short (a
  // place in the group commit) and context switches cost more than they hide: two per core
  // measured best (8 log-metric connections, 2 cores: 15k/s with 2 threads, 21.5k with 4,
  // 19.5k with 8). PostgreSQL waits are network round trips and fsyncs: four per core.
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // Pools grow on demand, so size them for the larger thread count before the backend is known.
  store::DatabaseOptions db_options;
  db_options.max_connections =
      std::max(db_options.max_connections, config.threads > 0 ? config.threads : 4 * cores);
  ASSIGN_OR_RETURN(server->db_, store::Database::Open(store_uri, db_options));
  const bool postgres = server->db_->backend() == store::Backend::kPostgres;
  const int threads = config.threads > 0 ? config.threads : (postgres ? 4 : 2) * cores;
  tracking::TrackingOptions tracking_options;
  tracking_options.default_artifact_root = "mlflow-artifacts:";
  ASSIGN_OR_RETURN(server->tracking_,
                   tracking::TrackingStore::Open(server->db_.get(), tracking_options));
  ASSIGN_OR_RETURN(server->registry_, registry::ModelRegistry::Open(server->db_.get()));
  ASSIGN_OR_RETURN(server->artifacts_, blob::ArtifactStore::Open(artifacts_dir));
  // Dataset bytes share the artifact store: identical files logged by runs and added as
  // dataset versions are one blob.
  ASSIGN_OR_RETURN(server->datasets_,
                   data::Datasets::Open(server->db_.get(), server->artifacts_.get()));

  ASSIGN_OR_RETURN(server->feature_registry_,
                   features::FeatureRegistry::Open(server->db_.get(),
                                                   &server->datasets_->lineage()));
  features::LiveFeatureServerOptions feature_options;
  feature_options.project = config.feature_project;
  feature_options.home = home;
  feature_options.repository_directory = config.feature_repo;
  feature_options.poll_interval_ms = config.feature_poll_interval_ms;
  if (feature_options.project.empty() && !config.feature_repo.empty()) {
    ASSIGN_OR_RETURN(features::RepositoryConfig repo_config,
                     features::LoadRepositoryConfig(config.feature_repo));
    feature_options.project = repo_config.project;
  }
  ASSIGN_OR_RETURN(server->feature_server_,
                   features::LiveFeatureServer::Start(server->feature_registry_.get(),
                                                      std::move(feature_options)));

  http::Router router;
  AddNativeRoutes(router, *server->db_);
  FeatureRoutesOptions feature_routes;
  feature_routes.database = server->db_.get();
  feature_routes.lineage = &server->datasets_->lineage();
  RETURN_IF_ERROR(AddFeatureServerRoutes(*server->feature_server_, router, feature_routes));
  AddTrackingRoutes(router, *server->tracking_);
  AddRegistryRoutes(router, *server->registry_);
  tracking::TrackingStore* tracking = server->tracking_.get();
  AddArtifactRoutes(router, *server->artifacts_,
                    [tracking](const std::string& run_id) -> absl::StatusOr<std::string> {
                      return tracking->RunArtifactUri(run_id);
                    });
  AddDatasetRoutes(router, *server->datasets_);
  AddLineageRoutes(router, server->datasets_->lineage());
  RETURN_IF_ERROR(AddFeatureRegistryRoutes(router, *server->db_, *server->datasets_));

  http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.threads = threads;
  options.max_body_bytes = config.max_body_bytes;
  options.request_timeout_ms = config.request_timeout_ms;
  if (config.access_log.empty()) {
    RETURN_IF_ERROR(MakeDirs(absl::StrCat(home, "/logs")));
    options.access_log_path = absl::StrCat(home, "/logs/access.log");
  } else if (config.access_log != "off") {
    options.access_log_path = config.access_log;
  }
  options.error_responder = [](int status, std::string_view message, http::Response& res) {
    WriteHttpError(status, message, res);
  };
  ASSIGN_OR_RETURN(server->http_, http::Server::Start(std::move(router), std::move(options)));
  return std::unique_ptr<ApiServer>(std::move(server));
}

}  // namespace strata::api
