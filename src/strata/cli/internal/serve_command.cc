#include "strata/cli/internal/serve_command.h"

#include <algorithm>
#include <csignal>
#include <map>
#include <cstdio>
#include <memory>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "strata/api/feature_server_handlers.h"
#include "strata/api/inference_handlers.h"
#include "strata/api/v2_protocol.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/blob/artifact_store.h"
#include "strata/cli/internal/home_stores.h"
#include "strata/cli/internal/stop_signals.h"
#include "strata/features/definitions.h"
#include "strata/features/feature_registry.h"
#include "strata/features/live_feature_server.h"
#include "strata/http/server.h"
#include "strata/lineage/lineage_store.h"
#include "strata/models/model_package.h"
#include "strata/registry/model_registry.h"
#include "strata/serving/model_server.h"
#include "strata/serving/registry_source.h"
#include "strata/serving/registry_watcher.h"
#include "strata/tracking/tracking_store.h"
#include "strata/serving/request_log.h"

namespace strata::cli {

ServeCommand::ServeCommand(CLI::App& app) {
  command_ = app.add_subcommand("serve", "Serve models over HTTP (Open Inference Protocol V2, TF Serving REST, MLflow /invocations)");
  command_->add_option("--model", models_, "models:/NAME@ALIAS, models:/NAME/VERSION, models:/NAME/latest or a package directory (repeatable; optional with --feature-repo/--feature-project)");
  command_->add_option("--name", names_,
                       "Name to serve each --model under, in order (default: the package's name)");
  command_->add_option("--version", versions_, "Version number of each --model, in order (default 1)");
  command_->add_option("--host", host_)->capture_default_str();
  command_->add_option("--port", port_)->capture_default_str();
  command_->add_option("--threads", threads_, "I/O threads (0 = one per core)")
      ->capture_default_str();
  command_->add_option("--scheduler-slice-us", scheduler_slice_us_,
                       "Scheduler slice the I/O threads ask Linux >= 6.12 for, 100-100000 us "
                       "(0 = the kernel's default); a short slice (100) is meant to cut the "
                       "latency tail when the cores are shared")
      ->capture_default_str();
  command_->add_option("--max-request-rows", max_request_rows_, "Rows per request at most")
      ->capture_default_str();
  command_->add_option("--max-batch-size", max_batch_size_,
                       "Dynamic batching: rows per predictor call (0 or 1 = off)")
      ->capture_default_str();
  command_->add_option("--max-queue-delay-us", max_queue_delay_us_,
                       "Dynamic batching: how long a request waits for others")
      ->capture_default_str();
  command_->add_option("--max-queue-rows", max_queue_rows_,
                       "Dynamic batching: rows waiting at most before 429 (0 = 16 x batch size)")
      ->capture_default_str();
  command_->add_option("--max-body-bytes", max_body_bytes_)->capture_default_str();
  command_->add_option("--access-log", access_log_, "Access log path or '-' for stderr (default none)");
  home_ = DefaultHome();
  command_->add_option("--home", home_, "Home of the registry (default $STRATA_HOME or ~/.strata)")
      ->capture_default_str();
  command_->add_option("--store", store_uri_, "Metadata store URI; default sqlite under --home");
  command_->add_option("--artifacts", artifacts_dir_, "Blob store directory; default <home>/artifacts");
  command_->add_option("--cache-dir", cache_dir_,
                       "Where fetched registry packages are kept; default <home>/serving-cache");
  command_->add_option("--poll-interval-ms", poll_interval_ms_,
                       "How often registry URIs are re-resolved (hot reload)")
      ->capture_default_str();
  command_->add_option("--keep-versions", keep_versions_,
                       "Versions kept loaded per model (latest N for models:/NAME/latest; "
                       "current + former targets for aliases)")
      ->capture_default_str();
  command_->add_option("--canary", canaries_,
                       "NAME=VERSION_OR_LABEL:PERCENT: that share of NAME's unversioned "
                       "requests goes to the canary (repeatable)");
  command_->add_option("--shadow", shadows_,
                       "NAME=VERSION_OR_LABEL: also predict NAME's unversioned requests on it; "
                       "answers are logged, not returned (repeatable)");
  // Request/response logging (JSON lines, sampled, asynchronous, bounded).
  command_->add_option("--request-log", request_log_,
                       "Request/response log (JSON lines) path or '-' for stderr (default none)");
  command_->add_option("--request-log-sample", request_log_sample_,
                       "Fraction of requests logged, by a hash of the request id")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  command_->add_option("--request-log-max-pending", request_log_max_pending_,
                       "Entries waiting for the log writer at most; more are dropped (counted)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command_->add_option("--request-log-max-bytes", request_log_max_bytes_,
                       "Rotate the log to PATH.1 past this size (0 = never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command_->add_option("--request-log-max-rows", request_log_max_rows_,
                       "Rows of inputs/outputs kept per logged request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command_->add_option("--feature-repo", feature_repo_,
                       "Serve this feature repository's project at /get-online-features, "
                       "/push, /materialize* (definitions from the registry under --home)");
  command_->add_option("--feature-project", feature_project_,
                       "Serve this applied feature project (with --home) instead of "
                       "--feature-repo's");
  command_->add_option("--feature-poll-interval-ms", feature_poll_interval_ms_,
                       "How often the feature registry is checked for a new applied version")
      ->capture_default_str();
}

namespace {

serving::VersionTarget ParseTarget(std::string_view text) {
  serving::VersionTarget target;
  int64_t v = 0;
  if (absl::SimpleAtoi(AsAbsl(text), &v) && v >= 1) {
    target.version = v;
  } else {
    target.label = std::string(text);
  }
  return target;
}

// "NAME=TARGET[:PERCENT]" -> name, target, percent (-1 when absent).
absl::Status ParseTrafficFlag(std::string_view flag, bool with_percent, std::string& name,
                              serving::VersionTarget& target, double& percent) {
  const size_t eq = flag.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(flag), "' is not NAME=..."));
  }
  name = std::string(flag.substr(0, eq));
  std::string_view rest = flag.substr(eq + 1);
  if (with_percent) {
    const size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos ||
        !absl::SimpleAtod(AsAbsl(rest.substr(colon + 1)), &percent) || percent < 0 ||
        percent > 100) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", AsAbsl(flag), "': expected NAME=VERSION_OR_LABEL:PERCENT with PERCENT in 0..100"));
    }
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(flag), "' names no version"));
  }
  target = ParseTarget(rest);
  return absl::OkStatus();
}

}  // namespace

