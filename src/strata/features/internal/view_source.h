// A feature view's source rows for materialization, and the latest row per entity key.
#ifndef STRATA_FEATURES_INTERNAL_VIEW_SOURCE_H_
#define STRATA_FEATURES_INTERNAL_VIEW_SOURCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/features/definitions.h"
#include "strata/table/table.h"

namespace strata::features::internal {

// A view's source as one table whose columns are named as the view uses them: each join key,
// "__ts" (the timestamp field), "__created" when the source has a created column, and each
// feature of the schema (all by their mapped names, field_mapping applied).
struct ViewSourceTable {
  table::Table table;
  std::vector<std::string> join_keys;  // in key order (entities, then each entity's join_keys)
  std::vector<table::DataType> join_key_types;
  bool has_created = false;
};

inline constexpr char kTimestampColumn[] = "__ts";
inline constexpr char kCreatedColumn[] = "__created";

// The view's join keys in key order. Errors: NOT_FOUND for an unknown entity.
absl::StatusOr<std::vector<JoinKey>> ViewJoinKeys(const FeatureRepository& repo,
                                                  const FeatureView& view);

// Reads a file source (a file, or every data file under a directory in path order) or a
// PostgreSQL source (rows of [start, end] only, one query on the offline store). Errors:
// NOT_FOUND for a missing file or column; INVALID_ARGUMENT for a column of the wrong type,
// naming the view, column, its type and the expected one; the reader's / database's errors.
absl::StatusOr<ViewSourceTable> LoadViewSource(const FeatureRepository& repo,
                                               const FeatureView& view, int64_t start_micros,
                                               int64_t end_micros);

// The latest row per entity key among rows with non-null keys and a timestamp in
// [start, end]; ties: highest created (null lowest), then last in source order.
struct LatestRows {
  std::vector<int64_t> rows;             // source rows, ordered by entity key bytes
  std::vector<std::string> entity_keys;  // encoded (online_store.h), same order
  int64_t rows_in_window = 0;
};
absl::StatusOr<LatestRows> SelectLatestRows(const ViewSourceTable& source, int64_t start_micros,
                                            int64_t end_micros);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_VIEW_SOURCE_H_
