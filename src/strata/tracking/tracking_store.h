// MLflow-compatible experiment tracking: experiments, runs, params, metrics, tags, dataset
// inputs and search, stored through store::Database (SQLite or PostgreSQL).
//
// The store owns MLflow's rules (name validation, param immutability, batch limits, lifecycle
// checks, latest-metric selection) so every front end (REST, CLI, library) behaves the same.
// Error codes follow absl: INVALID_ARGUMENT (MLflow INVALID_PARAMETER_VALUE), NOT_FOUND
// (RESOURCE_DOES_NOT_EXIST), ALREADY_EXISTS (RESOURCE_ALREADY_EXISTS); any database failure
// surfaces as its own status (usually INTERNAL or UNAVAILABLE).
//
// Thread-safety: TrackingStore is thread-safe; it holds no mutable state besides the borrowed
// Database, which must outlive it.
#ifndef STRATA_TRACKING_TRACKING_STORE_H_
#define STRATA_TRACKING_TRACKING_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/store/database.h"

namespace strata::tracking {

inline constexpr std::string_view kLifecycleActive = "active";
inline constexpr std::string_view kLifecycleDeleted = "deleted";
inline constexpr std::string_view kDefaultExperimentId = "0";
inline constexpr std::string_view kRunNameTag = "mlflow.runName";

// MLflow's batch limits.
inline constexpr size_t kMaxMetricsPerBatch = 1000;
inline constexpr size_t kMaxParamsTagsPerBatch = 100;
inline constexpr size_t kMaxEntitiesPerBatch = 1000;
inline constexpr int64_t kMaxResultsLimit = 50000;
inline constexpr int64_t kDefaultMaxResults = 1000;

enum class ViewType { kActiveOnly, kDeletedOnly, kAll };

// "ACTIVE_ONLY", "DELETED_ONLY", "ALL" (case-insensitive; also the proto numbers 1, 2, 3).
// Errors: INVALID_ARGUMENT.
absl::StatusOr<ViewType> ParseViewType(std::string_view s);

// Run statuses: RUNNING, SCHEDULED, FINISHED, FAILED, KILLED.
bool IsValidRunStatus(std::string_view s);

struct TrackingOptions {
  // Root under which experiment N gets artifact_location "<root>/N".
  std::string default_artifact_root = "mlflow-artifacts:";
};

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};
using Param = Tag;

struct Metric {
  std::string key;
  double value = 0;  // NaN and +-infinity allowed
  int64_t timestamp = 0;
  int64_t step = 0;
};

struct Experiment {
  std::string experiment_id;
  std::string name;
  std::string artifact_location;
  std::string lifecycle_stage;
  int64_t creation_time = 0;
  int64_t last_update_time = 0;
  std::vector<Tag> tags;  // sorted by key
};

struct RunInfo {
  std::string run_id;
  std::string experiment_id;
  std::string run_name;
  std::string user_id;
  std::string status;
  int64_t start_time = 0;
  std::optional<int64_t> end_time;
  std::string artifact_uri;
  std::string lifecycle_stage;
};

struct Dataset {
  std::string name;
  std::string digest;
  std::string source_type;
  std::string source;
  std::string schema;
  std::string profile;
};

struct DatasetInput {
  std::vector<Tag> tags;
  Dataset dataset;
};

struct RunData {
  std::vector<Metric> metrics;  // latest value per key, sorted by key
  std::vector<Param> params;    // sorted by key
  std::vector<Tag> tags;        // sorted by key
};

struct RunInputs {
  std::vector<DatasetInput> dataset_inputs;
};

struct Run {
  RunInfo info;
  RunData data;
  RunInputs inputs;
};

struct CreateRunRequest {
  std::string experiment_id = std::string(kDefaultExperimentId);
  std::string user_id;
  std::optional<int64_t> start_time;  // default: now
  std::string run_name;               // default: tag mlflow.runName, else a generated name
  std::vector<Tag> tags;
};

struct UpdateRunRequest {
  std::string run_id;
  std::optional<std::string> status;
  std::optional<int64_t> end_time;
  std::optional<std::string> run_name;
};

struct SearchExperimentsRequest {
  std::string filter;
  std::vector<std::string> order_by;
  ViewType view_type = ViewType::kActiveOnly;
  int64_t max_results = kDefaultMaxResults;
  std::string page_token;
};

struct SearchRunsRequest {
  std::vector<std::string> experiment_ids;
  std::string filter;
  ViewType run_view_type = ViewType::kActiveOnly;
  int64_t max_results = kDefaultMaxResults;
  std::vector<std::string> order_by;
  std::string page_token;
};

struct ExperimentPage {
  std::vector<Experiment> experiments;
  std::string next_page_token;  // empty when there are no more results
};

struct RunPage {
  std::vector<Run> runs;
  std::string next_page_token;
};

struct MetricPage {
  std::vector<Metric> metrics;
  std::string next_page_token;
};

class TrackingStore {
 public:
  // Runs the "tracking" migrations and makes sure experiment 0 "Default" exists.
  // Errors: whatever the database returns (migration failures are INTERNAL).
  static absl::StatusOr<std::unique_ptr<TrackingStore>> Open(store::Database* db,
                                                             TrackingOptions opts);