int ServeCommand::Run() {
  if (!command_->parsed()) return -1;
  if (scheduler_slice_us_ != 0 && (scheduler_slice_us_ < 100 || scheduler_slice_us_ > 100000)) {
    std::fprintf(stderr,
                 "strata serve: --scheduler-slice-us %d is outside [100, 100000] (0 keeps the "
                 "kernel's default slice)\n",
                 scheduler_slice_us_);
    return 2;
  }
  const bool serve_features = !feature_repo_.empty() || !feature_project_.empty();
  if (models_.empty() && !serve_features) {
    std::fprintf(stderr, "strata serve: give --model (or --feature-repo / --feature-project)\n");
    return 2;
  }
  std::vector<serving::ModelUri> uris;
  std::vector<std::string> dirs;
  for (const std::string& m : models_) {
    if (std::string_view(m).substr(0, 7) == "models:") {
      absl::StatusOr<serving::ModelUri> uri = serving::ParseModelUri(m);
      if (!uri.ok()) {
        std::fprintf(stderr, "strata serve: --model: %s\n",
                     std::string(uri.status().message()).c_str());
        return 2;
      }
      uris.push_back(std::move(*uri));
    } else {
      dirs.push_back(m);
    }
  }
  if (names_.size() > dirs.size() || versions_.size() > dirs.size()) {
    std::fprintf(stderr,
                 "strata serve: more --name/--version values than package directories "
                 "(registry URIs take the registered name and version)\n");
    return 2;
  }
  const sigset_t signals = BlockStopSignals();

  serving::ServingOptions options;
  options.max_request_rows = max_request_rows_;
  options.batching.max_batch_size = max_batch_size_;
  options.batching.max_queue_delay_us = max_queue_delay_us_;
  options.batching.max_queue_rows = max_queue_rows_;
  auto models = std::make_shared<serving::ModelServer>(options);
  for (size_t i = 0; i < dirs.size(); ++i) {
    absl::StatusOr<std::unique_ptr<models::Model>> model = models::Model::Load(dirs[i]);
    if (!model.ok()) {
      std::fprintf(stderr, "strata serve: %s\n", model.status().ToString().c_str());
      return 1;
    }
    std::string name = i < names_.size() ? names_[i] : (*model)->manifest().name;
    if (name.empty()) {
      std::fprintf(stderr, "strata serve: --model %s: the package has no name; pass --name\n",
                   dirs[i].c_str());
      return 2;
    }
    int64_t version = i < versions_.size() ? versions_[i] : 1;
    absl::Status added = models->AddVersion(name, version, std::move(*model));
    if (!added.ok()) {
      std::fprintf(stderr, "strata serve: %s\n", added.ToString().c_str());
      return 2;
    }
    std::fprintf(stderr, "strata serve: model %s version %lld from %s\n", name.c_str(),
                 static_cast<long long>(version), dirs[i].c_str());
  }

  // Registry URIs: the stores stay open for the watcher's polls.
  std::unique_ptr<store::Database> db;
  std::unique_ptr<blob::ArtifactStore> blobs;
  std::unique_ptr<tracking::TrackingStore> tracking;
  std::unique_ptr<registry::ModelRegistry> registry;
  std::unique_ptr<serving::RegistrySource> source;
  std::unique_ptr<serving::RegistryWatcher> watcher;
  if (!uris.empty()) {
    absl::Status opened = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(db, OpenHomeDatabase(home_, store_uri_));
      ASSIGN_OR_RETURN(blobs, blob::ArtifactStore::Open(HomeArtifactsDir(home_, artifacts_dir_)));
      ASSIGN_OR_RETURN(tracking, OpenHomeTracking(db.get()));
      ASSIGN_OR_RETURN(registry, registry::ModelRegistry::Open(db.get()));
      return absl::OkStatus();
    }();
    if (!opened.ok()) {
      std::fprintf(stderr, "strata serve: %s\n", opened.ToString().c_str());
      return 1;
    }
    source = std::make_unique<serving::RegistrySource>(
        registry.get(), blobs.get(), HomePackageLocator(tracking.get()),
        cache_dir_.empty() ? absl::StrCat(home_, "/serving-cache") : cache_dir_);
    serving::WatchOptions watch;
    watch.poll_interval_ms = std::max<int64_t>(poll_interval_ms_, 10);
    watch.keep_versions = keep_versions_;
    watcher = std::make_unique<serving::RegistryWatcher>(models.get(), source.get(), watch);
    for (const serving::ModelUri& uri : uris) {
      absl::Status added = watcher->Add(uri);
      if (!added.ok()) {
        std::fprintf(stderr, "strata serve: %s: %s\n", uri.text.c_str(),
                     added.ToString().c_str());
        return 1;
      }
      std::fprintf(stderr, "strata serve: model %s version %lld from %s\n", uri.name.c_str(),
                   static_cast<long long>(models->Find(uri.name).value()->version()),
                   uri.text.c_str());
    }
  }

  // Traffic: canary and shadow per model name.
  std::map<std::string, serving::TrafficPolicy> traffic;
  for (const auto& [flags, with_percent] :
       {std::pair{&canaries_, true}, std::pair{&shadows_, false}}) {
    for (const std::string& flag : *flags) {
      std::string name;
      serving::VersionTarget target;
      double percent = 0;
      absl::Status parsed = ParseTrafficFlag(flag, with_percent, name, target, percent);
      if (!parsed.ok()) {
        std::fprintf(stderr, "strata serve: %s %s\n", with_percent ? "--canary" : "--shadow",
                     std::string(parsed.message()).c_str());
        return 2;
      }
      serving::TrafficPolicy& policy = traffic[name];
      if (with_percent) {
        policy.canary = target;
        policy.canary_percent = percent;
      } else {
        policy.shadow = target;
      }
    }
  }
  for (const auto& [name, policy] : traffic) {
    for (const serving::VersionTarget* t : {&policy.canary, &policy.shadow}) {
      if (t->empty()) continue;
      absl::Status served = t->version.has_value() ? models->Find(name, t->version).status()
                                                   : models->FindLabel(name, t->label).status();
      if (!served.ok()) {
        std::fprintf(stderr, "strata serve: traffic target of '%s' is not served: %s\n",
                     name.c_str(), std::string(served.message()).c_str());
        return 2;
      }
    }
    absl::Status set = models->SetTraffic(name, policy);
    if (!set.ok()) {
      std::fprintf(stderr, "strata serve: %s\n", set.ToString().c_str());
      return 2;
    }
  }

  std::shared_ptr<serving::RequestLog> request_log;
  if (!request_log_.empty()) {
    serving::RequestLogOptions log_options;
    log_options.path = request_log_;
    log_options.sample_rate = request_log_sample_;
    log_options.max_pending = request_log_max_pending_;
    log_options.max_file_bytes = request_log_max_bytes_;
    log_options.max_rows = request_log_max_rows_;
    absl::StatusOr<std::unique_ptr<serving::RequestLog>> opened =
        serving::RequestLog::Open(std::move(log_options));
    if (!opened.ok()) {
      std::fprintf(stderr, "strata serve: %s\n", opened.status().ToString().c_str());
      return 1;
    }
    request_log = std::move(*opened);
  }

  // Feature server: its own stores, so it does not depend on registry URIs being used.
  std::unique_ptr<store::Database> feature_db;
  std::unique_ptr<lineage::LineageStore> feature_lineage;
  std::unique_ptr<features::FeatureRegistry> feature_registry;
  std::unique_ptr<features::LiveFeatureServer> feature_server;
  if (serve_features) {
    absl::Status opened = [&]() -> absl::Status {
      features::LiveFeatureServerOptions feature_options;
      feature_options.project = feature_project_;
      feature_options.home = home_;
      feature_options.repository_directory = feature_repo_;
      feature_options.poll_interval_ms = feature_poll_interval_ms_;
      if (feature_options.project.empty()) {
        ASSIGN_OR_RETURN(features::RepositoryConfig repo_config,
                         features::LoadRepositoryConfig(feature_repo_));
        feature_options.project = repo_config.project;
      }
      ASSIGN_OR_RETURN(feature_db, OpenHomeDatabase(home_, store_uri_));
      ASSIGN_OR_RETURN(feature_lineage, lineage::LineageStore::Open(feature_db.get()));
      ASSIGN_OR_RETURN(feature_registry,
                       features::FeatureRegistry::Open(feature_db.get(), feature_lineage.get()));
      ASSIGN_OR_RETURN(feature_server, features::LiveFeatureServer::Start(
                                           feature_registry.get(), std::move(feature_options)));
      return absl::OkStatus();
    }();
    if (!opened.ok()) {
      std::fprintf(stderr, "strata serve: feature server: %s\n", opened.ToString().c_str());
      return 1;
    }
  }

  http::Router router;
  api::AddInferenceRoutes(models, router, request_log, feature_server.get());
  if (feature_server != nullptr) {
    api::FeatureRoutesOptions feature_routes;
    feature_routes.database = feature_db.get();
    feature_routes.lineage = feature_lineage.get();
    absl::Status mounted = api::AddFeatureServerRoutes(*feature_server, router, feature_routes);
    if (!mounted.ok()) {
      std::fprintf(stderr, "strata serve: feature server: %s\n", mounted.ToString().c_str());
      return 1;
    }
  }
  http::ServerOptions http_options;
  http_options.host = host_;
  http_options.port = port_;
  http_options.threads = threads_;
  http_options.scheduler_slice_us = scheduler_slice_us_;
  http_options.max_body_bytes = max_body_bytes_;
  http_options.access_log_path = access_log_;
  http_options.error_responder = api::WriteServingHttpError;
  serving::RegistryWatcher* watcher_ptr = watcher.get();
  http_options.extra_metrics = [models, watcher_ptr, request_log] {
    std::string text = models->RenderMetrics();
    if (watcher_ptr != nullptr) text += watcher_ptr->RenderMetrics();
    if (request_log != nullptr) text += request_log->RenderMetrics();
    return text;
  };
  absl::StatusOr<std::unique_ptr<http::Server>> server =
      http::Server::Start(std::move(router), http_options);
  if (!server.ok()) {
    std::fprintf(stderr, "strata serve: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "strata serve listening on http://%s:%d\n", host_.c_str(),
               (*server)->port());
  if (watcher != nullptr) watcher->Start();
  WaitUntilStopped(signals, [&] { (*server)->Stop(); }, [&] { (*server)->Wait(); });
  if (watcher != nullptr) watcher->Stop();
  return 0;
}

}  // namespace strata::cli
