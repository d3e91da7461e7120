// The feature server of a running process (`strata server`, `strata serve`): the FeatureServer
// of the registry's current applied version of one project, and that version's online store,
// both swapped when a new version is applied.
//
// A background thread polls the registry every `poll_interval_ms` with one indexed query (the
// newest version number); only when it changes is the snapshot read and a new FeatureServer
// built, then published with one pointer swap. Requests in flight keep the snapshot they took.
// The online store is reopened only when the applied config's online_store changes.
//
// When the online store cannot be opened (Redis down at start or after a config change),
// Current() answers UNAVAILABLE and tries to open it again on later calls (at most every
// 100 ms), so the server recovers without a restart. A store that was open reconnects by
// itself (OnlineStore's contract).
//
// Thread-safety: Current() and Refresh() may be called from any number of threads.
#ifndef STRATA_FEATURES_LIVE_FEATURE_SERVER_H_
#define STRATA_FEATURES_LIVE_FEATURE_SERVER_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/features/feature_registry.h"
#include "strata/features/online_features.h"
#include "strata/features/online_store.h"

namespace strata::features {

struct LiveFeatureServerOptions {
  // The project to serve; empty = the only project applied in the registry (resolved on each
  // poll until there is exactly one).
  std::string project;
  // Home directory: the LMDB store of PROJECT lives at <home>/online.lmdb/PROJECT.
  std::string home;
  // The repository directory, when known (`--feature-repo`): file sources' relative paths
  // resolve against it (offline push). Registry snapshots carry no directory.
  std::string repository_directory;
  int64_t poll_interval_ms = 1000;
};

class LiveFeatureServer {
 public:
  struct Snapshot {
    std::shared_ptr<const FeatureServer> server;
    std::shared_ptr<OnlineStore> store;
    // The applied version the server was built from (materialization takes it whole).
    std::shared_ptr<const RegistryVersion> version;
  };

  // Loads the current version (if any) and starts polling. Errors: only from the registry
  // (the database); nothing applied yet, several projects or an unreachable Redis are not
  // errors here but answers of Current().
  static absl::StatusOr<std::unique_ptr<LiveFeatureServer>> Start(FeatureRegistry* registry,
                                                                 LiveFeatureServerOptions options);
  ~LiveFeatureServer();
  LiveFeatureServer(const LiveFeatureServer&) = delete;
  LiveFeatureServer& operator=(const LiveFeatureServer&) = delete;

  // The current definitions and their store. Errors: NOT_FOUND when nothing is applied for
  // the project (or no project at all); FAILED_PRECONDITION when no project was given and
  // several are applied; UNAVAILABLE when the online store cannot be opened; the registry's
  // error when the last poll failed and no version was ever loaded.
  absl::StatusOr<Snapshot> Current();
  // Only the definitions (no store needed: an offline-only push). Errors: as Current() minus
  // UNAVAILABLE.
  absl::StatusOr<std::shared_ptr<const FeatureServer>> CurrentServer();

  // Polls the registry now (what the background thread does every interval).
  absl::Status Refresh();

  const LiveFeatureServerOptions& options() const { return options_; }

 private:
  LiveFeatureServer(FeatureRegistry* registry, LiveFeatureServerOptions options)
      : registry_(registry), options_(std::move(options)) {}
  void PollLoop();
  absl::StatusOr<std::string> ResolveProject();
  // Opens the store for `config` (under mu_ for the swap, outside it for the connect).
  absl::StatusOr<std::shared_ptr<OnlineStore>> OpenStore(const RepositoryConfig& config);

  FeatureRegistry* const registry_;
  const LiveFeatureServerOptions options_;

  std::mutex refresh_mu_;  // one Refresh at a time

  mutable std::mutex mu_;
  std::shared_ptr<const FeatureServer> server_;  // guarded by mu_
  std::shared_ptr<const RegistryVersion> version_;  // guarded by mu_: server_'s version
  std::shared_ptr<OnlineStore> store_;           // guarded by mu_; null: not open
  StoreConfig store_config_;                     // guarded by mu_: what store_ was opened for
  absl::Status store_error_;                     // guarded by mu_: why store_ is null
  int64_t store_retry_after_micros_ = 0;         // guarded by mu_
  absl::Status poll_error_;                      // guarded by mu_: the last poll's failure

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::thread poller_;
};

}  // namespace strata::features

#endif  // STRATA_FEATURES_LIVE_FEATURE_SERVER_H_
