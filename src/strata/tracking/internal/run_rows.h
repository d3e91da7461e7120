// Reading runs back from the tracking schema: the RunInfo column list and row decoder, and the
// batched loaders that fill metrics/params/tags/inputs for a page of runs with one IN query
// per table. Shared by the run and search parts of TrackingStore.
#ifndef STRATA_TRACKING_INTERNAL_RUN_ROWS_H_
#define STRATA_TRACKING_INTERNAL_RUN_ROWS_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/store/database.h"
#include "strata/tracking/tracking_store.h"

namespace strata::tracking::internal {

// SELECT list (alias `r` for runs) decoded by RunInfoFromRow.
inline constexpr char kRunInfoColumns[] =
    "r.run_uuid, r.experiment_id, r.name, r.user_id, r.status, r.start_time, r.end_time, "
    "r.artifact_uri, r.lifecycle_stage";

RunInfo RunInfoFromRow(const store::Row& row);

// Fills data and inputs of every run in `runs` (whose info is set).
absl::Status LoadRunDetails(store::Connection& c, std::vector<Run>& runs);

// The run's info. Errors: NOT_FOUND "Run with id=X not found".
absl::StatusOr<RunInfo> LoadRunInfo(store::Connection& c, std::string_view run_id);

// Errors: NOT_FOUND, INVALID_ARGUMENT when the run is not active.
absl::Status CheckRunActive(store::Connection& c, std::string_view run_id);

// Metric value as stored: NaN is a flag (SQLite turns NaN into NULL).
double MetricValueFromRow(const store::Row& row, size_t value_col, size_t is_nan_col);

}  // namespace strata::tracking::internal

#endif  // STRATA_TRACKING_INTERNAL_RUN_ROWS_H_
