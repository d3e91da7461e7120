// Materialization: source -> latest row per entity key -> online store, recorded.
#include "strata/features/materialize.h"

#include <chrono>
#include <limits>
#include <map>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/data/profile.h"
#include "strata/features/internal/view_source.h"

namespace strata::features {
namespace {

using nlohmann::json;
using table::Column;
using table::DataType;

constexpr int64_t kMinMicros = std::numeric_limits<int64_t>::min();

// Appends the online value of `column` at `row` (the column's type decides; see
// view_source.h for the types a feature column may have).
void AppendValue(const Column& column, int64_t row, std::vector<OnlineValue>* values) {
  if (column.IsNull(row)) {
    values->emplace_back(std::monostate{});
    return;
  }
  switch (column.type()) {
    case DataType::kBool:
      values->emplace_back(column.Bools()[row] != 0);
      break;
    case DataType::kInt64:
      values->emplace_back(column.Int64s()[row]);
      break;
    case DataType::kFloat64:
      values->emplace_back(column.Float64s()[row]);
      break;
    case DataType::kString:
    case DataType::kCategory:
      values->emplace_back(std::string(column.StringAt(row)));
      break;
    case DataType::kTimestamp:
      values->emplace_back(OnlineTimestamp{column.Int64s()[row]});
      break;
  }
}

ViewMaterialization FromRow(const store::Row& r) {
  ViewMaterialization m;
  m.id = r.GetInt(0);
  m.project = r.GetString(1);
  m.view = r.GetString(2);
  m.registry_version = r.GetInt(3);
  m.start_micros = r.GetInt(4);
  m.end_micros = r.GetInt(5);
  m.rows_read = r.GetInt(6);
  m.rows_in_window = r.GetInt(7);
  m.keys_written = r.GetInt(8);
  m.skipped = r.GetInt(9);
  m.wall_ms = r.GetInt(10);
  m.created_at_ms = r.GetInt(11);
  m.lineage_execution_id = r.GetInt(12);
  return m;
}

constexpr char kColumns[] =
    "id, project, view_name, registry_version, start_micros, end_micros, rows_read, "
    "rows_in_window, keys_written, skipped, wall_ms, created_at_ms, lineage_execution_id";

}  // namespace

absl::StatusOr<std::vector<const FeatureView*>> SelectOnlineViews(
    const FeatureRepository& repo, const std::vector<std::string>& names) {
  std::vector<const FeatureView*> views;
  if (names.empty()) {
    for (const FeatureView& v : repo.feature_views) {
      if (v.online) views.push_back(&v);
    }
    return views;
  }
  for (const std::string& name : names) {
    const FeatureView* v = repo.FindFeatureView(name);
    if (v == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature view '", name, "' is not in registry version of project '",
                       repo.config.project, "'"));
    }
    if (!v->online) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature view '", name, "' has online: false; it is not materialized"));
    }
    views.push_back(v);
  }
  return views;
}

absl::StatusOr<std::unique_ptr<Materializer>> Materializer::Open(store::Database* db,
                                                                 lineage::LineageStore* lineage) {
  // The "features" migrations (registry and materialization tables) live with the registry.
  ASSIGN_OR_RETURN(std::unique_ptr<FeatureRegistry> registry, FeatureRegistry::Open(db, nullptr));
  return std::unique_ptr<Materializer>(new Materializer(db, lineage));
}

