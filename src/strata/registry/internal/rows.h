// Row-level helpers shared by the registry's .cc files: loading models and versions with their
// tags and aliases, the per-model write lock, audit rows, validation and error messages.
//
// Thread-safety: functions take a Connection lent by a Database callback and share no state.
#ifndef STRATA_REGISTRY_INTERNAL_ROWS_H_
#define STRATA_REGISTRY_INTERNAL_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/registry/model_registry.h"
#include "strata/store/database.h"

namespace strata::registry::internal {

// SELECT list matching VersionFromRow(); qualify with "v." where the table is aliased.
inline constexpr std::string_view kVersionColumns =
    "v.name, v.version, v.creation_timestamp, v.last_updated_timestamp, v.description, "
    "v.user_id, v.current_stage, v.source, v.run_id, v.run_link, v.status, v.status_message, "
    "v.storage_location";

ModelVersion VersionFromRow(const store::Row& row);

// Fills `version.tags` and `version.aliases`.
absl::Status LoadVersionDetails(store::Connection& c, ModelVersion& version);

// Errors: NOT_FOUND "Model Version (name=x, version=n) not found".
absl::StatusOr<ModelVersion> LoadVersion(store::Connection& c, std::string_view name,
                                         int64_t version);

// The model with latest_versions, tags and aliases. Errors: NOT_FOUND.
absl::StatusOr<RegisteredModel> LoadModel(store::Connection& c, std::string_view name);

// Takes the model's row lock for the rest of the transaction (PostgreSQL row lock; SQLite
// writers are serialized anyway) and, when `now_ms` is set, stamps last_updated_timestamp.
// Errors: NOT_FOUND.
absl::Status LockModel(store::Connection& c, std::string_view name, std::optional<int64_t> now_ms);

// Appends one audit row.
absl::Status WriteAudit(store::Connection& c, const AuditEvent& event);

absl::Status ModelNotFound(std::string_view name);
absl::Status VersionNotFound(std::string_view name, int64_t version);

// Errors: INVALID_ARGUMENT.
absl::Status ValidateModelName(std::string_view name);
absl::Status ValidateTag(const Tag& tag);
absl::Status ValidateAlias(std::string_view alias);

}  // namespace strata::registry::internal

#endif  // STRATA_REGISTRY_INTERNAL_ROWS_H_
