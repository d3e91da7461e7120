// The `strata server` process: opens the metadata store and artifact store, mounts every REST
// surface (MLflow tracking, model registry, artifact proxy, native /api/v1) on one HTTP server.
#ifndef STRATA_API_API_SERVER_H_
#define STRATA_API_API_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace strata::api {

struct ApiServerConfig {
  // Home directory for embedded defaults: strata.db, blobs/, logs/.
  std::string home;
  // Metadata store URI; empty = sqlite:///<home>/strata.db.
  std::string store_uri;
  // Artifact root directory; empty = <home>/artifacts.
  std::string artifacts_dir;
  std::string host = "127.0.0.1";
  int port = 5000;
  // Request threads; 0 = two per core on SQLite, four on PostgreSQL (handlers block on the
  // database).
  int threads = 0;
  uint64_t max_body_bytes = 64ull << 20;
  int request_timeout_ms = 30000;
  // JSON-lines access log; empty = <home>/logs/access.log, "-" = stderr, "off" = none.
  std::string access_log;
  // Feature server (/get-online-features, /push, /materialize*): the project served; empty =
  // the only project applied in the registry. `feature_repo` (optional) is the repository
  // directory, which file sources' paths resolve against (offline push); when given and
  // `feature_project` is empty, the project is the one in its feature_store.yaml.
  std::string feature_project;
  std::string feature_repo;
  int64_t feature_poll_interval_ms = 1000;
};

// Thread-safety: Stop() may be called from any thread (e.g. a signal-watching thread).
class ApiServer {
 public:
  // Errors: INVALID_ARGUMENT (bad store URI), UNAVAILABLE (database or port unavailable),
  // INTERNAL (migrations failed).
  static absl::StatusOr<std::unique_ptr<ApiServer>> Start(const ApiServerConfig& config);
  virtual ~ApiServer() = default;
  virtual int port() const = 0;
  virtual void Stop() = 0;
  virtual void Wait() = 0;
};

}  // namespace strata::api

#endif  // STRATA_API_API_SERVER_H_
