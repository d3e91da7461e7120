// Metric history storage format. A log-metric or log-batch call stores, per metric key, one
// row of `metric_chunks` whose `data` holds all of that call's points for the key as text:
// "step,timestamp,value" entries separated by ';' (value in shortest round-trip form, or
// nan / inf / -inf). One row per key per call instead of one row per point is what lets a
// 1,000-metric batch commit as ~10 small rows; get-history decodes, orders and de-duplicates.
// Text rather than a BLOB so that both backends store it as plain TEXT.
#ifndef STRATA_TRACKING_INTERNAL_METRIC_CHUNKS_H_
#define STRATA_TRACKING_INTERNAL_METRIC_CHUNKS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "strata/tracking/tracking_store.h"

namespace strata::tracking::internal {

// Appends the encoding of `points` (their keys are not stored) to `out`.
void EncodeMetricPoints(absl::Span<const Metric* const> points, std::string& out);

// Decodes `data` into metrics named `key`, appended to `out`.
// Errors: DATA_LOSS naming the byte offset when `data` is not a valid encoding.
absl::Status DecodeMetricPoints(std::string_view data, std::string_view key,
                                std::vector<Metric>& out);

// MLflow's history order (step, then timestamp, then value with NaN as 0) with exact
// repeats (same step, timestamp and value) removed, as MLflow's primary key does.
void SortAndDeduplicateHistory(std::vector<Metric>& metrics);

}  // namespace strata::tracking::internal

#endif  // STRATA_TRACKING_INTERNAL_METRIC_CHUNKS_H_
