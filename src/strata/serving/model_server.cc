#include "strata/serving/model_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/serving/internal/batcher.h"

namespace strata::serving {

void InferenceStats::RecordRequest(bool ok, int64_t duration_us) {
  (ok ? request_success : request_failure).fetch_add(1, std::memory_order_relaxed);
  request_duration_us.fetch_add(duration_us, std::memory_order_relaxed);
  int bucket = 0;
  while (bucket < kBuckets - 1 && duration_us > kLatencyBucketsUs[bucket]) ++bucket;
  latency_buckets[bucket].fetch_add(1, std::memory_order_relaxed);
}

ServedVersion::ServedVersion(std::string name, int64_t version,
                             std::shared_ptr<const models::Model> model,
                             const BatchingOptions& batching)
    : name_(std::move(name)),
      version_(version),
      model_(std::move(model)),
      stats_(std::make_shared<InferenceStats>()) {
  if (batching.max_batch_size > 1) {
    batcher_ = std::make_unique<Batcher>(model_, batching, stats_);
  }
}

// The batcher predicts what it still holds (the version drains) before it goes away.
ServedVersion::~ServedVersion() { batcher_.reset(); }

ModelServer::ModelServer(ServingOptions options)
    : options_(std::move(options)), models_(std::make_shared<const ModelMap>()) {}

ModelServer::~ModelServer() = default;

std::shared_ptr<const ModelServer::ModelMap> ModelServer::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return models_;
}

absl::Status ModelServer::Update(const std::function<absl::Status(ModelMap&)>& change) {
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<ModelMap>(*models_);
  RETURN_IF_ERROR(change(*next));
  models_ = std::move(next);
  return absl::OkStatus();
}

namespace {

absl::Status VersionNotServed(std::string_view name, int64_t version,
                              const std::map<int64_t, std::shared_ptr<const ServedVersion>>& served) {
  std::vector<int64_t> numbers;
  for (const auto& [n, _] : served) numbers.push_back(n);
  return absl::NotFoundError(absl::StrCat("model '", AsAbsl(name), "' has no version ", version,
                                          " (served: ", absl::StrJoin(numbers, ", "), ")"));
}

absl::Status ModelNotServed(std::string_view name) {
  return absl::NotFoundError(absl::StrCat("model '", AsAbsl(name), "' is not served"));
}

// Thread-local xorshift: the canary draw must not contend across I/O threads.
double UniformPercent() {
  thread_local uint64_t state =
      0x9E3779B97F4A7C15ull ^ reinterpret_cast<uintptr_t>(&state) ^
      static_cast<uint64_t>(MonotonicMicros());
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return static_cast<double>(state >> 11) * (100.0 / 9007199254740992.0);
}

}  // namespace

absl::Status ModelServer::AddVersion(std::string name, int64_t version,
                                     std::shared_ptr<const models::Model> model) {
  if (name.empty()) return absl::InvalidArgumentError("model name must not be empty");
  if (version < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("model '", name, "': version must be >= 1, got ", version));
  }
  if (model == nullptr) return absl::InvalidArgumentError("model must not be null");
  auto served =
      std::make_shared<const ServedVersion>(name, version, std::move(model), options_.batching);
  return Update([&](ModelMap& models) {
    models[name].versions[version] = std::move(served);
    return absl::OkStatus();
  });
}

absl::Status ModelServer::RemoveVersion(std::string_view name, int64_t version) {
  return Update([&](ModelMap& models) -> absl::Status {
    auto it = models.find(name);
    if (it == models.end() || it->second.versions.count(version) == 0) {
      return absl::NotFoundError(
          absl::StrCat("model '", AsAbsl(name), "' version ", version, " is not served"));
    }
    ModelEntry& entry = it->second;
    if (entry.default_version == version) {
      return absl::FailedPreconditionError(absl::StrCat(
          "model '", AsAbsl(name), "' version ", version, " is the default version"));
    }
    for (const auto& [label, v] : entry.labels) {
      if (v == version) {
        return absl::FailedPreconditionError(absl::StrCat(
            "model '", AsAbsl(name), "' version ", version, " has label '", label, "'"));
      }
    }
    entry.versions.erase(version);
    if (entry.versions.empty()) models.erase(it);
    return absl::OkStatus();
  });
}

