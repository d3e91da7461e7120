// The feature side of a point-in-time join: feature rows grouped by dense entity id and, within
// each entity, ordered by (timestamp, created timestamp, source row), so a probe is a binary
// search in one contiguous run of timestamps.
#ifndef STRATA_FEATURES_INTERNAL_ENTITY_TIMELINE_H_
#define STRATA_FEATURES_INTERNAL_ENTITY_TIMELINE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/types/span.h"
#include "strata/features/internal/uninitialized_array.h"
#include "strata/table/column.h"

namespace strata::features::internal {

// Entity e's rows are positions [start[e], start[e + 1]) of `rows` (source row numbers) and
// `timestamps` (their timestamps). Rows with id -1 or a null timestamp are left out. Within an
// entity: ascending timestamp; among equal timestamps, ascending created timestamp (a null one
// ranks below any present one), then ascending source row, so the last row of a run of equal
// timestamps is the one a join picks.
struct EntityTimeline {
  std::vector<int64_t> start;              // num_entities + 1 bounds
  UninitializedArray<int32_t> rows;        // start.back() entries
  UninitializedArray<int64_t> timestamps;  // start.back() entries
};

// About how many feature rows one partition of the grouping holds: its rows, timestamps and
// counters then stay in a core's L2 cache while they are grouped and sorted.
inline constexpr int64_t kTimelineRowsPerPartition = 16384;

// `timestamp` (kTimestamp) and `created` (kTimestamp or null) are the feature rows' columns;
// feature_ids[r] is row r's entity id in [0, num_entities) or -1. Runs on up to `threads`
// threads. `rows_per_partition` is a tuning knob (tests make it small to get many partitions).
//
// How: a two-pass partition instead of one scatter over the whole output (which misses the
// cache and the TLB on every row once the output outgrows them). Pass 1 streams the rows into
// partitions of consecutive entity ids, a few hundred sequential write streams; pass 2 takes
// one partition at a time, groups it by entity with a counting sort and sorts each entity's
// run, all inside the cache.
EntityTimeline BuildEntityTimeline(const table::Column& timestamp, const table::Column* created,
                                   absl::Span<const int32_t> feature_ids, int32_t num_entities,
                                   int threads,
                                   int64_t rows_per_partition = kTimelineRowsPerPartition);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_ENTITY_TIMELINE_H_
