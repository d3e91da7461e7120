// Hot reload: serves models named by registry URIs and follows them. A poller thread asks the
// registry what each URI names now; a version that is new is fetched, loaded (checksums
// verified), warmed up and only then made visible, by moving the label / default version in
// one atomic step. Requests already running on the old version finish on it; the old version
// is unloaded when no URI and no kept slot needs it (`keep_versions`). A version that fails to
// load or warm up never replaces a working one: the failure is counted and logged, the old
// version keeps serving, and that version is not tried again (registered versions are
// immutable).
//
// Routing: the first URI of a model name gives its default version (requests that name no
// version); an alias URI also sets the label ALIAS (TF Serving's /labels/ALIAS), a latest URI
// the label "latest".
#ifndef STRATA_SERVING_REGISTRY_WATCHER_H_
#define STRATA_SERVING_REGISTRY_WATCHER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "strata/serving/model_server.h"
#include "strata/serving/registry_source.h"

namespace strata::serving {

struct WatchOptions {
  int64_t poll_interval_ms = 2000;
  // Versions of each model kept loaded: the ones URIs name now plus the most recent former
  // targets up to this many (so /versions/{old} keeps answering after a flip). For a latest
  // URI, its N highest registered versions (TF Serving's "latest N" policy).
  int keep_versions = 1;
  // Rows of the synthetic request each new version predicts before it takes traffic, so the
  // first real request does not pay for cold caches and lazy allocations.
  int warmup_rows = 16;
};

class RegistryWatcher {
 public:
  // `server` and `source` must outlive the watcher.
  RegistryWatcher(ModelServer* server, RegistrySource* source, WatchOptions options);
  ~RegistryWatcher();  // Stop()
  RegistryWatcher(const RegistryWatcher&) = delete;
  RegistryWatcher& operator=(const RegistryWatcher&) = delete;

  // Serves `uri` now (resolve, fetch, load, warm up, route). Errors: whatever prevents it
  // being served (NOT_FOUND alias, DATA_LOSS checksum, ...): a server should not start
  // without the models it was told to serve.
  absl::Status Add(const ModelUri& uri);

  // One pass: re-resolves every URI and swaps in versions that moved. Returns the first
  // failure of the pass (each is also counted and logged); working versions stay.
  absl::Status PollOnce();

  // Polls every `poll_interval_ms` on a background thread until Stop().
  void Start();
  void Stop();

  // strata_model_reloads_total{model,outcome="success"|"failure"} counters and
  // strata_model_label_version{model,label} gauges.
  std::string RenderMetrics() const;

 private:
  struct Watched {
    ModelUri uri;
    bool primary = false;  // gives the model's default version
    std::vector<int64_t> current;  // versions it names now (newest first)
  };
  absl::Status Sync(Watched& w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  absl::Status LoadVersion(const std::string& name, int64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  void Retire(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(sync_mu_);
  void Count(const std::string& name, bool ok);

  ModelServer* server_;
  RegistrySource* source_;
  WatchOptions options_;

  std::mutex sync_mu_;  // one Add / PollOnce at a time
  std::vector<Watched> watched_ ABSL_GUARDED_BY(sync_mu_);
  // Versions this watcher loaded, per model, most recently targeted last.
  std::map<std::string, std::deque<int64_t>> loaded_ ABSL_GUARDED_BY(sync_mu_);
  std::set<std::pair<std::string, int64_t>> failed_ ABSL_GUARDED_BY(sync_mu_);

  mutable std::mutex metrics_mu_;
  std::map<std::string, std::pair<int64_t, int64_t>> reloads_ ABSL_GUARDED_BY(metrics_mu_);

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread poller_;
};

}  // namespace strata::serving

#endif  // STRATA_SERVING_REGISTRY_WATCHER_H_
