#include "strata/features/live_feature_server.h"

#include <chrono>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::features {
namespace {

constexpr int64_t kStoreRetryMicros = 100'000;

}  // namespace

absl::StatusOr<std::unique_ptr<LiveFeatureServer>> LiveFeatureServer::Start(
    FeatureRegistry* registry, LiveFeatureServerOptions options) {
  auto live = absl::WrapUnique(new LiveFeatureServer(registry, std::move(options)));
  absl::Status first = live->Refresh();
  // Only a database failure stops the start; "nothing applied yet" is served as 404 until a
  // poll finds a version.
  if (!first.ok() && !absl::IsNotFound(first) && !absl::IsFailedPrecondition(first)) {
    return first;
  }
  live->poller_ = std::thread([p = live.get()] { p->PollLoop(); });
  return live;
}

LiveFeatureServer::~LiveFeatureServer() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void LiveFeatureServer::PollLoop() {
  const auto interval = std::chrono::milliseconds(std::max<int64_t>(options_.poll_interval_ms, 10));
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    // Failures are kept in poll_error_ and shown by Current() when nothing is loaded; a loaded
    // version keeps serving through a database hiccup.
    (void)Refresh();
    lock.lock();
  }
}

absl::StatusOr<std::string> LiveFeatureServer::ResolveProject() {
  if (!options_.project.empty()) return options_.project;
  ASSIGN_OR_RETURN(std::vector<RegistryVersion> current, registry_->ListProjects());
  std::vector<std::string> projects;
  for (const RegistryVersion& version : current) projects.push_back(version.project);
  if (projects.empty()) {
    return absl::NotFoundError(
        "no feature project is applied in the registry (run strata features apply)");
  }
  if (projects.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "several feature projects are applied (", absl::StrJoin(projects, ", "),
        "): start the server with --feature-project"));
  }
  return projects.front();
}

absl::StatusOr<std::shared_ptr<OnlineStore>> LiveFeatureServer::OpenStore(
    const RepositoryConfig& config) {
  const std::string lmdb_directory =
      LmdbStoreDirectory(options_.home.empty() ? "." : options_.home, config.project);
  ASSIGN_OR_RETURN(std::unique_ptr<OnlineStore> store,
                   OpenOnlineStore(config.online_store, lmdb_directory));
  return std::shared_ptr<OnlineStore>(std::move(store));
}

absl::Status LiveFeatureServer::Refresh() {
  std::lock_guard<std::mutex> refresh_lock(refresh_mu_);
  auto fail = [this](absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    poll_error_ = status;
    return status;
  };
  absl::StatusOr<std::string> project = ResolveProject();
  if (!project.ok()) return fail(project.status());
  absl::StatusOr<int64_t> version = registry_->CurrentVersionNumber(*project);
  if (!version.ok()) return fail(version.status());
  if (*version == 0) {
    return fail(absl::NotFoundError(absl::StrCat("nothing is applied for feature project '",
                                                 *project, "' (run strata features apply)")));
  }
  std::shared_ptr<const FeatureServer> current;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current = server_;
  }
  if (current != nullptr && current->project() == *project &&
      current->registry_version() == *version) {
    std::lock_guard<std::mutex> lock(mu_);
    poll_error_ = absl::OkStatus();
    return absl::OkStatus();
  }
  absl::StatusOr<RegistryVersion> applied = registry_->GetVersion(*project, *version);
  if (!applied.ok()) return fail(applied.status());
  absl::StatusOr<FeatureRepository> definitions = FeatureRegistry::Definitions(*applied);
  if (!definitions.ok()) return fail(definitions.status());
  if (!options_.repository_directory.empty()) {
    const std::filesystem::path dir = std::filesystem::absolute(options_.repository_directory);
    definitions->directory = dir.string();
    for (DataSource& source : definitions->sources) {
      if (source.type == SourceType::kFile && !source.path.empty()) {
        source.resolved_path = (dir / source.path).lexically_normal().string();
      }
    }
  }
  const StoreConfig store_config = definitions->config.online_store;
  const RepositoryConfig repository_config = definitions->config;
  absl::StatusOr<std::unique_ptr<const FeatureServer>> built =
      FeatureServer::Create(*std::move(definitions), *version);
  if (!built.ok()) return fail(built.status());
  std::shared_ptr<const FeatureServer> server = std::move(*built);

  bool reopen = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    reopen = store_ == nullptr || !(store_config_ == store_config) || current == nullptr ||
             current->project() != *project;
  }
  std::shared_ptr<OnlineStore> store;
  absl::Status store_error;
  if (reopen) {
    absl::StatusOr<std::shared_ptr<OnlineStore>> opened = OpenStore(repository_config);
    if (opened.ok()) {
      store = std::move(*opened);
    } else {
      store_error = opened.status();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  server_ = std::move(server);
  version_ = std::make_shared<const RegistryVersion>(*std::move(applied));
  if (reopen) {
    store_ = std::move(store);
    store_error_ = store_error;
    store_config_ = store_config;
    store_retry_after_micros_ = MonotonicMicros() + kStoreRetryMicros;
  }
  poll_error_ = absl::OkStatus();
  return absl::OkStatus();
}

absl::StatusOr<LiveFeatureServer::Snapshot> LiveFeatureServer::Current() {
  std::unique_lock<std::mutex> lock(mu_);
  if (server_ == nullptr) {
    if (!poll_error_.ok()) return poll_error_;
    return absl::NotFoundError("no feature registry version is loaded yet");
  }
  if (store_ == nullptr) {
    const int64_t now = MonotonicMicros();
    if (now < store_retry_after_micros_) return store_error_;
    // This caller retries; others answer with the last error meanwhile.
    store_retry_after_micros_ = now + kStoreRetryMicros;
    std::shared_ptr<const FeatureServer> server = server_;
    lock.unlock();
    absl::StatusOr<std::shared_ptr<OnlineStore>> opened = OpenStore(server->definitions().config);
    lock.lock();
    if (!opened.ok()) {
      store_error_ = opened.status();
      return store_error_;
    }
    if (store_ == nullptr) {
      store_ = std::move(*opened);
      store_error_ = absl::OkStatus();
    }
  }
  return Snapshot{server_, store_, version_};
}

absl::StatusOr<std::shared_ptr<const FeatureServer>> LiveFeatureServer::CurrentServer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (server_ == nullptr) {
    if (!poll_error_.ok()) return poll_error_;
    return absl::NotFoundError("no feature registry version is loaded yet");
  }
  return server_;
}

}  // namespace strata::features