absl::Status ModelServer::SetDefaultVersion(std::string_view name,
                                            std::optional<int64_t> version) {
  return Update([&](ModelMap& models) -> absl::Status {
    auto it = models.find(name);
    if (it == models.end()) return ModelNotServed(name);
    if (version.has_value() && it->second.versions.count(*version) == 0) {
      return VersionNotServed(name, *version, it->second.versions);
    }
    it->second.default_version = version;
    return absl::OkStatus();
  });
}

absl::Status ModelServer::SetLabel(std::string_view name, std::string_view label,
                                   std::optional<int64_t> version) {
  if (label.empty()) return absl::InvalidArgumentError("a version label must not be empty");
  return Update([&](ModelMap& models) -> absl::Status {
    auto it = models.find(name);
    if (it == models.end()) return ModelNotServed(name);
    if (!version.has_value()) {
      it->second.labels.erase(std::string(label));
      return absl::OkStatus();
    }
    if (it->second.versions.count(*version) == 0) {
      return VersionNotServed(name, *version, it->second.versions);
    }
    it->second.labels[std::string(label)] = *version;
    return absl::OkStatus();
  });
}

absl::Status ModelServer::SetTraffic(std::string_view name, TrafficPolicy policy) {
  if (!(policy.canary_percent >= 0 && policy.canary_percent <= 100)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "canary percentage must be within 0..100, got ", policy.canary_percent));
  }
  return Update([&](ModelMap& models) -> absl::Status {
    auto it = models.find(name);
    if (it == models.end()) return ModelNotServed(name);
    it->second.traffic = std::move(policy);
    return absl::OkStatus();
  });
}

namespace {

// The version a target names in `entry`, or null when it names none that is served.
std::shared_ptr<const ServedVersion> Resolve(
    const std::map<int64_t, std::shared_ptr<const ServedVersion>>& versions,
    const std::map<std::string, int64_t, std::less<>>& labels, const VersionTarget& target) {
  std::optional<int64_t> number = target.version;
  if (!number.has_value()) {
    auto l = labels.find(target.label);
    if (l == labels.end()) return nullptr;
    number = l->second;
  }
  auto v = versions.find(*number);
  return v == versions.end() ? nullptr : v->second;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ServedVersion>> ModelServer::Find(
    std::string_view name, std::optional<int64_t> version) const {
  std::shared_ptr<const ModelMap> snapshot = Snapshot();
  auto it = snapshot->find(name);
  if (it == snapshot->end() || it->second.versions.empty()) return ModelNotServed(name);
  const ModelEntry& entry = it->second;
  if (!version.has_value()) version = entry.default_version;
  if (!version.has_value()) return entry.versions.rbegin()->second;
  auto v = entry.versions.find(*version);
  if (v == entry.versions.end()) return VersionNotServed(name, *version, entry.versions);
  return v->second;
}

absl::StatusOr<std::shared_ptr<const ServedVersion>> ModelServer::FindLabel(
    std::string_view name, std::string_view label) const {
  std::shared_ptr<const ModelMap> snapshot = Snapshot();
  auto it = snapshot->find(name);
  if (it == snapshot->end() || it->second.versions.empty()) return ModelNotServed(name);
  const ModelEntry& entry = it->second;
  std::shared_ptr<const ServedVersion> found =
      Resolve(entry.versions, entry.labels, VersionTarget{std::nullopt, std::string(label)});
  if (found == nullptr) {
    std::vector<std::string> labels;
    for (const auto& [l, _] : entry.labels) labels.push_back(l);
    return absl::NotFoundError(absl::StrCat("model '", AsAbsl(name), "' has no version label '",
                                            AsAbsl(label), "' (labels: ",
                                            labels.empty() ? "none" : absl::StrJoin(labels, ", "),
                                            ")"));
  }
  return found;
}

absl::StatusOr<RouteResult> ModelServer::Route(std::string_view name,
                                               const VersionTarget& target) const {
  RouteResult route;
  if (target.version.has_value()) {
    ASSIGN_OR_RETURN(route.version, Find(name, target.version));
    return route;
  }
  if (!target.label.empty()) {
    ASSIGN_OR_RETURN(route.version, FindLabel(name, target.label));
    return route;
  }
  std::shared_ptr<const ModelMap> snapshot = Snapshot();
  auto it = snapshot->find(name);
  if (it == snapshot->end() || it->second.versions.empty()) return ModelNotServed(name);
  const ModelEntry& entry = it->second;
  const TrafficPolicy& traffic = entry.traffic;
  if (!traffic.canary.empty() && traffic.canary_percent > 0 &&
      UniformPercent() < traffic.canary_percent) {
    route.version = Resolve(entry.versions, entry.labels, traffic.canary);
  }
  if (route.version == nullptr) {
    if (entry.default_version.has_value()) {
      route.version = Resolve(entry.versions, entry.labels,
                              VersionTarget{entry.default_version, std::string()});
    }
    if (route.version == nullptr) route.version = entry.versions.rbegin()->second;
  }
  if (!traffic.shadow.empty()) {
    route.shadow = Resolve(entry.versions, entry.labels, traffic.shadow);
    if (route.shadow == route.version) route.shadow = nullptr;
  }
  return route;
}

std::vector<std::string> ModelServer::ModelNames() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : *Snapshot()) names.push_back(name);
  return names;
}

