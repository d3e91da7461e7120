// MLflow-compatible model registry: registered models, model versions, tags, aliases, stages
// and an append-only audit trail, stored through store::Database (SQLite or PostgreSQL).
//
// The registry owns MLflow's rules (unique names, per-model version numbers starting at 1,
// stage names, reserved alias names, archive_existing_versions) so every front end (REST, CLI,
// library) behaves the same. Error codes follow absl: INVALID_ARGUMENT (MLflow
// INVALID_PARAMETER_VALUE), NOT_FOUND (RESOURCE_DOES_NOT_EXIST), ALREADY_EXISTS
// (RESOURCE_ALREADY_EXISTS); database failures surface as their own status.
//
// Every stage change and every alias set/move/delete writes one `registry_audit` row in the
// same transaction as the change, naming the caller-supplied `actor`. Audit rows are never
// updated or deleted (renaming or deleting a model leaves its history in place).
//
// Version numbers are never reused: deleting the newest version does not make its number
// available again, so audit rows keep pointing at one version.
//
// Thread-safety: ModelRegistry is thread-safe; it holds no mutable state besides the borrowed
// Database, which must outlive it. Concurrent writers to one model are serialized by a row lock
// on the model (PostgreSQL) or by the single writer (SQLite).
#ifndef STRATA_REGISTRY_MODEL_REGISTRY_H_
#define STRATA_REGISTRY_MODEL_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/store/database.h"

namespace strata::registry {

// Canonical stage names (MLflow's spelling). Input is matched case-insensitively.
inline constexpr std::string_view kStageNone = "None";
inline constexpr std::string_view kStageStaging = "Staging";
inline constexpr std::string_view kStageProduction = "Production";
inline constexpr std::string_view kStageArchived = "Archived";

inline constexpr std::string_view kStatusReady = "READY";

// Search limits (MLflow's defaults and thresholds).
inline constexpr int64_t kDefaultModelSearchResults = 100;
inline constexpr int64_t kMaxModelSearchResults = 1000;
inline constexpr int64_t kDefaultVersionSearchResults = 10000;
inline constexpr int64_t kMaxVersionSearchResults = 200000;
inline constexpr int64_t kDefaultAuditResults = 100;
inline constexpr int64_t kMaxAuditResults = 1000;

// Audit actions.
inline constexpr std::string_view kAuditTransition = "transition_stage";
inline constexpr std::string_view kAuditSetAlias = "set_alias";
inline constexpr std::string_view kAuditDeleteAlias = "delete_alias";
inline constexpr std::string_view kAuditRename = "rename_registered_model";

// Canonical stage for `stage` ("production" -> "Production").
// Errors: INVALID_ARGUMENT "Invalid Model Version stage: x. Value must be one of ...".
absl::StatusOr<std::string> CanonicalStage(std::string_view stage);

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

struct AliasRef {
  std::string alias;
  int64_t version = 0;
  bool operator==(const AliasRef&) const = default;
};

struct ModelVersion {
  std::string name;
  int64_t version = 0;
  int64_t creation_timestamp = 0;
  int64_t last_updated_timestamp = 0;
  std::string description;
  std::string user_id;
  std::string current_stage;
  std::string source;
  std::string run_id;
  std::string run_link;
  std::string status;
  std::string status_message;
  std::string storage_location;
  std::vector<Tag> tags;             // sorted by key
  std::vector<std::string> aliases;  // sorted
};

struct RegisteredModel {
  std::string name;
  int64_t creation_timestamp = 0;
  int64_t last_updated_timestamp = 0;
  std::string description;
  // The highest version in each stage that has one, in stage order None, Staging, Production,
  // Archived.
  std::vector<ModelVersion> latest_versions;
  std::vector<Tag> tags;          // sorted by key
  std::vector<AliasRef> aliases;  // sorted by alias
};

struct CreateModelVersionRequest {
  std::string name;
  std::string source;
  std::string run_id;
  std::string run_link;
  std::string description;
  std::string user_id;
  std::vector<Tag> tags;
};

struct SearchRequest {
  // Registered models: `name` (=, !=, LIKE, ILIKE, IN), `tags.<key>` (=, !=, LIKE, ILIKE).
  // Model versions additionally: `run_id` (=, !=, IN, NOT IN), `source_path` (=, !=, LIKE,
  // ILIKE), `version_number` (=, !=, <, <=, >, >=, IN). Terms are joined with AND.
  std::string filter;
  // "<key> [ASC|DESC]"; keys: name, creation_timestamp, last_updated_timestamp (alias
  // timestamp); model versions also version_number.
  std::vector<std::string> order_by;
  std::optional<int64_t> max_results;  // absent: the default for the entity
  std::string page_token;
};

struct RegisteredModelPage {
  std::vector<RegisteredModel> registered_models;
  std::string next_page_token;  // empty when there are no more results
};

struct ModelVersionPage {
  std::vector<ModelVersion> model_versions;
  std::string next_page_token;
};

struct AuditEvent {
  int64_t id = 0;
  int64_t timestamp = 0;
  std::string actor;
  std::string action;  // kAudit*
  std::string name;    // model name at the time of the event
  std::optional<int64_t> version;
  std::optional<std::string> alias;  // alias actions
  // Stage before/after (transition), version before/after as decimal text (aliases; absent
  // when the alias did not exist / was removed), old/new model name (rename).
  std::optional<std::string> from_value;
  std::optional<std::string> to_value;
};

struct AuditPage {
  std::vector<AuditEvent> events;  // oldest first
  std::string next_page_token;
};

class ModelRegistry {
 public:
  // Runs the "registry" migrations. Errors: whatever the database returns.
  static absl::StatusOr<std::unique_ptr<ModelRegistry>> Open(store::Database* db);

