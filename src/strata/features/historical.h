// Historical (offline) feature retrieval: a training set from the registry's definitions, an
// entity set (join keys + an event timestamp per row) and a list of features, with the
// point-in-time semantics of point_in_time.h (Feast's get_historical_features).
//
// For each view named by the features it loads the view's source, renames columns by the
// source's field_mapping, checks the columns against the view's definition (join keys of the
// view's entities, the timestamp and created columns, each feature with its declared type)
// and joins. Feature columns come back in their DECLARED type (an int64 source column of a
// float64 feature is converted; string and category follow the declaration), so both engines
// give the same table:
//   - memory: the columnar engine (PointInTimeJoin) over the source rows, read from files
//     (Parquet/CSV/TSV/JSON-lines, or a directory of them, read recursively in path order and
//     concatenated) or from PostgreSQL (the offline store connection).
//   - postgres: pushdown. The entity set's join keys and timestamps are COPYed into a
//     temporary table and ONE SQL query (a LATERAL subquery per view, ORDER BY timestamp DESC,
//     created DESC NULLS LAST, ctid DESC, LIMIT 1) does the join in the database; only the
//     feature values come back, in entity-row order.
//   - auto: postgres when the offline store is postgres and every view's source is a
//     postgres table or query; memory otherwise.
// Full ties (same timestamp and created timestamp) go to the last row in source order; for a
// postgres `table` source that is physical (ctid) order in both engines; for a postgres
// `query` source the database's order, which SQL does not define (the engines may differ).
//
// Output: the entity columns in input order, then each view's features in the order the
// views first appear in the request (a view's features in request order), named FEATURE or
// VIEW__FEATURE with full_feature_names.
//
// Thread-safety: reads its inputs only; calls may run at once.
#ifndef STRATA_FEATURES_HISTORICAL_H_
#define STRATA_FEATURES_HISTORICAL_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/features/definitions.h"
#include "strata/table/table.h"

namespace strata::features {

enum class HistoricalEngine { kAuto, kMemory, kPostgres };
std::string_view HistoricalEngineName(HistoricalEngine engine);  // "auto", "memory", "postgres"
// "auto" | "memory" | "postgres". INVALID_ARGUMENT otherwise.
absl::StatusOr<HistoricalEngine> ParseHistoricalEngine(std::string_view text);

struct HistoricalRequest {
  // The definitions to use (normally FeatureRegistry::Definitions of the current version).
  const FeatureRepository* definitions = nullptr;
  // Where relative file-source paths are resolved (the feature repository directory).
  // Empty: definitions->directory; an absolute source path needs neither.
  std::string repository_directory;
  const table::Table* entities = nullptr;
  std::string timestamp_column = "event_timestamp";
  // "view:feature" / "view:*" references, or a feature service (exactly one of the two).
  std::vector<std::string> features;
  std::string service;
  bool full_feature_names = false;
  HistoricalEngine engine = HistoricalEngine::kAuto;
  int threads = 0;  // memory engine; 0 = one per core
};

struct HistoricalResult {
  table::Table table;
  HistoricalEngine engine = HistoricalEngine::kMemory;  // the one that ran (never kAuto)
  std::vector<std::string> views;                       // the views joined, in output order
  std::vector<FeatureRef> features;                     // resolved, in output order
};

// Errors: INVALID_ARGUMENT for a bad request (no entities/definitions, both or neither of
// features and service, an event timestamp column that is missing or not a timestamp, an
// entity set without a join key column or with one of the wrong type (naming the key, entity
// and view), a source column that is missing or clashes with the declared type (naming the
// view, source, file/table and column), the postgres engine asked for a view that is not a
// postgres source, an output name repeating an entity column or another feature); NOT_FOUND
// for an unknown feature, view or service or a missing source file; UNAVAILABLE when
// PostgreSQL cannot be reached; INTERNAL with PostgreSQL's message when a query fails.
absl::StatusOr<HistoricalResult> GetHistoricalFeatures(const HistoricalRequest& request);

}  // namespace strata::features

#endif  // STRATA_FEATURES_HISTORICAL_H_
