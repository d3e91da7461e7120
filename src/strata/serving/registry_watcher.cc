#include "strata/serving/registry_watcher.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "strata/base/status_macros.h"
#include "strata/table/column.h"
#include "strata/table/table.h"

namespace strata::serving {
namespace {

// `rows` rows of neutral values (0, false, "") for every signature input.
absl::StatusOr<table::Table> WarmupTable(const models::Signature& signature, int rows) {
  std::vector<table::Field> fields;
  std::vector<table::Column> columns;
  for (const models::ColumnSpec& spec : signature.inputs) {
    table::ColumnBuffers b;
    b.type = models::ColumnTypeOf(spec.type);
    b.rows = rows;
    switch (b.type) {
      case table::DataType::kFloat64:
        b.doubles.assign(static_cast<size_t>(rows), 0.0);
        break;
      case table::DataType::kBool:
        b.bools.assign(static_cast<size_t>(rows), 0);
        break;
      case table::DataType::kString:
        b.offsets.assign(static_cast<size_t>(rows) + 1, 0);
        break;
      default:
        b.ints.assign(static_cast<size_t>(rows), 0);
        break;
    }
    fields.push_back({spec.name, b.type});
    ASSIGN_OR_RETURN(table::Column column, table::Column::FromBuffers(std::move(b)));
    columns.push_back(std::move(column));
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
}

// Runs the model once off the request path. A refusal of the neutral values themselves
// (INVALID_ARGUMENT: e.g. a category the transforms never saw) says nothing about the model
// and is only logged; any other failure means the version cannot serve.
absl::Status WarmUp(const models::Model& model, int rows, const std::string& what) {
  if (rows <= 0 || model.manifest().signature.inputs.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(table::Table t, WarmupTable(model.manifest().signature, rows));
  absl::StatusOr<models::Model::Predictions> p = model.Predict(t, 1);
  if (p.ok()) return absl::OkStatus();
  if (p.status().code() == absl::StatusCode::kInvalidArgument) {
    spdlog::info("strata serve: {}: warm-up request refused ({}); loading anyway", what,
                 std::string(p.status().message()));
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat(what, ": warm-up prediction failed: ", p.status().ToString()));
}

}  // namespace

RegistryWatcher::RegistryWatcher(ModelServer* server, RegistrySource* source,
                                 WatchOptions options)
    : server_(server), source_(source), options_(options) {
  options_.keep_versions = std::max(options_.keep_versions, 1);
}

RegistryWatcher::~RegistryWatcher() { Stop(); }

void RegistryWatcher::Count(const std::string& name, bool ok) {
  std::lock_guard<std::mutex> lock(metrics_mu_);
  auto& [success, failure] = reloads_[name];
  ++(ok ? success : failure);
}

absl::Status RegistryWatcher::LoadVersion(const std::string& name, int64_t version) {
  const std::string what = absl::StrCat("model '", name, "' version ", version);
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::unique_ptr<models::Model> model, source_->Load(name, version));
    RETURN_IF_ERROR(WarmUp(*model, options_.warmup_rows, what));
    return server_->AddVersion(name, version, std::move(model));
  }();
  Count(name, status.ok());
  if (!status.ok()) {
    failed_.insert({name, version});
    return absl::Status(status.code(), absl::StrCat(what, " cannot be served: ",
                                                    status.message()));
  }
  loaded_[name].push_back(version);
  spdlog::info("strata serve: loaded {}", what);
  return absl::OkStatus();
}

absl::Status RegistryWatcher::Sync(Watched& w) {
  const std::string& name = w.uri.name;
  ASSIGN_OR_RETURN(std::vector<int64_t> targets,
                   source_->Resolve(w.uri, w.uri.latest ? options_.keep_versions : 1));
  absl::Status first_error;
  std::vector<int64_t> ready;
  std::deque<int64_t>& loaded = loaded_[name];
  for (int64_t v : targets) {
    if (std::find(loaded.begin(), loaded.end(), v) != loaded.end()) {
      ready.push_back(v);
    } else if (failed_.count({name, v}) != 0) {
      if (first_error.ok()) {
        first_error = absl::FailedPreconditionError(absl::StrCat(
            "model '", name, "' version ", v, " failed to load earlier; not retried"));
      }
    } else if (absl::Status s = LoadVersion(name, v); s.ok()) {
      ready.push_back(v);
    } else if (first_error.ok()) {
      first_error = s;
    }
  }
  // The URI's version moves only to its newest target, and only once that one loaded: an
  // older target is never promoted over what serves now.
  std::optional<int64_t> head;
  if (!ready.empty() && ready.front() == targets.front()) {
    head = ready.front();
  } else if (!w.current.empty()) {
    head = w.current.front();
  } else if (!ready.empty()) {
    head = ready.front();
  }
  if (!head.has_value()) return first_error;
  std::vector<int64_t> current = {*head};
  for (int64_t v : ready) {
    if (v != *head) current.push_back(v);
  }
  // Label and default move in the server's own atomic snapshot swaps, each after the version
  // is loaded and warmed up.
  if (!w.uri.alias.empty()) {
    RETURN_IF_ERROR(server_->SetLabel(name, w.uri.alias, *head));
  } else if (w.uri.latest) {
    RETURN_IF_ERROR(server_->SetLabel(name, "latest", *head));
  }
  if (w.primary) RETURN_IF_ERROR(server_->SetDefaultVersion(name, *head));
  if (!w.current.empty() && w.current.front() != *head) {
    spdlog::info("strata serve: {} now serves version {} (was {})", w.uri.text, *head,
                 w.current.front());
  }
  w.current = std::move(current);
  // Most recently targeted last.
  for (auto it = w.current.rbegin(); it != w.current.rend(); ++it) {
    loaded.erase(std::remove(loaded.begin(), loaded.end(), *it), loaded.end());
    loaded.push_back(*it);
  }
  Retire(name);
  return first_error;
}

void RegistryWatcher::Retire(const std::string& name) {
  std::deque<int64_t>& loaded = loaded_[name];
  std::set<int64_t> keep;
  for (const Watched& w : watched_) {
    if (w.uri.name == name) keep.insert(w.current.begin(), w.current.end());
  }
  const size_t n = static_cast<size_t>(options_.keep_versions);
  for (size_t i = loaded.size() > n ? loaded.size() - n : 0; i < loaded.size(); ++i) {
    keep.insert(loaded[i]);
  }
  for (auto it = loaded.begin(); it != loaded.end();) {
    if (keep.count(*it) != 0) {
      ++it;
      continue;
    }
    // Requests holding the version finish on it; it is freed with the last of them.
    absl::Status removed = server_->RemoveVersion(name, *it);
    if (!removed.ok()) {
      // Still labelled by someone else (e.g. a --canary target): keep it.
      ++it;
      continue;
    }
    spdlog::info("strata serve: unloaded model '{}' version {}", name, *it);
    it = loaded.erase(it);
  }
}

absl::Status RegistryWatcher::Add(const ModelUri& uri) {
  std::lock_guard<std::mutex> lock(sync_mu_);
  Watched w;
  w.uri = uri;
  w.primary = std::none_of(watched_.begin(), watched_.end(),
                           [&](const Watched& o) { return o.uri.name == uri.name; });
  // Watched while it syncs, so retiring other versions keeps what it names.
  watched_.push_back(std::move(w));
  absl::Status synced = Sync(watched_.back());
  if (synced.ok() && watched_.back().current.empty()) {
    synced = absl::NotFoundError(absl::StrCat(uri.text, ": no version could be served"));
  }
  if (!synced.ok()) watched_.pop_back();
  return synced;
}

absl::Status RegistryWatcher::PollOnce() {
  std::lock_guard<std::mutex> lock(sync_mu_);
  absl::Status first_error;
  for (Watched& w : watched_) {
    absl::Status s = Sync(w);
    if (!s.ok()) {
      spdlog::warn("strata serve: {}: {}", w.uri.text, s.ToString());
      if (first_error.ok()) first_error = s;
    }
  }
  return first_error;
}

void RegistryWatcher::Start() {
  if (poller_.joinable()) return;
  poller_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(stop_mu_);
    while (!stopping_) {
      if (stop_cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms),
                            [this] { return stopping_; })) {
        break;
      }
      lock.unlock();
      (void)PollOnce();  // failures are logged and counted; the old versions keep serving
      lock.lock();
    }
  });
}

void RegistryWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

std::string RegistryWatcher::RenderMetrics() const {
  std::string out =
      "# HELP strata_model_reloads_total Model versions loaded by the registry watcher\n"
      "# TYPE strata_model_reloads_total counter\n";
  {
    std::lock_guard<std::mutex> lock(metrics_mu_);
    for (const auto& [name, counts] : reloads_) {
      absl::StrAppend(&out, "strata_model_reloads_total{model=\"", name,
                      "\",outcome=\"success\"} ", counts.first, "\n",
                      "strata_model_reloads_total{model=\"", name, "\",outcome=\"failure\"} ",
                      counts.second, "\n");
    }
  }
  absl::StrAppend(&out,
                  "# HELP strata_model_label_version The version each label points at\n"
                  "# TYPE strata_model_label_version gauge\n");
  for (const std::string& name : server_->ModelNames()) {
    for (const auto& [label, version] : server_->Labels(name)) {
      absl::StrAppend(&out, "strata_model_label_version{model=\"", name, "\",label=\"", label,
                      "\"} ", version, "\n");
    }
  }
  return out;
}

}  // namespace strata::serving