  ModelRegistry(const ModelRegistry&) = delete;
  ModelRegistry& operator=(const ModelRegistry&) = delete;

  // ---- registered models ----

  // Errors: INVALID_ARGUMENT (empty name, bad tag), ALREADY_EXISTS
  // "Registered Model (name=x) already exists.".
  absl::StatusOr<RegisteredModel> CreateRegisteredModel(std::string_view name,
                                                        std::string_view description,
                                                        const std::vector<Tag>& tags);
  // Errors: NOT_FOUND "Registered Model with name=x not found".
  absl::StatusOr<RegisteredModel> GetRegisteredModel(std::string_view name);
  // Versions, tags and aliases follow the model. Errors: NOT_FOUND, INVALID_ARGUMENT (empty
  // new name), ALREADY_EXISTS (new name taken).
  absl::StatusOr<RegisteredModel> RenameRegisteredModel(std::string_view name,
                                                        std::string_view new_name,
                                                        std::string_view actor);
  // Errors: NOT_FOUND.
  absl::StatusOr<RegisteredModel> UpdateRegisteredModel(std::string_view name,
                                                        std::string_view description);
  // Deletes the model with its versions, tags and aliases (alias removals are audited).
  // Errors: NOT_FOUND.
  absl::Status DeleteRegisteredModel(std::string_view name, std::string_view actor);
  // Default order: name ASC. Errors: INVALID_ARGUMENT (filter, order_by, max_results outside
  // 1..1000, page_token).
  absl::StatusOr<RegisteredModelPage> SearchRegisteredModels(const SearchRequest& request);
  // The highest version in each of `stages` (all stages when empty), in stage order.
  // Errors: NOT_FOUND (model), INVALID_ARGUMENT (unknown stage).
  absl::StatusOr<std::vector<ModelVersion>> GetLatestVersions(
      std::string_view name, const std::vector<std::string>& stages);
  // Errors: NOT_FOUND, INVALID_ARGUMENT (empty key, key > 250 or value > 100000 chars).
  absl::Status SetRegisteredModelTag(std::string_view name, const Tag& tag);
  // Errors: NOT_FOUND (model or tag).
  absl::Status DeleteRegisteredModelTag(std::string_view name, std::string_view key);

