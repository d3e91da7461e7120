// The feature store's offline REST surface on `strata server`: read-only browsing of the
// feature registry (features/feature_registry.h) and historical retrieval
// (features/historical.h), optionally saved as a versioned dataset (features/training_set.h).
//
//   GET  /api/v1/features/projects                 {"projects": [{project, version,
//                                                    created_at_ms}]}  (newest version each)
//   GET  /api/v1/features/projects/P               {project, version, created_at_ms,
//                                                    object_versions, definitions}  (current)
//        ?version=N                                 that version instead
//   GET  /api/v1/features/projects/P/versions      {project, versions: [{version,
//                                                    created_at_ms, object_versions,
//                                                    changes}]}  newest first
//   GET  /api/v1/features/projects/P/views/V       {project, version, object_version, view,
//                                                    source, entities}
//   GET  /api/v1/features/projects/P/views/V/materializations
//                                                   {project, view, materializations: [{id,
//                                                    registry_version, start_micros,
//                                                    end_micros, rows_read, rows_in_window,
//                                                    keys_written, skipped, wall_ms,
//                                                    created_at_ms, lineage_execution_id,
//                                                    profile}]}  newest first; profile is the
//                                                    data layer's profile JSON of the
//                                                    materialized values (null if none)
//   GET  .../views/V/materializations/ID/profile    that profile alone
//   POST /api/v1/features/historical               body below
//
// Historical request body:
//   {"project": "demo",
//    "entities": {"dataset": "NAME[@V]"}                    a versioned dataset, or
//              | {"columns": {"user_id": [1, 2], "event_timestamp": ["2024-01-01T00:00:00Z",
//                 ...]}}                                    inline columns (JSON integers ->
//                                                           int64, numbers -> float64, strings,
//                                                           booleans; null = missing; the
//                                                           timestamp column's strings are ISO
//                                                           8601, its integers microseconds),
//    "features": ["view:feature", "view:*"] | "feature_service": "S",
//    "full_feature_names": false, "timestamp_column": "event_timestamp",
//    "engine": "auto" | "memory" | "postgres",
//    "repo": "/dir"         where relative file-source paths resolve (the repository directory
//                           on the server's machine; absolute source paths need none),
//    "save_dataset": "NAME" optional}
// Answer: {"project", "registry_version", "engine", "rows", "columns": [{"name", "type",
// "values": [...]}]} (timestamps as "YYYY-MM-DD HH:MM:SS[.ffffff]" UTC, NaN/Inf as null), or
// with save_dataset {"project", "registry_version", "engine", "rows", "dataset": <manifest>,
// "created", "lineage_execution_id"}.
// Errors: 400 INVALID_PARAMETER_VALUE naming the field (bad JSON, unknown feature, missing
// join key column, ...), 404 RESOURCE_DOES_NOT_EXIST (unknown project, version, view or
// dataset), 503 when the PostgreSQL offline store is unreachable.
#ifndef STRATA_API_FEATURE_REGISTRY_HANDLERS_H_
#define STRATA_API_FEATURE_REGISTRY_HANDLERS_H_

#include "absl/status/status.h"
#include "strata/data/datasets.h"
#include "strata/http/router.h"
#include "strata/store/database.h"

namespace strata::api {

// Opens the feature registry on `db` (running its migrations) and adds the routes above.
// `db` and `datasets` must outlive the router. Errors: those of FeatureRegistry::Open.
absl::Status AddFeatureRegistryRoutes(http::Router& router, store::Database& db,
                                      data::Datasets& datasets);

}  // namespace strata::api

#endif  // STRATA_API_FEATURE_REGISTRY_HANDLERS_H_
