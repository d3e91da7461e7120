#include "strata/features/point_in_time.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/parallel.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/features/internal/entity_ids.h"
#include "strata/features/internal/entity_timeline.h"
#include "strata/features/internal/gather.h"

namespace strata::features {
namespace {

using table::Column;
using table::DataType;
using table::Table;

constexpr int64_t kEntitiesPerSortTask = 4096;
constexpr int64_t kPrefetchRows = 16;

// The resolved columns of one view.
struct ResolvedView {
  const FeatureViewJoin* view = nullptr;
  std::vector<const Column*> feature_keys;
  std::vector<const Column*> entity_keys;
  const Column* timestamp = nullptr;
  const Column* created = nullptr;  // may be null
  std::vector<const Column*> features;
  std::vector<std::string> output_names;
};

absl::Status ViewError(const FeatureViewJoin& view, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("point-in-time join: feature view '", view.name, "': ", AsAbsl(what)));
}

absl::StatusOr<const Column*> ViewColumn(const FeatureViewJoin& view, const std::string& name,
                                         std::string_view role) {
  auto column = view.rows->ColumnByName(name);
  if (!column.ok()) {
    return ViewError(
        view, absl::StrCat(AsAbsl(role), " column '", name,
                           "' is not in its rows (columns: ", view.rows->schema().ToString(), ")"));
  }
  return *column;
}

absl::StatusOr<ResolvedView> Resolve(const Table& entities, const FeatureViewJoin& view,
                                     bool full_feature_names) {
  ResolvedView out;
  out.view = &view;
  if (view.rows == nullptr) return ViewError(view, "has no rows table");
  if (view.join_keys.empty()) return ViewError(view, "has no join keys");
  if (!view.entity_columns.empty() && view.entity_columns.size() != view.join_keys.size()) {
    return ViewError(view, absl::StrCat(view.join_keys.size(), " join keys but ",
                                        view.entity_columns.size(), " entity columns"));
  }
  if (view.ttl_micros < 0) {
    return ViewError(view, absl::StrCat("ttl ", view.ttl_micros, "us is negative"));
  }
  if (view.rows->num_rows() >= std::numeric_limits<int32_t>::max()) {
    return ViewError(
        view, absl::StrCat(view.rows->num_rows(), " rows: the join supports fewer than 2^31"));
  }
  for (size_t k = 0; k < view.join_keys.size(); ++k) {
    ASSIGN_OR_RETURN(const Column* feature_key, ViewColumn(view, view.join_keys[k], "join key"));
    const std::string& entity_name =
        view.entity_columns.empty() ? view.join_keys[k] : view.entity_columns[k];
    auto entity_key = entities.ColumnByName(entity_name);
    if (!entity_key.ok()) {
      return ViewError(
          view, absl::StrCat(
                    "join key '", view.join_keys[k], "' needs entity column '", entity_name,
                    "', which the entity rows lack (columns: ", entities.schema().ToString(), ")"));
    }
    if (!internal::KeyTypesCompatible(feature_key->type(), (*entity_key)->type())) {
      return ViewError(
          view,
          absl::StrCat("join key '", view.join_keys[k], "' is ",
                       AsAbsl(table::DataTypeName(feature_key->type())), " but entity column '",
                       entity_name, "' is ", AsAbsl(table::DataTypeName((*entity_key)->type())),
                       " (keys are int64, timestamp, or string/category on both sides)"));
    }
    out.feature_keys.push_back(feature_key);
    out.entity_keys.push_back(*entity_key);
  }
  ASSIGN_OR_RETURN(out.timestamp, ViewColumn(view, view.timestamp_column, "timestamp"));
  if (out.timestamp->type() != DataType::kTimestamp) {
    return ViewError(
        view, absl::StrCat("timestamp column '", view.timestamp_column, "' is ",
                           AsAbsl(table::DataTypeName(out.timestamp->type())), ", not timestamp"));
  }
  if (!view.created_column.empty()) {
    ASSIGN_OR_RETURN(out.created, ViewColumn(view, view.created_column, "created timestamp"));
    if (out.created->type() != DataType::kTimestamp) {
      return ViewError(
          view, absl::StrCat("created timestamp column '", view.created_column, "' is ",
                             AsAbsl(table::DataTypeName(out.created->type())), ", not timestamp"));
    }
  }
  for (const std::string& feature : view.features) {
    ASSIGN_OR_RETURN(const Column* column, ViewColumn(view, feature, "feature"));
    out.features.push_back(column);
    out.output_names.push_back(full_feature_names ? absl::StrCat(view.name, "__", feature)
                                                  : feature);
  }
  return out;
}

// A stable counting sort of positions [0, n) by their id (ids[i] in [0, num_entities) or -1):
// fills start (num_entities + 1 group bounds) and calls place(slot, position) for every
// position whose id is not -1 and that keep(position) accepts; place_hint(slot) may prefetch
// the destination. The positions are split into one part per thread, each counted and
// scattered on its own; parts are laid out in order, so each group stays in position order.
template <typename Keep, typename Place, typename PlaceHint>
void GroupById(const int32_t* ids, int64_t n, int32_t num_entities, int threads, const Keep& keep,
               const Place& place, const PlaceHint& place_hint, std::vector<int64_t>& start) {
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(threads, n / (1 << 16)));
  const int64_t part_rows = (n + parts - 1) / parts;
  const auto groups = static_cast<size_t>(num_entities);
  std::vector<std::vector<int64_t>> next(static_cast<size_t>(parts));
  ParallelFor(parts, threads, [&](int64_t part) {
    std::vector<int64_t>& counts = next[static_cast<size_t>(part)];
    counts.assign(groups, 0);
    const int64_t end = std::min(n, (part + 1) * part_rows);
    for (int64_t i = part * part_rows; i < end; ++i) {
      if (ids[i] >= 0 && keep(i)) ++counts[static_cast<size_t>(ids[i])];
    }
  });
  start.assign(groups + 1, 0);
  int64_t slot = 0;
  for (size_t e = 0; e < groups; ++e) {
    start[e] = slot;
    for (std::vector<int64_t>& counts : next) {
      const int64_t count = counts[e];
      counts[e] = slot;
      slot += count;
    }
  }
  start[groups] = slot;
  ParallelFor(parts, threads, [&](int64_t part) {
    std::vector<int64_t>& slots = next[static_cast<size_t>(part)];
    const int64_t end = std::min(n, (part + 1) * part_rows);
    for (int64_t i = part * part_rows; i < end; ++i) {
      // The slots are scattered over the output: announce a write a few positions ahead.
      if (i + kPrefetchRows < end && ids[i + kPrefetchRows] >= 0) {
        place_hint(slots[static_cast<size_t>(ids[i + kPrefetchRows])]);
      }
      if (ids[i] >= 0 && keep(i)) place(slots[static_cast<size_t>(ids[i])]++, i);
    }
  });
}

