#include "strata/features/internal/entity_timeline.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <utility>

#include "strata/base/parallel.h"

namespace strata::features::internal {
namespace {

using table::Column;

// Rows per thread below which pass 1 runs on one thread (thread start-up would dominate).
constexpr int64_t kMinRowsPerThread = 1 << 16;

// A (timestamp, position in the group) pair for the rare groups whose timestamps span too wide
// a range to be packed into one 64-bit sort key with their position.
struct TimedPosition {
  int64_t timestamp = 0;
  int32_t position = 0;

  bool operator<(const TimedPosition& o) const {
    return timestamp != o.timestamp ? timestamp < o.timestamp : position < o.position;
  }
};

// log2 of the entity ids per partition: a power of two that puts about rows_per_partition rows
// in each partition.
int PartitionShift(int64_t rows, int32_t num_entities, int64_t rows_per_partition) {
  const int64_t rows_per_entity = std::max<int64_t>(1, rows / std::max<int32_t>(1, num_entities));
  const int64_t entities = std::max<int64_t>(1, rows_per_partition / rows_per_entity);
  int shift = 0;
  while (shift < 30 && (int64_t{2} << shift) <= entities) ++shift;
  return shift;
}

// Reused buffers of one pass-2 worker.
struct GroupScratch {
  std::vector<TimelineRow> partition;  // the partition's rows before grouping
  std::vector<int64_t> slots;
  std::vector<uint64_t> keys;
  std::vector<TimelineRow> group;
  std::vector<TimedPosition> pairs;
};

// Orders one entity's group (given in source-row order) by (timestamp, source row).
void SortGroup(TimelineRow* rows, int64_t n, GroupScratch& scratch) {
  // Feature logs are usually written in time order: check before sorting. Equal timestamps
  // are then already in source-row order.
  if (n < 2 || std::is_sorted(rows, rows + n, [](const TimelineRow& a, const TimelineRow& b) {
        return a.timestamp < b.timestamp;
      })) {
    return;
  }
  int64_t min_ts = rows[0].timestamp;
  int64_t max_ts = rows[0].timestamp;
  for (int64_t k = 1; k < n; ++k) {
    min_ts = std::min(min_ts, rows[k].timestamp);
    max_ts = std::max(max_ts, rows[k].timestamp);
  }
  const auto base = static_cast<uint64_t>(min_ts);
  const uint64_t range = static_cast<uint64_t>(max_ts) - base;
  const int position_bits = std::bit_width(static_cast<uint64_t>(n - 1));
  scratch.group.assign(rows, rows + n);
  if ((range >> (64 - position_bits)) == 0) {
    // One integer key per row, (timestamp - min) above the row's position in the group: a plain
    // integer sort, and ties come out in position order, which is source-row order.
    scratch.keys.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      scratch.keys[static_cast<size_t>(k)] =
          ((static_cast<uint64_t>(rows[k].timestamp) - base) << position_bits) |
          static_cast<uint64_t>(k);
    }
    std::sort(scratch.keys.begin(), scratch.keys.end());
    const uint64_t position_mask = (uint64_t{1} << position_bits) - 1;
    for (int64_t k = 0; k < n; ++k) {
      rows[k] = scratch.group[static_cast<size_t>(scratch.keys[static_cast<size_t>(k)] &
                                                  position_mask)];
    }
    return;
  }
  scratch.pairs.resize(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    scratch.pairs[static_cast<size_t>(k)] = {rows[k].timestamp, static_cast<int32_t>(k)};
  }
  // Positions are in source-row order, so (timestamp, position) orders as (timestamp, row).
  std::sort(scratch.pairs.begin(), scratch.pairs.end());
  for (int64_t k = 0; k < n; ++k) {
    rows[k] = scratch.group[static_cast<size_t>(scratch.pairs[static_cast<size_t>(k)].position)];
  }
}

// Within runs of equal timestamps: highest created timestamp last (a null one ranks below any
// present one), then source order, so the last row of a run is the one a join chooses.
void OrderTiesByCreated(TimelineRow* rows, int64_t n, const Column& created) {
  const bool nulls = created.null_count() > 0;
  const absl::Span<const int64_t> values = created.Int64s();
  auto key = [&](int32_t r) -> std::pair<bool, int64_t> {
    if (nulls && created.IsNull(r)) return {false, 0};
    return {true, values[static_cast<size_t>(r)]};
  };
  auto before = [&](const TimelineRow& a, const TimelineRow& b) {
    const auto ka = key(a.row);
    const auto kb = key(b.row);
    return ka != kb ? ka < kb : a.row < b.row;
  };
  for (int64_t run = 0; run < n;) {
    int64_t run_end = run + 1;
    while (run_end < n && rows[run_end].timestamp == rows[run].timestamp) ++run_end;
    if (run_end - run > 1) std::sort(rows + run, rows + run_end, before);
    run = run_end;
  }
}

}  // namespace

