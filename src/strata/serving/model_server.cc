#include "strata/serving/model_server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/clock.h"
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
    : options_(std::move(options)), versions_(std::make_shared<const VersionMap>()) {}

ModelServer::~ModelServer() = default;

std::shared_ptr<const ModelServer::VersionMap> ModelServer::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return versions_;
}

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
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<VersionMap>(*versions_);
  (*next)[name][version] = std::move(served);
  versions_ = std::move(next);
  return absl::OkStatus();
}

absl::Status ModelServer::RemoveVersion(std::string_view name, int64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = versions_->find(name);
  if (it == versions_->end() || it->second.count(version) == 0) {
    return absl::NotFoundError(
        absl::StrCat("model '", AsAbsl(name), "' version ", version, " is not served"));
  }
  auto next = std::make_shared<VersionMap>(*versions_);
  auto& by_version = (*next)[std::string(name)];
  by_version.erase(version);
  if (by_version.empty()) next->erase(std::string(name));
  versions_ = std::move(next);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const ServedVersion>> ModelServer::Find(
    std::string_view name, std::optional<int64_t> version) const {
  std::shared_ptr<const VersionMap> snapshot = Snapshot();
  auto it = snapshot->find(name);
  if (it == snapshot->end() || it->second.empty()) {
    return absl::NotFoundError(absl::StrCat("model '", AsAbsl(name), "' is not served"));
  }
  if (!version.has_value()) return it->second.rbegin()->second;
  auto v = it->second.find(*version);
  if (v == it->second.end()) {
    std::vector<int64_t> served;
    for (const auto& [n, _] : it->second) served.push_back(n);
    return absl::NotFoundError(absl::StrCat("model '", AsAbsl(name), "' has no version ",
                                            *version, " (served: ",
                                            absl::StrJoin(served, ", "), ")"));
  }
  return v->second;
}

std::vector<std::string> ModelServer::ModelNames() const {
  std::vector<std::string> names;
  for (const auto& [name, _] : *Snapshot()) names.push_back(name);
  return names;
}

std::vector<int64_t> ModelServer::Versions(std::string_view name) const {
  std::vector<int64_t> out;
  std::shared_ptr<const VersionMap> snapshot = Snapshot();
  auto it = snapshot->find(name);
  if (it == snapshot->end()) return out;
  for (const auto& [v, _] : it->second) out.push_back(v);
  return out;
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
  std::shared_ptr<const VersionMap> snapshot = Snapshot();
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
    for (const auto& [name, versions] : *snapshot) {
      for (const auto& [v, served] : versions) {
        absl::StrAppend(&out, c.name, "{model=\"", name, "\",version=\"", v, "\"} ",
                        (served->stats().*(c.field)).load(std::memory_order_relaxed), "\n");
      }
    }
  }
  const char* hist = "strata_inference_request_duration_seconds";
  absl::StrAppend(&out, "# HELP ", hist, " Inference request latency\n# TYPE ", hist,
                  " histogram\n");
  for (const auto& [name, versions] : *snapshot) {
    for (const auto& [v, served] : versions) {
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
