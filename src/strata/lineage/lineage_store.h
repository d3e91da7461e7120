// The lineage graph: which artifacts (datasets, models, feature-view states, training sets)
// each execution (a training run, a materialization, a pipeline step) read and wrote, grouped
// by contexts (an experiment, a pipeline run, a feature repository). The model is ML Metadata's
// (MLMD): artifacts and executions are nodes, events are the edges between them, contexts
// group both through attributions and associations.
//
// Identity: an artifact or context is named by (type, name) when the name is non-empty — a
// second Put with the same type and name returns the existing node (updating nothing), so
// callers record "dataset customers@3" without first asking whether it exists. Executions have
// no natural key: every PutExecution makes a new one.
//
// Stored in the metadata database (migration component "lineage") on SQLite or PostgreSQL.
// Thread-safety: LineageStore is thread-safe; the Database must outlive it.
#ifndef STRATA_LINEAGE_LINEAGE_STORE_H_
#define STRATA_LINEAGE_LINEAGE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/store/database.h"

namespace strata::lineage {

struct Artifact {
  int64_t id = 0;
  std::string type;  // "Dataset", "Model", "FeatureViewState", "TrainingSet", ...
  std::string name;  // unique per type when non-empty: "customers@3"
  std::string uri;   // where it lives: "dataset:customers@3", "runs:/<id>/model"
  std::string properties_json = "{}";  // a JSON object
  int64_t created_at_ms = 0;
  bool operator==(const Artifact&) const = default;
};

enum class ExecutionState { kRunning, kComplete, kFailed, kCached, kCanceled };
std::string_view ExecutionStateName(ExecutionState state);

struct Execution {
  int64_t id = 0;
  std::string type;  // "Training", "Materialization", "Clean", "PipelineStep", ...
  std::string name;  // for people; not unique ("run 1f3a...")
  ExecutionState state = ExecutionState::kRunning;
  std::string properties_json = "{}";
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  bool operator==(const Execution&) const = default;
};

struct Context {
  int64_t id = 0;
  std::string type;  // "Experiment", "PipelineRun", "FeatureRepository", ...
  std::string name;  // unique per type
  std::string properties_json = "{}";
  int64_t created_at_ms = 0;
  bool operator==(const Context&) const = default;
};

enum class EventKind { kInput, kOutput };

struct Event {
  int64_t artifact_id = 0;
  int64_t execution_id = 0;
  EventKind kind = EventKind::kInput;
  std::string role;  // what the artifact was to the execution: "train", "valid", "model"
  int64_t created_at_ms = 0;
  bool operator==(const Event&) const = default;
};

// A connected piece of the graph around one artifact.
struct LineageGraph {
  std::vector<Artifact> artifacts;    // by id
  std::vector<Execution> executions;  // by id
  std::vector<Event> events;          // by (execution, artifact)
};

enum class Direction {
  kUpstream,    // what the artifact was made from: its producers and their inputs, recursively
  kDownstream,  // what was made from it: its consumers and their outputs, recursively
};

class LineageStore {
 public:
  // Runs the "lineage" migrations.
  static absl::StatusOr<std::unique_ptr<LineageStore>> Open(store::Database* db);

  LineageStore(const LineageStore&) = delete;
  LineageStore& operator=(const LineageStore&) = delete;

  // Inserts `artifact` (id and created_at_ms are assigned) or, when a node with its type and
  // non-empty name exists, returns that one. Errors: INVALID_ARGUMENT for an empty type or
  // properties that are not a JSON object.
  absl::StatusOr<Artifact> PutArtifact(Artifact artifact);
  absl::StatusOr<Artifact> GetArtifact(int64_t id);  // NOT_FOUND
  absl::StatusOr<std::optional<Artifact>> FindArtifact(std::string_view type,
                                                       std::string_view name);
  // Artifacts of `type` (all types when empty), newest first, at most `limit`.
  absl::StatusOr<std::vector<Artifact>> ListArtifacts(std::string_view type, int64_t limit = 1000);

  absl::StatusOr<Execution> PutExecution(Execution execution);
  absl::StatusOr<Execution> GetExecution(int64_t id);  // NOT_FOUND
  // Sets the state (and optionally replaces the properties). NOT_FOUND for an unknown id.
  absl::Status UpdateExecution(int64_t id, ExecutionState state,
                               std::optional<std::string> properties_json = std::nullopt);

  // Get-or-create by (type, name); name must be non-empty.
  absl::StatusOr<Context> PutContext(Context context);
  absl::StatusOr<std::optional<Context>> FindContext(std::string_view type, std::string_view name);

  // Recording the same event, attribution or association twice is not an error.
  // Errors: NOT_FOUND naming the missing artifact/execution/context.
  absl::Status AddEvent(const Event& event);
  absl::Status Attribute(int64_t context_id, int64_t artifact_id);
  absl::Status Associate(int64_t context_id, int64_t execution_id);

  // One execution with its inputs and outputs in one transaction (the common case):
  // `execution` is inserted, each artifact put (get-or-create), the events added, and the
  // execution and artifacts attached to `context_id` when non-zero. Returns the execution
  // with its id; `inputs`/`outputs` are updated with their ids.
  struct Io {
    Artifact artifact;
    std::string role;
  };
  absl::StatusOr<Execution> RecordExecution(Execution execution, std::vector<Io>& inputs,
                                            std::vector<Io>& outputs, int64_t context_id = 0);

  absl::StatusOr<std::vector<Event>> EventsOfArtifact(int64_t artifact_id);
  absl::StatusOr<std::vector<Event>> EventsOfExecution(int64_t execution_id);
  absl::StatusOr<std::vector<Artifact>> ArtifactsOfContext(int64_t context_id);
  absl::StatusOr<std::vector<Execution>> ExecutionsOfContext(int64_t context_id);

  // The graph reachable from `artifact_id` in `direction`, at most `max_hops` executions away
  // (0 = just the artifact). Errors: NOT_FOUND for an unknown artifact.
  absl::StatusOr<LineageGraph> Trace(int64_t artifact_id, Direction direction, int max_hops = 32);

 private:
  explicit LineageStore(store::Database* db) : db_(db) {}
  store::Database* db_;
};

// JSON for the API and the CLI.
std::string ArtifactToJson(const Artifact& artifact);
std::string ExecutionToJson(const Execution& execution);
std::string GraphToJson(const LineageGraph& graph);

}  // namespace strata::lineage

#endif  // STRATA_LINEAGE_LINEAGE_STORE_H_