EntityTimeline BuildEntityTimeline(const Column& timestamp, const Column* created,
                                   absl::Span<const int32_t> feature_ids, int32_t num_entities,
                                   int threads, int64_t rows_per_partition) {
  const auto n = static_cast<int64_t>(feature_ids.size());
  const absl::Span<const int64_t> ts = timestamp.Int64s();
  const bool ts_nulls = timestamp.null_count() > 0;
  auto kept = [&](int64_t r) {
    return feature_ids[static_cast<size_t>(r)] >= 0 && !(ts_nulls && timestamp.IsNull(r));
  };
  const int shift = PartitionShift(n, num_entities, std::max<int64_t>(1, rows_per_partition));
  const int64_t partitions =
      num_entities > 0 ? ((static_cast<int64_t>(num_entities) - 1) >> shift) + 1 : 0;

  // Pass 1: stable partition by id >> shift. Each part of the rows is counted and scattered on
  // its own thread; parts are laid out in order inside every partition, so each partition keeps
  // source-row order.
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, n / kMinRowsPerThread));
  const int64_t part_rows = (n + parts - 1) / parts;
  std::vector<std::vector<int64_t>> next(static_cast<size_t>(parts));
  ParallelFor(parts, threads, [&](int64_t part) {
    std::vector<int64_t>& counts = next[static_cast<size_t>(part)];
    counts.assign(static_cast<size_t>(partitions), 0);
    const int64_t end = std::min(n, (part + 1) * part_rows);
    for (int64_t r = part * part_rows; r < end; ++r) {
      if (kept(r)) ++counts[static_cast<size_t>(feature_ids[static_cast<size_t>(r)] >> shift)];
    }
  });
  std::vector<int64_t> partition_start(static_cast<size_t>(partitions) + 1);
  int64_t total = 0;
  for (size_t p = 0; p < static_cast<size_t>(partitions); ++p) {
    partition_start[p] = total;
    for (std::vector<int64_t>& counts : next) {
      const int64_t count = counts[p];
      counts[p] = total;
      total += count;
    }
  }
  partition_start[static_cast<size_t>(partitions)] = total;
  EntityTimeline out;
  out.rows = MakeUninitializedArray<TimelineRow>(static_cast<size_t>(total));
  TimelineRow* staged = out.rows.get();
  ParallelFor(parts, threads, [&](int64_t part) {
    std::vector<int64_t>& slots = next[static_cast<size_t>(part)];
    const int64_t end = std::min(n, (part + 1) * part_rows);
    for (int64_t r = part * part_rows; r < end; ++r) {
      if (!kept(r)) continue;
      const int32_t id = feature_ids[static_cast<size_t>(r)];
      staged[static_cast<size_t>(slots[static_cast<size_t>(id >> shift)]++)] =
          TimelineRow{ts[static_cast<size_t>(r)], static_cast<int32_t>(r), id};
    }
  });

  // Pass 2: one partition at a time per worker, copied out to a cache-sized scratch buffer,
  // grouped by entity back into its own place, each group then sorted in cache.
  out.start.assign(static_cast<size_t>(num_entities) + 1, total);
  std::atomic<int64_t> next_partition{0};
  const int64_t workers = std::min<int64_t>(ResolveThreads(threads), partitions);
  ParallelFor(workers, threads, [&](int64_t) {
    GroupScratch scratch;
    for (int64_t p = next_partition.fetch_add(1); p < partitions; p = next_partition.fetch_add(1)) {
      const int64_t first_entity = p << shift;
      const int64_t end_entity =
          std::min<int64_t>(num_entities, first_entity + (int64_t{1} << shift));
      const int64_t lo = partition_start[static_cast<size_t>(p)];
      const int64_t hi = partition_start[static_cast<size_t>(p) + 1];
      scratch.partition.assign(staged + lo, staged + hi);
      std::vector<int64_t>& slots = scratch.slots;
      slots.assign(static_cast<size_t>(end_entity - first_entity), 0);
      for (const TimelineRow& s : scratch.partition) {
        ++slots[static_cast<size_t>(s.entity - first_entity)];
      }
      int64_t slot = lo;
      for (int64_t e = first_entity; e < end_entity; ++e) {
        out.start[static_cast<size_t>(e)] = slot;
        const int64_t count = slots[static_cast<size_t>(e - first_entity)];
        slots[static_cast<size_t>(e - first_entity)] = slot;
        slot += count;
      }
      for (const TimelineRow& s : scratch.partition) {
        staged[slots[static_cast<size_t>(s.entity - first_entity)]++] = s;
      }
      // After the scatter, slots[e - first_entity] is where entity e's group ends.
      for (int64_t e = first_entity; e < end_entity; ++e) {
        const int64_t begin = out.start[static_cast<size_t>(e)];
        const int64_t size = slots[static_cast<size_t>(e - first_entity)] - begin;
        SortGroup(staged + begin, size, scratch);
        if (created != nullptr && size > 1) OrderTiesByCreated(staged + begin, size, *created);
      }
    }
  });
  return out;
}

}  // namespace strata::features::internal
