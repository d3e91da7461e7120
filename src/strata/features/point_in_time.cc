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
#include "strata/features/internal/gather.h"

namespace strata::features {
namespace {

using table::Column;
using table::DataType;
using table::Table;

constexpr int64_t kProbeChunk = 1 << 15;
constexpr int64_t kEntitiesPerSortTask = 4096;

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
    return ViewError(view, absl::StrCat(AsAbsl(role), " column '", name,
                                        "' is not in its rows (columns: ",
                                        view.rows->schema().ToString(), ")"));
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
    return ViewError(view, absl::StrCat(view.rows->num_rows(),
                                        " rows: the join supports fewer than 2^31"));
  }
  for (size_t k = 0; k < view.join_keys.size(); ++k) {
    ASSIGN_OR_RETURN(const Column* feature_key, ViewColumn(view, view.join_keys[k], "join key"));
    const std::string& entity_name =
        view.entity_columns.empty() ? view.join_keys[k] : view.entity_columns[k];
    auto entity_key = entities.ColumnByName(entity_name);
    if (!entity_key.ok()) {
      return ViewError(view, absl::StrCat("join key '", view.join_keys[k], "' needs entity column '",
                                          entity_name, "', which the entity rows lack (columns: ",
                                          entities.schema().ToString(), ")"));
    }
    if (!internal::KeyTypesCompatible(feature_key->type(), (*entity_key)->type())) {
      return ViewError(
          view, absl::StrCat("join key '", view.join_keys[k], "' is ",
                             AsAbsl(table::DataTypeName(feature_key->type())), " but entity column '",
                             entity_name, "' is ",
                             AsAbsl(table::DataTypeName((*entity_key)->type())),
                             " (keys are int64, timestamp, or string/category on both sides)"));
    }
    out.feature_keys.push_back(feature_key);
    out.entity_keys.push_back(*entity_key);
  }
  ASSIGN_OR_RETURN(out.timestamp, ViewColumn(view, view.timestamp_column, "timestamp"));
  if (out.timestamp->type() != DataType::kTimestamp) {
    return ViewError(view, absl::StrCat("timestamp column '", view.timestamp_column, "' is ",
                                        AsAbsl(table::DataTypeName(out.timestamp->type())),
                                        ", not timestamp"));
  }
  if (!view.created_column.empty()) {
    ASSIGN_OR_RETURN(out.created, ViewColumn(view, view.created_column, "created timestamp"));
    if (out.created->type() != DataType::kTimestamp) {
      return ViewError(view, absl::StrCat("created timestamp column '", view.created_column,
                                          "' is ", AsAbsl(table::DataTypeName(out.created->type())),
                                          ", not timestamp"));
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

// Feature rows grouped by entity id and ordered by (timestamp, created, source row) within
// each group: group e is positions [start[e], start[e + 1]) of `rows` and `timestamps`.
struct EntityTimeline {
  std::vector<int64_t> start;
  std::vector<int32_t> rows;
  std::vector<int64_t> timestamps;
};

EntityTimeline BuildTimeline(const ResolvedView& view, const internal::EntityIds& ids,
                             int threads) {
  EntityTimeline out;
  const absl::Span<const int64_t> ts = view.timestamp->Int64s();
  const bool ts_nulls = view.timestamp->null_count() > 0;
  const auto feature_rows = static_cast<int32_t>(ids.feature_ids.size());
  // Counting sort by entity id; scattering in source order keeps each group in source order.
  out.start.assign(static_cast<size_t>(ids.num_entities) + 1, 0);
  for (int32_t r = 0; r < feature_rows; ++r) {
    const int32_t id = ids.feature_ids[static_cast<size_t>(r)];
    if (id >= 0 && !(ts_nulls && view.timestamp->IsNull(r))) ++out.start[static_cast<size_t>(id) + 1];
  }
  for (size_t e = 1; e < out.start.size(); ++e) out.start[e] += out.start[e - 1];
  out.rows.resize(static_cast<size_t>(out.start.back()));
  {
    std::vector<int64_t> next(out.start.begin(), out.start.end() - 1);
    for (int32_t r = 0; r < feature_rows; ++r) {
      const int32_t id = ids.feature_ids[static_cast<size_t>(r)];
      if (id < 0 || (ts_nulls && view.timestamp->IsNull(r))) continue;
      out.rows[static_cast<size_t>(next[static_cast<size_t>(id)]++)] = r;
    }
  }
  // Order inside each group. A null created timestamp ranks below every present one; rows
  // that tie on both timestamps keep source order, so the last of them is the one chosen.
  const Column* created = view.created;
  const bool created_nulls = created != nullptr && created->null_count() > 0;
  const absl::Span<const int64_t> created_values =
      created != nullptr ? created->Int64s() : absl::Span<const int64_t>();
  auto created_key = [&](int32_t r) -> std::pair<bool, int64_t> {
    if (created == nullptr) return {false, 0};
    if (created_nulls && created->IsNull(r)) return {false, 0};
    return {true, created_values[static_cast<size_t>(r)]};
  };
  auto before = [&](int32_t a, int32_t b) {
    const int64_t ta = ts[static_cast<size_t>(a)];
    const int64_t tb = ts[static_cast<size_t>(b)];
    if (ta != tb) return ta < tb;
    const auto ca = created_key(a);
    const auto cb = created_key(b);
    if (ca != cb) return ca < cb;
    return a < b;
  };
  out.timestamps.resize(out.rows.size());
  const int64_t tasks = (ids.num_entities + kEntitiesPerSortTask - 1) / kEntitiesPerSortTask;
  ParallelFor(tasks, threads, [&](int64_t task) {
    const int64_t first = task * kEntitiesPerSortTask;
    const int64_t last = std::min<int64_t>(ids.num_entities, first + kEntitiesPerSortTask);
    for (int64_t e = first; e < last; ++e) {
      const auto begin = out.rows.begin() + out.start[static_cast<size_t>(e)];
      const auto end = out.rows.begin() + out.start[static_cast<size_t>(e) + 1];
      // Feature logs are usually written in time order: check before sorting.
      if (!std::is_sorted(begin, end, before)) std::sort(begin, end, before);
      for (auto it = begin; it != end; ++it) {
        out.timestamps[static_cast<size_t>(it - out.rows.begin())] = ts[static_cast<size_t>(*it)];
      }
    }
  });
  return out;
}

// For each entity row, the chosen feature row or -1.
std::vector<int64_t> Probe(const ResolvedView& view, const internal::EntityIds& ids,
                           const EntityTimeline& timeline, const Column& event_ts, int threads) {
  const auto n = static_cast<int64_t>(ids.entity_ids.size());
  std::vector<int64_t> matches(static_cast<size_t>(n), -1);
  const absl::Span<const int64_t> events = event_ts.Int64s();
  const bool event_nulls = event_ts.null_count() > 0;
  const auto ttl = static_cast<uint64_t>(view.view->ttl_micros);
  const int64_t* timestamps = timeline.timestamps.data();
  ParallelFor((n + kProbeChunk - 1) / kProbeChunk, threads, [&](int64_t chunk) {
    const int64_t begin = chunk * kProbeChunk;
    const int64_t end = std::min(n, begin + kProbeChunk);
    for (int64_t i = begin; i < end; ++i) {
      const int32_t id = ids.entity_ids[static_cast<size_t>(i)];
      if (id < 0 || (event_nulls && event_ts.IsNull(i))) continue;
      const int64_t event = events[static_cast<size_t>(i)];
      const int64_t lo = timeline.start[static_cast<size_t>(id)];
      const int64_t hi = timeline.start[static_cast<size_t>(id) + 1];
      // The last position with timestamp <= event: it has the highest (created, row) among
      // the rows at the latest qualifying timestamp.
      const int64_t* after = std::upper_bound(timestamps + lo, timestamps + hi, event);
      if (after == timestamps + lo) continue;
      const int64_t chosen = (after - timestamps) - 1;
      // event >= timestamp here, so the unsigned difference is exact even across the range.
      const uint64_t age = static_cast<uint64_t>(event) - static_cast<uint64_t>(timestamps[chosen]);
      if (ttl != 0 && age > ttl) continue;
      matches[static_cast<size_t>(i)] = timeline.rows[static_cast<size_t>(chosen)];
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
    return absl::InvalidArgumentError(absl::StrCat(
        "point-in-time join: event timestamp column '", AsAbsl(event_timestamp_column),
        "' is not in the entity rows (columns: ", entities.schema().ToString(), ")"));
  }
  if ((*event_ts)->type() != DataType::kTimestamp) {
    return absl::InvalidArgumentError(absl::StrCat(
        "point-in-time join: event timestamp column '", AsAbsl(event_timestamp_column), "' is ",
        AsAbsl(table::DataTypeName((*event_ts)->type())), ", not timestamp"));
  }
  std::vector<ResolvedView> resolved;
  absl::flat_hash_set<std::string> names;
  for (const table::Field& field : entities.schema().fields()) names.insert(field.name);
  for (const FeatureViewJoin& view : views) {
    ASSIGN_OR_RETURN(ResolvedView r, Resolve(entities, view, options.full_feature_names));
    for (const std::string& name : r.output_names) {
      if (!names.insert(name).second) {
        return ViewError(view, absl::StrCat("output column '", name,
                                            "' repeats an entity column or another feature",
                                            options.full_feature_names
                                                ? ""
                                                : " (full_feature_names gives VIEW__FEATURE)"));
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
    const EntityTimeline timeline = BuildTimeline(view, ids, threads);
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
