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

// One feature row in the timeline. No default member initializers on purpose: arrays of
// millions of these are allocated uninitialized (MakeUninitializedArray) and every element is
// written before it is read, which saves zeroing (and faulting in) the memory twice.
struct TimelineRow {
  int64_t timestamp;
  int32_t row;     // source row number
  int32_t entity;  // dense entity id
};

// Entity e's rows are positions [start[e], start[e + 1]) of `rows`. Rows with id -1 or a null
// timestamp are left out. Within an entity: ascending timestamp; among equal timestamps,
// ascending created timestamp (a null one ranks below any present one), then ascending source
// row, so the last row of a run of equal timestamps is the one a join picks.
struct EntityTimeline {
  std::vector<int64_t> start;           // num_entities + 1 bounds
  UninitializedArray<TimelineRow> rows;  // start.back() entries
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
// one partition at a time into a cache-sized scratch copy, groups it by entity with a counting
// sort back into the same place and sorts each entity's run, all inside the cache. Grouping in
// place means the join touches one array of rows, not two (fresh memory costs a page fault per
// page, which on the benchmark machine was as much as the grouping itself).
EntityTimeline BuildEntityTimeline(const table::Column& timestamp, const table::Column* created,
                                   absl::Span<const int32_t> feature_ids, int32_t num_entities,
                                   int threads,
                                   int64_t rows_per_partition = kTimelineRowsPerPartition);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_ENTITY_TIMELINE_H_
