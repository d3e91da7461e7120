// Point-in-time-correct retrieval: for each entity row (join keys + event timestamp), the
// latest feature row of each view with the same join keys and
//   event_timestamp - ttl <= feature_timestamp <= event_timestamp   (both ends inclusive;
//   ttl 0 = unbounded), ties on feature_timestamp broken by the highest created timestamp,
// nulls when no row qualifies. Entity rows come back in their input order with all their
// columns, followed by each view's features (named FEATURE, or VIEW__FEATURE with
// full_feature_names). These are Feast's semantics for get_historical_features.
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
// differ between entity and view, a timestamp column that is not kTimestamp, an output name
// that repeats an entity column or another feature).
absl::StatusOr<table::Table> PointInTimeJoin(const table::Table& entities,
                                             std::string_view event_timestamp_column,
                                             absl::Span<const FeatureViewJoin> views,
                                             const PointInTimeOptions& options = {});

}  // namespace strata::features

#endif  // STRATA_FEATURES_POINT_IN_TIME_H_