std::vector<int64_t> ModelServer::Versions(std::string_view name) const {
  std::vector<int64_t> out;
  std::shared_ptr<const ModelMap> snapshot = Snapshot();
  auto it = snapshot->find(name);
  if (it == snapshot->end()) return out;
  for (const auto& [v, _] : it->second.versions) out.push_back(v);
  return out;
}

std::map<std::string, int64_t> ModelServer::Labels(std::string_view name) const {
  std::shared_ptr<const ModelMap> snapshot = Snapshot();
  auto it = snapshot->find(name);
  if (it == snapshot->end()) return {};
  return {it->second.labels.begin(), it->second.labels.end()};
}

bool ModelServer::Ready() const { return !Snapshot()->empty(); }

void ModelServer::Infer(std::shared_ptr<const ServedVersion> version,
                        const table::Table& inputs, InferCallback done) const {
  const int64_t start = MonotonicMicros();
  InferenceStats& stats = version->stats();
  if (inputs.num_rows() > options_.max_request_rows) {
    stats.RecordRequest(false, MonotonicMicros() - start);
    done(absl::InvalidArgumentError(
        absl::StrCat("batch of ", inputs.num_rows(), " rows exceeds the limit of ",
                     options_.max_request_rows, " rows per request")));
    return;
  }
  absl::StatusOr<std::vector<float>> features = version->model().FeatureMatrix(inputs);
  if (!features.ok()) {
    stats.RecordRequest(false, MonotonicMicros() - start);
    done(features.status());
    return;
  }
  Run(*version, std::move(*features), inputs.num_rows(), start, std::move(done));
}

void ModelServer::InferFeatures(std::shared_ptr<const ServedVersion> version,
                                std::vector<float> features, int64_t rows,
                                InferCallback done) const {
  const int64_t start = MonotonicMicros();
  if (rows > options_.max_request_rows) {
    version->stats().RecordRequest(false, MonotonicMicros() - start);
    done(absl::InvalidArgumentError(absl::StrCat("batch of ", rows,
                                                 " rows exceeds the limit of ",
                                                 options_.max_request_rows,
                                                 " rows per request")));
    return;
  }
  Run(*version, std::move(features), rows, start, std::move(done));
}

