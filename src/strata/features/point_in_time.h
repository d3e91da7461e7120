// Point-in-time-correct retrieval: for each entity row (join keys + event timestamp), the
// latest feature row of each view with the same join keys and
//   event_timestamp - ttl <= feature_timestamp <= event_timestamp   (both ends inclusive;
//   ttl 0 = unbounded), ties on feature_timestamp broken by the highest created timestamp,
// nulls when no row qualifies. Entity rows come back in their input order with all their
// columns, followed by each view's features (named FEATURE, or VIEW__FEATURE with
// full_feature_names). These are Feast's semantics for get_historical_features.
//
// The rules in full (each is tested against a brute-force reference):
//   - Rows that tie on both timestamps (or on the timestamp when there is no created column)
//     resolve to the LAST such row in the view's source order. A null created timestamp ranks
//     below every present one.
//   - A feature row with a null timestamp never qualifies; an entity row with a null event
//     timestamp gets nulls. A null in any join key (either side) never matches, not even
//     another null.
//   - A null feature value in the chosen row stays null: the join does not fall back to an
//     older row.
//   - Entity rows may repeat; each gets its own answer. Join keys are int64 with int64,
//     timestamp with timestamp, or string/category with string/category (either mix).
//   - Feature columns keep their type (a kCategory feature keeps its dictionary).
//   - A view's rows must number fewer than 2^31.
// Thread-safety: reads its inputs only; any number of calls may run at once.
#ifndef STRATA_FEATURES_POINT_IN_TIME_H_
#define STRATA_FEATURES_POINT_IN_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/table/table.h"

namespace strata::features {

// One feature view's rows and how they join.
struct FeatureViewJoin {
  std::string name;                    // the view's name (prefix for full_feature_names)
  const table::Table* rows = nullptr;  // the view's source rows (not owned)
  // Join key columns of `rows`, and the entity-table columns they match, in the same order
  // (entity_columns empty = the same names). One or more keys.
  std::vector<std::string> join_keys;
  std::vector<std::string> entity_columns;
  std::string timestamp_column;  // kTimestamp column of `rows`
  std::string created_column;    // optional kTimestamp tie-breaker; empty = none
  int64_t ttl_micros = 0;        // 0 = unbounded
  std::vector<std::string> features;  // columns of `rows` to return, in this order
};

struct PointInTimeOptions {
  bool full_feature_names = false;
  int threads = 0;  // 0 = one per core
};

// Errors: INVALID_ARGUMENT naming the view and column (missing column, join key types that
// differ between entity and view, a timestamp or created column that is not kTimestamp, an
// event timestamp column that is missing or not kTimestamp, an output name that repeats an
// entity column or another feature, a negative ttl, no join keys, join_keys and
// entity_columns of different lengths, a null rows table, 2^31 or more view rows).
absl::StatusOr<table::Table> PointInTimeJoin(const table::Table& entities,
                                             std::string_view event_timestamp_column,
                                             absl::Span<const FeatureViewJoin> views,
                                             const PointInTimeOptions& options = {});

}  // namespace strata::features

#endif  // STRATA_FEATURES_POINT_IN_TIME_H_