// The first position in [lo, hi) of `values` (ascending timestamps) whose timestamp exceeds `key` (hi when
// none does): std::upper_bound without its hard-to-predict branch per step. Invariant: every
// value before `base` is <= key and every value from base + n on is > key.
int64_t UpperBound(const internal::TimelineRow* values, int64_t lo, int64_t hi, int64_t key) {
  int64_t n = hi - lo;
  if (n == 0) return lo;
  const internal::TimelineRow* base = values + lo;
  while (n > 1) {
    const int64_t half = n / 2;
    base = base[half].timestamp <= key ? base + half : base;
    n -= half;
  }
  return (base - values) + (base->timestamp <= key ? 1 : 0);
}

// For each entity row, the chosen feature row or -1. Entity rows are first grouped by entity
// id (a counting sort), so each entity's timeline is read once, while it is in cache, by all
// of its entity rows, and the timelines are visited in memory order.
std::vector<int64_t> Probe(const ResolvedView& view, const internal::EntityIds& ids,
                           const internal::EntityTimeline& timeline, const Column& event_ts, int threads) {
  const auto n = static_cast<int64_t>(ids.entity_ids.size());
  std::vector<int64_t> matches(static_cast<size_t>(n), -1);
  const absl::Span<const int64_t> events = event_ts.Int64s();
  const bool event_nulls = event_ts.null_count() > 0;
  std::vector<int64_t> by_entity(static_cast<size_t>(n));
  std::vector<int64_t> entity_start;
  GroupById(
      ids.entity_ids.data(), n, ids.num_entities, threads,
      [&](int64_t i) { return !(event_nulls && event_ts.IsNull(i)); },
      [&](int64_t slot, int64_t i) { by_entity[static_cast<size_t>(slot)] = i; },
      [&](int64_t slot) { __builtin_prefetch(&by_entity[static_cast<size_t>(slot)], 1); },
      entity_start);
  const auto ttl = static_cast<uint64_t>(view.view->ttl_micros);
  const internal::TimelineRow* timeline_rows = timeline.rows.get();
  const int64_t tasks = (ids.num_entities + kEntitiesPerSortTask - 1) / kEntitiesPerSortTask;
  ParallelFor(tasks, threads, [&](int64_t task) {
    const int64_t first = task * kEntitiesPerSortTask;
    const int64_t last = std::min<int64_t>(ids.num_entities, first + kEntitiesPerSortTask);
    for (int64_t e = first; e < last; ++e) {
      const int64_t lo = timeline.start[static_cast<size_t>(e)];
      const int64_t hi = timeline.start[static_cast<size_t>(e) + 1];
      const int64_t probe_end = entity_start[static_cast<size_t>(e) + 1];
      for (int64_t k = entity_start[static_cast<size_t>(e)]; k < probe_end; ++k) {
        if (k + kPrefetchRows < static_cast<int64_t>(by_entity.size())) {
          __builtin_prefetch(
              &events[static_cast<size_t>(by_entity[static_cast<size_t>(k + kPrefetchRows)])]);
        }
        const int64_t i = by_entity[static_cast<size_t>(k)];
        const int64_t event = events[static_cast<size_t>(i)];
        // The last position with timestamp <= event: it has the highest (created, row) among
        // the rows at the latest qualifying timestamp.
        const int64_t after = UpperBound(timeline_rows, lo, hi, event);
        if (after == lo) continue;
        const int64_t chosen = after - 1;
        // event >= timestamp here, so the unsigned difference is exact across the whole range.
        const uint64_t age =
            static_cast<uint64_t>(event) - static_cast<uint64_t>(timeline_rows[chosen].timestamp);
        if (ttl != 0 && age > ttl) continue;
        matches[static_cast<size_t>(i)] = timeline_rows[chosen].row;
      }
    }
  });
  return matches;
}

}  // namespace

