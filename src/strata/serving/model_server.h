// The inference server's domain: the model versions being served, how a request reaches one
// (name + optional version; no version = the latest), dynamic batching per version, and the
// inference metrics under Triton's names. Protocols (Open Inference Protocol V2, TF Serving,
// MLflow) are translated to and from this in api/.
//
// Thread-safety: every method may be called from any thread. A served version is immutable
// once added; replacing or removing one never disturbs requests already holding it (they keep
// a shared_ptr and finish on the old model, which is freed when the last one is done).
#ifndef STRATA_SERVING_MODEL_SERVER_H_
#define STRATA_SERVING_MODEL_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/models/model_package.h"
#include "strata/table/table.h"

namespace strata::serving {

struct BatchingOptions {
  // Rows predicted together at most. 0 or 1 disables batching: each request is predicted on
  // the thread that submits it.
  int64_t max_batch_size = 0;
  // How long the first request of a batch waits for others to join it.
  int64_t max_queue_delay_us = 500;
  // Rows waiting in the queue at most; a request that would exceed it is refused at once
  // with RESOURCE_EXHAUSTED (HTTP 429) instead of waiting. 0 = 16 x max_batch_size.
  int64_t max_queue_rows = 0;
};

struct ServingOptions {
  // A single request with more rows than this is refused (INVALID_ARGUMENT).
  int64_t max_request_rows = 100000;
  BatchingOptions batching;
};

// Counters of one served version; Prometheus names follow Triton's.
struct InferenceStats {
  std::atomic<int64_t> request_success{0};
  std::atomic<int64_t> request_failure{0};
  std::atomic<int64_t> inference_count{0};  // rows predicted
  std::atomic<int64_t> exec_count{0};       // predictor calls (batches)
  std::atomic<int64_t> request_duration_us{0};
  std::atomic<int64_t> queue_duration_us{0};
  std::atomic<int64_t> compute_infer_duration_us{0};
  // Request latency histogram, upper bounds in kLatencyBucketsUs (last = +Inf).
  static constexpr int kBuckets = 12;
  static constexpr int64_t kLatencyBucketsUs[kBuckets - 1] = {50,    100,   250,    500,
                                                              1000,  2500,  5000,   10000,
                                                              25000, 100000, 1000000};
  std::atomic<int64_t> latency_buckets[kBuckets] = {};

  void RecordRequest(bool ok, int64_t duration_us);
};

class Batcher;

// One loaded model version.
class ServedVersion {
 public:
  ServedVersion(std::string name, int64_t version, std::shared_ptr<const models::Model> model,
                const BatchingOptions& batching);
  ~ServedVersion();
  ServedVersion(const ServedVersion&) = delete;
  ServedVersion& operator=(const ServedVersion&) = delete;

  const std::string& name() const { return name_; }
  int64_t version() const { return version_; }
  const models::Model& model() const { return *model_; }
  InferenceStats& stats() const { return *stats_; }
  bool batching() const { return batcher_ != nullptr; }

 private:
  friend class ModelServer;
  std::string name_;
  int64_t version_ = 0;
  std::shared_ptr<const models::Model> model_;
  std::shared_ptr<InferenceStats> stats_;  // shared with the batcher
  std::unique_ptr<Batcher> batcher_;  // null when batching is off
};

using InferCallback = std::function<void(absl::StatusOr<models::Model::Predictions>)>;

// A version of a model named either by number or by label (a registry alias: "champion").
struct VersionTarget {
  std::optional<int64_t> version;
  std::string label;
  bool empty() const { return !version.has_value() && label.empty(); }
};

// Where requests that name neither a version nor a label go. Without a policy they all go to
// the default version.
struct TrafficPolicy {
  // A canary receives `canary_percent` (0..100) of those requests, chosen at random per
  // request. A canary that is not served (label unset, version not loaded) receives none.
  VersionTarget canary;
  double canary_percent = 0;
  // Shadow mode: the shadow also predicts every such request; its answer is logged and
  // counted, never returned.
  VersionTarget shadow;
};

// The version a request is answered by, and the shadow that sees it too (null when none).
struct RouteResult {
  std::shared_ptr<const ServedVersion> version;
  std::shared_ptr<const ServedVersion> shadow;
};

class ModelServer {
 public:
  explicit ModelServer(ServingOptions options = {});
  ~ModelServer();
  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;

  const ServingOptions& options() const { return options_; }