absl::StatusOr<std::vector<ViewMaterialization>> Materializer::Materialize(
    const RegistryVersion& version, OnlineStore* online, int64_t start_micros,
    int64_t end_micros, const MaterializeOptions& options) {
  if (start_micros > end_micros) {
    return absl::InvalidArgumentError(absl::StrCat("materialize: start ", start_micros,
                                                   " is after end ", end_micros, " (µs)"));
  }
  ASSIGN_OR_RETURN(FeatureRepository repo, FeatureRegistry::Definitions(version));
  repo.directory = options.repo_directory;
  ASSIGN_OR_RETURN(std::vector<const FeatureView*> views, SelectOnlineViews(repo, options.views));
  std::vector<ViewMaterialization> out;
  for (const FeatureView* view : views) {
    ASSIGN_OR_RETURN(ViewMaterialization m, RunView(version, repo, *view, online, start_micros,
                                                     end_micros, options));
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<std::vector<ViewMaterialization>> Materializer::MaterializeIncremental(
    const RegistryVersion& version, OnlineStore* online, int64_t end_micros,
    const MaterializeOptions& options) {
  ASSIGN_OR_RETURN(FeatureRepository repo, FeatureRegistry::Definitions(version));
  repo.directory = options.repo_directory;
  ASSIGN_OR_RETURN(std::vector<const FeatureView*> views, SelectOnlineViews(repo, options.views));
  std::vector<ViewMaterialization> out;
  for (const FeatureView* view : views) {
    ASSIGN_OR_RETURN(std::optional<int64_t> watermark, Watermark(version.project, view->name));
    int64_t start = kMinMicros;
    if (watermark.has_value()) {
      // The previous window included its end: continue just after it.
      start = *watermark == std::numeric_limits<int64_t>::max() ? *watermark : *watermark + 1;
    } else if (view->ttl_micros > 0) {
      start = end_micros < kMinMicros + view->ttl_micros ? kMinMicros
                                                         : end_micros - view->ttl_micros;
    }
    if (start > end_micros) {
      ViewMaterialization nothing;
      nothing.project = version.project;
      nothing.view = view->name;
      nothing.registry_version = version.version;
      nothing.start_micros = start;
      nothing.end_micros = end_micros;
      out.push_back(std::move(nothing));
      continue;
    }
    ASSIGN_OR_RETURN(ViewMaterialization m,
                     RunView(version, repo, *view, online, start, end_micros, options));
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<ViewMaterialization> Materializer::RunView(
    const RegistryVersion& version, const FeatureRepository& repo, const FeatureView& view,
    OnlineStore* online, int64_t start_micros, int64_t end_micros,
    const MaterializeOptions& options) {
  auto started = std::chrono::steady_clock::now();
  if (view.schema.size() > std::numeric_limits<uint16_t>::max()) {
    return absl::InvalidArgumentError(absl::StrCat("feature_view '", view.name, "' has ",
                                                   view.schema.size(),
                                                   " features; the online store holds 65535"));
  }
  ViewMaterialization result;
  result.project = version.project;
  result.view = view.name;
  result.registry_version = version.version;
  result.start_micros = start_micros;
  result.end_micros = end_micros;

  ASSIGN_OR_RETURN(internal::ViewSourceTable source,
                   internal::LoadViewSource(repo, view, start_micros, end_micros));
  result.rows_read = source.table.num_rows();
  ASSIGN_OR_RETURN(internal::LatestRows latest,
                   internal::SelectLatestRows(source, start_micros, end_micros));
  result.rows_in_window = latest.rows_in_window;

  const table::Table& t = source.table;
  std::vector<const Column*> features;
  for (const FeatureField& f : view.schema) {
    ASSIGN_OR_RETURN(const Column* c, t.ColumnByName(f.name));
    features.push_back(c);
  }
  ASSIGN_OR_RETURN(const Column* ts, t.ColumnByName(internal::kTimestampColumn));
  const Column* created = nullptr;
  if (source.has_created) {
    ASSIGN_OR_RETURN(created, t.ColumnByName(internal::kCreatedColumn));
  }

  const std::string view_key = OnlineViewKey(version.project, view.name);
  const size_t batch = static_cast<size_t>(std::max<int64_t>(1, options.batch_rows));
  std::vector<OnlineWrite> writes;
  writes.reserve(std::min(batch, latest.rows.size()));
  OnlineRecord record;
  record.values.reserve(features.size());
  for (size_t i = 0; i < latest.rows.size(); ++i) {
    int64_t row = latest.rows[i];
    record.event_ts_micros = ts->Int64s()[row];
    record.created_ts_micros =
        created == nullptr || created->IsNull(row) ? kMinMicros : created->Int64s()[row];
    record.values.clear();
    for (const Column* c : features) AppendValue(*c, row, &record.values);
    writes.push_back({std::move(latest.entity_keys[i]), EncodeOnlineRecord(record)});
    if (writes.size() == batch || i + 1 == latest.rows.size()) {
      ASSIGN_OR_RETURN(OnlineWriteStats stats, online->Write(view_key, writes));
      result.keys_written += stats.written;
      result.skipped += stats.skipped_older;
      writes.clear();
    }
  }
  // Durable before the watermark moves (see the header).
  RETURN_IF_ERROR(online->Flush());

  std::string profile_json;
  if (options.record_profile) {
    std::vector<std::string> names;
    for (const FeatureField& f : view.schema) names.push_back(f.name);
    ASSIGN_OR_RETURN(table::Table values, t.Select(names));
    ASSIGN_OR_RETURN(table::Table kept, values.Take(latest.rows));
    data::ProfileOptions profile_options;
    profile_options.threads = options.threads;
    ASSIGN_OR_RETURN(data::TableProfile profile, data::ProfileTable(kept, profile_options));
    profile_json = data::ProfileToJson(profile).dump();
  }
  result.wall_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count();
  result.created_at_ms = NowMillis();
  RETURN_IF_ERROR(Record(version, result, profile_json));
  return result;
}

absl::Status Materializer::Record(const RegistryVersion& version, ViewMaterialization& result,
                                  const std::string& profile_json) {
  if (lineage_ != nullptr) {
    ASSIGN_OR_RETURN(lineage::Context context,
                     lineage_->PutContext({0, "FeatureRepository", version.project, "{}", 0}));
    auto it = version.object_versions.find("feature_view:" + result.view);
    int64_t object_version = it == version.object_versions.end() ? version.version : it->second;
    const std::string name = absl::StrCat(version.project, ":", result.view, "@", object_version);
    std::vector<lineage::LineageStore::Io> inputs;
    std::vector<lineage::LineageStore::Io> outputs;
    // The same identity (type, name) and properties as the artifact Apply recorded.
    inputs.push_back({{0, "FeatureView", name, "features:" + name,
                       json{{"project", version.project},
                            {"name", result.view},
                            {"registry_version", object_version}}
                           .dump(),
                       0},
                      "view"});
    lineage::Execution execution;
    execution.type = "FeatureMaterialization";
    execution.name = absl::StrCat("materialize ", version.project, ":", result.view);
    execution.state = lineage::ExecutionState::kComplete;
    execution.properties_json = json{{"project", version.project},
                                     {"view", result.view},
                                     {"registry_version", version.version},
                                     {"start_micros", result.start_micros},
                                     {"end_micros", result.end_micros},
                                     {"rows_read", result.rows_read},
                                     {"keys_written", result.keys_written},
                                     {"skipped", result.skipped}}
                                    .dump();
    ASSIGN_OR_RETURN(lineage::Execution recorded,
                     lineage_->RecordExecution(execution, inputs, outputs, context.id));
    result.lineage_execution_id = recorded.id;
  }
  return db_->Transaction([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(
        std::optional<store::Row> row,
        c.QueryOne("INSERT INTO feature_materializations (project, view_name, registry_version, "
                   "start_micros, end_micros, rows_read, rows_in_window, keys_written, skipped, "
                   "wall_ms, created_at_ms, lineage_execution_id, profile_json) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   {result.project, result.view, result.registry_version, result.start_micros,
                    result.end_micros, result.rows_read, result.rows_in_window,
                    result.keys_written, result.skipped, result.wall_ms, result.created_at_ms,
                    result.lineage_execution_id, profile_json}));
    if (!row.has_value()) return absl::InternalError("INSERT ... RETURNING id returned no row");
    result.id = row->GetInt(0);
    // The watermark only moves forward: materializing an older window does not rewind it.
    RETURN_IF_ERROR(
        c.Execute("INSERT INTO feature_materialization_watermarks (project, view_name, "
                  "end_micros, updated_at_ms) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT (project, view_name) DO UPDATE SET "
                  "end_micros = CASE WHEN excluded.end_micros > "
                  "feature_materialization_watermarks.end_micros THEN excluded.end_micros "
                  "ELSE feature_materialization_watermarks.end_micros END, "
                  "updated_at_ms = excluded.updated_at_ms",
                  {result.project, result.view, result.end_micros, result.created_at_ms})
            .status());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ViewMaterialization>> Materializer::ListMaterializations(
    std::string_view project, std::string_view view) {
  std::vector<ViewMaterialization> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    auto collect = [&](const store::Row& r) {
      out.push_back(FromRow(r));
      return true;
    };
    const std::string select = absl::StrCat("SELECT ", kColumns,
                                            " FROM feature_materializations WHERE project = ?");
    // Two literal parameter lists: GCC 12 at -O2 warns (maybe-uninitialized) on a vector of
    // store::Value grown with push_back.
    if (view.empty()) {
      return c.ForEach(select + " ORDER BY id DESC", {std::string(project)}, collect);
    }
    return c.ForEach(select + " AND view_name = ? ORDER BY id DESC",
                     {std::string(project), std::string(view)}, collect);
  }));
  return out;
}

absl::StatusOr<std::string> Materializer::MaterializationProfile(int64_t id) {
  std::optional<std::string> profile;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne("SELECT profile_json FROM feature_materializations WHERE id = ?",
                                {id}));
    if (row.has_value()) profile = row->GetString(0);
    return absl::OkStatus();
  }));
  if (!profile.has_value()) {
    return absl::NotFoundError(absl::StrCat("materialization ", id, " does not exist"));
  }
  return *profile;
}