void ModelServer::Run(const ServedVersion& version, std::vector<float> features, int64_t rows,
                      int64_t start, InferCallback done) const {
  InferenceStats& stats = version.stats();
  if (version.batcher_ != nullptr) {
    // The batcher records the request's outcome. It drains its queue even when the version
    // is removed meanwhile, so the request need not hold the version.
    version.batcher_->Submit(std::move(features), rows, start, std::move(done));
    return;
  }
  models::Model::Predictions result = version.model().PredictFeatures(features.data(), rows, 1);
  const int64_t end = MonotonicMicros();
  stats.exec_count.fetch_add(1, std::memory_order_relaxed);
  stats.inference_count.fetch_add(result.rows, std::memory_order_relaxed);
  stats.compute_infer_duration_us.fetch_add(end - start, std::memory_order_relaxed);
  stats.RecordRequest(true, end - start);
  done(std::move(result));
}

std::string ModelServer::RenderMetrics() const {
  std::shared_ptr<const ModelMap> snapshot = Snapshot();
  std::string out;
  struct Counter {
    const char* name;
    const char* help;
    std::atomic<int64_t> InferenceStats::*field;
  };
  static constexpr Counter kCounters[] = {
      {"nv_inference_request_success", "Number of successful inference requests",
       &InferenceStats::request_success},
      {"nv_inference_request_failure", "Number of failed inference requests",
       &InferenceStats::request_failure},
      {"nv_inference_count", "Number of inferences performed (rows)",
       &InferenceStats::inference_count},
      {"nv_inference_exec_count", "Number of model executions (batches)",
       &InferenceStats::exec_count},
      {"nv_inference_request_duration_us", "Cumulative inference request duration",
       &InferenceStats::request_duration_us},
      {"nv_inference_queue_duration_us", "Cumulative time requests waited in the batch queue",
       &InferenceStats::queue_duration_us},
      {"nv_inference_compute_infer_duration_us", "Cumulative compute inference duration",
       &InferenceStats::compute_infer_duration_us},
  };
  for (const Counter& c : kCounters) {
    absl::StrAppend(&out, "# HELP ", c.name, " ", c.help, "\n# TYPE ", c.name, " counter\n");
    for (const auto& [name, entry] : *snapshot) {
      for (const auto& [v, served] : entry.versions) {
        absl::StrAppend(&out, c.name, "{model=\"", name, "\",version=\"", v, "\"} ",
                        (served->stats().*(c.field)).load(std::memory_order_relaxed), "\n");
      }
    }
  }
  const char* hist = "strata_inference_request_duration_seconds";
  absl::StrAppend(&out, "# HELP ", hist, " Inference request latency\n# TYPE ", hist,
                  " histogram\n");
  for (const auto& [name, entry] : *snapshot) {
    for (const auto& [v, served] : entry.versions) {
      const InferenceStats& s = served->stats();
      std::string labels = absl::StrCat("model=\"", name, "\",version=\"", v, "\"");
      int64_t cumulative = 0;
      for (int b = 0; b < InferenceStats::kBuckets; ++b) {
        cumulative += s.latency_buckets[b].load(std::memory_order_relaxed);
        std::string le = b < InferenceStats::kBuckets - 1
                             ? absl::StrCat(InferenceStats::kLatencyBucketsUs[b] / 1e6)
                             : "+Inf";
        absl::StrAppend(&out, hist, "_bucket{", labels, ",le=\"", le, "\"} ", cumulative, "\n");
      }
      absl::StrAppend(&out, hist, "_sum{", labels, "} ",
                      s.request_duration_us.load(std::memory_order_relaxed) / 1e6, "\n", hist,
                      "_count{", labels, "} ", cumulative, "\n");
    }
  }
  return out;
}

}  // namespace strata::serving