  // ---- aliases ----

  // Points `alias` at `version`, moving it when it already points elsewhere. Errors:
  // INVALID_ARGUMENT (empty, > 255 chars, characters other than [A-Za-z0-9_-], 'latest', or
  // the reserved form v<digits>), NOT_FOUND (model or version).
  absl::Status SetRegisteredModelAlias(std::string_view name, std::string_view alias,
                                       int64_t version, std::string_view actor);
  // Removing an alias that does not exist is a no-op (as in MLflow). Errors: NOT_FOUND (model),
  // INVALID_ARGUMENT (alias name).
  absl::Status DeleteRegisteredModelAlias(std::string_view name, std::string_view alias,
                                          std::string_view actor);
  // Errors: NOT_FOUND (model, or "Registered model alias x not found.").
  absl::StatusOr<ModelVersion> GetModelVersionByAlias(std::string_view name,
                                                      std::string_view alias);

  // ---- model versions ----

  // Next version number of the model, stage None, status READY. Errors: NOT_FOUND (model),
  // INVALID_ARGUMENT (empty name or source, bad tag).
  absl::StatusOr<ModelVersion> CreateModelVersion(const CreateModelVersionRequest& request);
  // Errors: NOT_FOUND "Model Version (name=x, version=n) not found".
  absl::StatusOr<ModelVersion> GetModelVersion(std::string_view name, int64_t version);
  // Errors: NOT_FOUND.
  absl::StatusOr<ModelVersion> UpdateModelVersion(std::string_view name, int64_t version,
                                                  std::string_view description);
  // Deletes the version, its tags and its aliases (alias removals are audited).
  // Errors: NOT_FOUND.
  absl::Status DeleteModelVersion(std::string_view name, int64_t version, std::string_view actor);
  // Default order: last_updated_timestamp DESC, name ASC, version DESC. Errors:
  // INVALID_ARGUMENT (filter, order_by, max_results outside 1..200000, page_token).
  absl::StatusOr<ModelVersionPage> SearchModelVersions(const SearchRequest& request);
  // Moves the version to `stage`; with `archive_existing_versions` (only for Staging and
  // Production) every other version in that stage moves to Archived. Each change is audited.
  // Errors: NOT_FOUND, INVALID_ARGUMENT (unknown stage, archiving into None/Archived).
  absl::StatusOr<ModelVersion> TransitionModelVersionStage(std::string_view name, int64_t version,
                                                           std::string_view stage,
                                                           bool archive_existing_versions,
                                                           std::string_view actor);
  // storage_location when set, else source. Errors: NOT_FOUND.
  absl::StatusOr<std::string> GetModelVersionDownloadUri(std::string_view name, int64_t version);
  // Errors: NOT_FOUND, INVALID_ARGUMENT (as for model tags).
  absl::Status SetModelVersionTag(std::string_view name, int64_t version, const Tag& tag);
  // Errors: NOT_FOUND (version or tag).
  absl::Status DeleteModelVersionTag(std::string_view name, int64_t version, std::string_view key);

  // ---- audit ----

  // Audit events oldest first, optionally only those of model `name` (as named at the time).
  // max_results absent: 100. Errors: INVALID_ARGUMENT (max_results outside 1..1000,
  // page_token).
  absl::StatusOr<AuditPage> ListAudit(std::optional<std::string> name,
                                      std::optional<int64_t> max_results,
                                      std::string_view page_token);

 private:
  explicit ModelRegistry(store::Database* db) : db_(db) {}

  store::Database* db_;
};

}  // namespace strata::registry

#endif  // STRATA_REGISTRY_MODEL_REGISTRY_H_
