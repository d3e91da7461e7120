// The applied state of feature repositories, kept in the metadata store (SQLite or
// PostgreSQL, migration component "features"): one numbered registry version per project and
// applied state, each holding the full snapshot (RepositoryToJson). `Plan` diffs a parsed
// repository against the current version; `Apply` writes a new version when the diff is not
// empty (an identical state is a no-op) and records it in lineage:
//   context   "FeatureRepository"  PROJECT
//   execution "FeatureApply"       (properties: version, created/updated/deleted objects)
//   outputs   "FeatureRegistry"    PROJECT@V              role "registry"
//             "FeatureView"        PROJECT:VIEW@V         role "created" | "updated"
//             "FeatureService"     PROJECT:SERVICE@V      role "created" | "updated"
//   input     "FeatureRegistry"    PROJECT@V-1            role "previous"   (V > 1)
// A view's artifact is made at the version its definition last changed; ObjectVersion()
// says which, so a materialization or training set points at PROJECT:VIEW@ObjectVersion.
//
// Thread-safety: thread-safe; concurrent Applies of one project serialize on the version
// key (the loser gets ABORTED and may re-plan). The Database and LineageStore must outlive it.
#ifndef STRATA_FEATURES_FEATURE_REGISTRY_H_
#define STRATA_FEATURES_FEATURE_REGISTRY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/features/definitions.h"
#include "strata/lineage/lineage_store.h"
#include "strata/store/database.h"

namespace strata::features {

enum class ChangeKind { kCreate, kUpdate, kDelete };
std::string_view ChangeKindName(ChangeKind kind);  // "create", "update", "delete"

struct FieldChange {
  std::string field;
  std::string old_json;  // "" when the field is new
  std::string new_json;  // "" when the field is gone
  bool operator==(const FieldChange&) const = default;
};

struct ObjectChange {
  ChangeKind kind = ChangeKind::kCreate;
  std::string object_type;  // "config", "entity", "source", "feature_view", "feature_service"
  std::string name;         // the project for "config"
  std::vector<FieldChange> fields;  // kUpdate: what changed
};

struct RegistryPlan {
  std::string project;
  int64_t current_version = 0;  // 0 = nothing applied yet
  std::vector<ObjectChange> changes;  // config, entities, sources, views, services; by name
  bool empty() const { return changes.empty(); }
};

// "+ feature_view user_stats", "~ feature_view user_stats: ttl \"30d\" -> \"7d\"",
// "- feature_service fraud_v1", one line each; "no changes" when empty.
std::string FormatPlan(const RegistryPlan& plan);
std::string PlanToJson(const RegistryPlan& plan);

struct RegistryVersion {
  std::string project;
  int64_t version = 0;
  std::string snapshot_json;  // RepositoryToJson
  // Object key ("feature_view:NAME", ...) -> the version its definition last changed.
  std::map<std::string, int64_t> object_versions;
  std::string changes_json;  // PlanToJson of the plan that made it
  int64_t created_at_ms = 0;
};

struct ApplyResult {
  RegistryPlan plan;
  bool applied = false;  // false: identical state, no new version
  int64_t version = 0;   // the current version after the call
  int64_t lineage_execution_id = 0;
};

class FeatureRegistry {
 public:
  // Runs the "features" migrations. `lineage` may be null (then nothing is recorded there).
  static absl::StatusOr<std::unique_ptr<FeatureRegistry>> Open(store::Database* db,
                                                               lineage::LineageStore* lineage);

  FeatureRegistry(const FeatureRegistry&) = delete;
  FeatureRegistry& operator=(const FeatureRegistry&) = delete;

  absl::StatusOr<RegistryPlan> Plan(const FeatureRepository& repo);
  absl::StatusOr<ApplyResult> Apply(const FeatureRepository& repo);

  // The newest version of `project`, or nullopt when nothing was applied.
  absl::StatusOr<std::optional<RegistryVersion>> Current(std::string_view project);
  absl::StatusOr<RegistryVersion> GetVersion(std::string_view project, int64_t version);  // NOT_FOUND
  // Newest first; snapshot_json left empty (read one with GetVersion).
  absl::StatusOr<std::vector<RegistryVersion>> ListVersions(std::string_view project);
  // The newest version of every project, sorted by project; snapshot_json left empty.
  absl::StatusOr<std::vector<RegistryVersion>> ListProjects();
  // The newest version number of `project` (0 when nothing was applied): one indexed query
  // without the snapshot, for watchers that poll for changes.
  absl::StatusOr<int64_t> CurrentVersionNumber(std::string_view project);

  // The definitions of a version (RepositoryFromJson of its snapshot).
  static absl::StatusOr<FeatureRepository> Definitions(const RegistryVersion& version);

 private:
  FeatureRegistry(store::Database* db, lineage::LineageStore* lineage)
      : db_(db), lineage_(lineage) {}
  absl::StatusOr<int64_t> RecordLineage(const RegistryVersion& version, const RegistryPlan& plan);

  store::Database* db_;
  lineage::LineageStore* lineage_;
};

// The diff between two snapshots (RepositoryToJson texts; `before` "" = empty registry).
absl::StatusOr<RegistryPlan> DiffSnapshots(std::string_view before, std::string_view after);

}  // namespace strata::features

#endif  // STRATA_FEATURES_FEATURE_REGISTRY_H_