absl::StatusOr<Table> PointInTimeJoin(const Table& entities,
                                      std::string_view event_timestamp_column,
                                      absl::Span<const FeatureViewJoin> views,
                                      const PointInTimeOptions& options) {
  auto event_ts = entities.ColumnByName(event_timestamp_column);
  if (!event_ts.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("point-in-time join: event timestamp column '", AsAbsl(event_timestamp_column),
                     "' is not in the entity rows (columns: ", entities.schema().ToString(), ")"));
  }
  if ((*event_ts)->type() != DataType::kTimestamp) {
    return absl::InvalidArgumentError(
        absl::StrCat("point-in-time join: event timestamp column '", AsAbsl(event_timestamp_column),
                     "' is ", AsAbsl(table::DataTypeName((*event_ts)->type())), ", not timestamp"));
  }
  std::vector<ResolvedView> resolved;
  absl::flat_hash_set<std::string> names;
  for (const table::Field& field : entities.schema().fields()) names.insert(field.name);
  for (const FeatureViewJoin& view : views) {
    ASSIGN_OR_RETURN(ResolvedView r, Resolve(entities, view, options.full_feature_names));
    for (const std::string& name : r.output_names) {
      if (!names.insert(name).second) {
        return ViewError(
            view,
            absl::StrCat(
                "output column '", name, "' repeats an entity column or another feature",
                options.full_feature_names ? "" : " (full_feature_names gives VIEW__FEATURE)"));
      }
    }
    resolved.push_back(std::move(r));
  }

  const int threads = ResolveThreads(options.threads);
  std::vector<table::Field> fields = entities.schema().fields();
  std::vector<Column> columns;
  columns.reserve(fields.size());
  for (int c = 0; c < entities.num_columns(); ++c) columns.push_back(entities.column(c));
  for (const ResolvedView& view : resolved) {
    const internal::EntityIds ids =
        internal::AssignEntityIds(view.feature_keys, view.entity_keys, threads);
    const internal::EntityTimeline timeline = internal::BuildEntityTimeline(
        *view.timestamp, view.created, ids.feature_ids, ids.num_entities, threads);
    const std::vector<int64_t> matches = Probe(view, ids, timeline, **event_ts, threads);
    for (size_t f = 0; f < view.features.size(); ++f) {
      ASSIGN_OR_RETURN(Column column, internal::GatherRows(*view.features[f], matches, threads));
      fields.push_back({view.output_names[f], column.type()});
      columns.push_back(std::move(column));
    }
  }
  return Table::Make(table::Schema(std::move(fields)), std::move(columns));
}

}  // namespace strata::features