absl::StatusOr<std::optional<int64_t>> Materializer::Watermark(std::string_view project,
                                                               std::string_view view) {
  std::optional<int64_t> out;
  RETURN_IF_ERROR(db_->Read([&](store::Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<store::Row> row,
                     c.QueryOne("SELECT end_micros FROM feature_materialization_watermarks "
                                "WHERE project = ? AND view_name = ?",
                                {std::string(project), std::string(view)}));
    if (row.has_value()) out = row->GetInt(0);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<OnlineWrite>> ReadBackView(const FeatureRepository& repo,
                                                      const FeatureView& view,
                                                      OnlineStore* online) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  ASSIGN_OR_RETURN(internal::ViewSourceTable source,
                   internal::LoadViewSource(repo, view, kMinMicros, kMax));
  ASSIGN_OR_RETURN(internal::LatestRows keys,
                   internal::SelectLatestRows(source, kMinMicros, kMax));
  const std::string view_key = OnlineViewKey(repo.config.project, view.name);
  std::vector<OnlineWrite> out;
  std::vector<std::optional<std::string>> records;
  constexpr size_t kChunk = 10000;
  for (size_t begin = 0; begin < keys.entity_keys.size(); begin += kChunk) {
    size_t n = std::min(kChunk, keys.entity_keys.size() - begin);
    RETURN_IF_ERROR(
        online->Read(view_key, absl::MakeConstSpan(keys.entity_keys).subspan(begin, n), &records));
    for (size_t i = 0; i < n; ++i) {
      if (records[i].has_value()) {
        out.push_back({std::move(keys.entity_keys[begin + i]), std::move(*records[i])});
      }
    }
  }
  return out;
}

}  // namespace strata::features