  TrackingStore(const TrackingStore&) = delete;
  TrackingStore& operator=(const TrackingStore&) = delete;

  // ---- experiments ----

  // Returns the new experiment id. Errors: INVALID_ARGUMENT (empty name, bad tag),
  // ALREADY_EXISTS "Experiment 'x' already exists." (also when the namesake is deleted).
  absl::StatusOr<std::string> CreateExperiment(std::string_view name,
                                               std::string_view artifact_location,
                                               const std::vector<Tag>& tags);
  // Errors: NOT_FOUND "No Experiment with id=X exists".
  absl::StatusOr<Experiment> GetExperiment(std::string_view experiment_id);
  // Errors: NOT_FOUND "Could not find experiment with name 'x'".
  absl::StatusOr<Experiment> GetExperimentByName(std::string_view name);
  // Errors: INVALID_ARGUMENT (bad filter, order_by, max_results, page_token).
  absl::StatusOr<ExperimentPage> SearchExperiments(const SearchExperimentsRequest& request);
  // Renames. Errors: NOT_FOUND, INVALID_ARGUMENT (empty name, experiment not active),
  // ALREADY_EXISTS (name taken).
  absl::Status UpdateExperiment(std::string_view experiment_id, std::string_view new_name);
  // Marks the experiment and its runs deleted. Errors: NOT_FOUND, INVALID_ARGUMENT (the default
  // experiment 0 cannot be deleted).
  absl::Status DeleteExperiment(std::string_view experiment_id);
  // Marks the experiment and its runs active. Errors: NOT_FOUND.
  absl::Status RestoreExperiment(std::string_view experiment_id);
  // Errors: NOT_FOUND, INVALID_ARGUMENT (bad key, value > 5000 chars, experiment deleted).
  absl::Status SetExperimentTag(std::string_view experiment_id, const Tag& tag);
  // Errors: NOT_FOUND (experiment or tag), INVALID_ARGUMENT (experiment deleted).
  absl::Status DeleteExperimentTag(std::string_view experiment_id, std::string_view key);

  // ---- runs ----

  // Errors: NOT_FOUND (experiment), INVALID_ARGUMENT (experiment deleted, bad tags).
  absl::StatusOr<Run> CreateRun(const CreateRunRequest& request);
  // Errors: NOT_FOUND "Run with id=X not found".
  absl::StatusOr<Run> GetRun(std::string_view run_id);
  // Errors: NOT_FOUND, INVALID_ARGUMENT (bad status, run not active).
  absl::StatusOr<RunInfo> UpdateRun(const UpdateRunRequest& request);
  // Errors: NOT_FOUND.
  absl::Status DeleteRun(std::string_view run_id);
  // Errors: NOT_FOUND.
  absl::Status RestoreRun(std::string_view run_id);
  // Errors: INVALID_ARGUMENT (bad filter, order_by, experiment id, max_results, page_token).
  absl::StatusOr<RunPage> SearchRuns(const SearchRunsRequest& request);

  // Writes below need an existing, active run: NOT_FOUND "Run with id=X not found";
  // INVALID_ARGUMENT "The run X must be in the 'active' state. Current state is deleted.".
  // They also return INVALID_ARGUMENT for keys/values that fail MLflow's validation.
  absl::Status LogMetric(std::string_view run_id, const Metric& metric);
  // Params are immutable: the same value again is OK, a different one is INVALID_ARGUMENT.
  absl::Status LogParam(std::string_view run_id, const Param& param);
  // Setting mlflow.runName also renames the run.
  absl::Status SetTag(std::string_view run_id, const Tag& tag);
  // Errors additionally: NOT_FOUND when the tag does not exist.
  absl::Status DeleteTag(std::string_view run_id, std::string_view key);
  // All or nothing in one transaction. Errors additionally: INVALID_ARGUMENT over the batch
  // limits or for one param key given twice with different values.
  absl::Status LogBatch(std::string_view run_id, const std::vector<Metric>& metrics,
                        const std::vector<Param>& params, const std::vector<Tag>& tags);
  // Records dataset inputs; datasets are deduplicated per (experiment, name, digest).
  absl::Status LogInputs(std::string_view run_id, const std::vector<DatasetInput>& inputs);
  // Appends `model_json` (a JSON object) to the run's mlflow.log-model.history tag.
  absl::Status LogModel(std::string_view run_id, std::string_view model_json);

  // Every logged value of `metric_key`, ordered by step then timestamp. `max_results` absent
  // returns everything. Errors: NOT_FOUND (run), INVALID_ARGUMENT (max_results, page_token).
  absl::StatusOr<MetricPage> GetMetricHistory(std::string_view run_id, std::string_view metric_key,
                                              std::optional<int64_t> max_results,
                                              std::string_view page_token);

  // The run's artifact_uri. Errors: NOT_FOUND.
  absl::StatusOr<std::string> RunArtifactUri(std::string_view run_id);

 private:
  TrackingStore(store::Database* db, TrackingOptions opts) : db_(db), opts_(std::move(opts)) {}

  store::Database* db_;
  TrackingOptions opts_;
};

}  // namespace strata::tracking

#endif  // STRATA_TRACKING_TRACKING_STORE_H_