  // Serves `model` as version `version` of `name` (replacing that version atomically if it is
  // already served). Adding a version does not route unversioned requests to it when the model
  // has a default version (SetDefaultVersion). Errors: INVALID_ARGUMENT for an empty name or
  // a version < 1.
  absl::Status AddVersion(std::string name, int64_t version,
                          std::shared_ptr<const models::Model> model);
  // Errors: NOT_FOUND; FAILED_PRECONDITION while a label or the default points at it (move
  // them first, so no request is ever routed to a version that is gone).
  absl::Status RemoveVersion(std::string_view name, int64_t version);

  // Points unversioned requests of `name` at `version` (absent: the highest served, the
  // initial behaviour). Errors: NOT_FOUND unless that version is served.
  absl::Status SetDefaultVersion(std::string_view name, std::optional<int64_t> version);
  // Points `label` of `name` at `version` (TF Serving's /labels/{l}); empty version removes
  // it. Errors: NOT_FOUND unless that version is served; INVALID_ARGUMENT for an empty label.
  absl::Status SetLabel(std::string_view name, std::string_view label,
                        std::optional<int64_t> version);
  // Errors: NOT_FOUND for an unknown model; INVALID_ARGUMENT for a percentage outside 0..100.
  absl::Status SetTraffic(std::string_view name, TrafficPolicy policy);

  // The version to serve: `version`, or the default one when absent.
  // Errors: NOT_FOUND naming the model (and the versions served, for an unknown version).
  absl::StatusOr<std::shared_ptr<const ServedVersion>> Find(
      std::string_view name, std::optional<int64_t> version = std::nullopt) const;
  // Errors: NOT_FOUND naming the model or the label (and the labels there are).
  absl::StatusOr<std::shared_ptr<const ServedVersion>> FindLabel(std::string_view name,
                                                                 std::string_view label) const;
  // A request's version: the target it names (version or label: no canary, no shadow), or,
  // when it names none, the default version or the canary per the traffic policy, plus the
  // shadow. Errors: as Find / FindLabel.
  absl::StatusOr<RouteResult> Route(std::string_view name, const VersionTarget& target) const;

  std::vector<std::string> ModelNames() const;
  // Served versions of `name`, ascending (empty when unknown).
  std::vector<int64_t> Versions(std::string_view name) const;
  // Labels of `name` and the versions they point at.
  std::map<std::string, int64_t> Labels(std::string_view name) const;
  // At least one model version is served.
  bool Ready() const;

  // Predicts `inputs` (validated against the signature, transformed) on `version` and calls
  // `done` exactly once: on this thread without batching or for a request refused up front,
  // else on the batcher's thread. `inputs` is not used after Infer returns. Errors to `done`:
  // INVALID_ARGUMENT naming the column (and row), or the row limit; RESOURCE_EXHAUSTED when
  // the batch queue is full; UNAVAILABLE while shutting down. Records the version's inference
  // metrics.
  void Infer(std::shared_ptr<const ServedVersion> version, const table::Table& inputs,
             InferCallback done) const;
  // Infer for a request already decoded into the version's feature matrix (`rows` rows of
  // model().manifest().feature_names.size() floats, validated by the caller; see
  // models::Model::features_are_float_inputs): the same row limit, batching and metrics.
  void InferFeatures(std::shared_ptr<const ServedVersion> version, std::vector<float> features,
                     int64_t rows, InferCallback done) const;

  // Prometheus text: nv_inference_request_success, nv_inference_request_failure,
  // nv_inference_count, nv_inference_exec_count, nv_inference_request_duration_us,
  // nv_inference_queue_duration_us, nv_inference_compute_infer_duration_us (counters,
  // labels model and version), strata_inference_request_duration_seconds histogram.
  std::string RenderMetrics() const;

 private:
  struct ModelEntry {
    std::map<int64_t, std::shared_ptr<const ServedVersion>> versions;
    std::map<std::string, int64_t, std::less<>> labels;
    std::optional<int64_t> default_version;
    TrafficPolicy traffic;
  };
  using ModelMap = std::map<std::string, ModelEntry, std::less<>>;
  std::shared_ptr<const ModelMap> Snapshot() const;
  // Applies `change` to a copy of the map and publishes it; `change` may fail (nothing is
  // published then).
  absl::Status Update(const std::function<absl::Status(ModelMap&)>& change);
  // Predicts a validated feature matrix on `version` (through its batcher when it has one)
  // and records the outcome; `start` is when the request arrived.
  void Run(const ServedVersion& version, std::vector<float> features, int64_t rows,
           int64_t start, InferCallback done) const;

  ServingOptions options_;
  mutable std::mutex mu_;
  // Copy-on-write: a request copies the pointer under the lock and reads without it.
  std::shared_ptr<const ModelMap> models_ ABSL_GUARDED_BY(mu_);
};

}  // namespace strata::serving

#endif  // STRATA_SERVING_MODEL_SERVER_H_
