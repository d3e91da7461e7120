// Reading a view's source for materialization and picking the latest row per entity key.
#include "strata/features/internal/view_source.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/features/internal/postgres_source.h"
#include "strata/features/online_store.h"
#include "strata/io/read_table.h"

namespace strata::features::internal {
namespace {

namespace fs = std::filesystem;
using table::Column;
using table::DataType;

std::string TypeName(DataType type) { return std::string(table::DataTypeName(type)); }

// Whether a source column of `actual` type can hold a feature / key of `wanted` type (the
// rules of definitions.h).
bool Compatible(DataType wanted, DataType actual) {
  if (wanted == actual) return true;
  if (wanted == DataType::kFloat64 && actual == DataType::kInt64) return true;
  auto stringish = [](DataType t) { return t == DataType::kString || t == DataType::kCategory; };
  return stringish(wanted) && stringish(actual);
}

absl::StatusOr<std::vector<fs::path>> SourceFiles(const FeatureRepository& repo,
                                                   const DataSource& source) {
  // Definitions read back from the registry carry the path as written, not resolved.
  fs::path path = source.resolved_path;
  if (path.empty()) {
    path = source.path;
    if (path.is_relative()) {
      if (repo.directory.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "source '", source.name, "': relative path '", source.path,
            "' but no repository directory was given"));
      }
      path = fs::path(repo.directory) / path;
    }
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return absl::NotFoundError(absl::StrCat("source '", source.name, "': ", path.string(),
                                            " does not exist"));
  }
  if (!fs::is_directory(path, ec)) return std::vector<fs::path>{path};
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
    if (entry.is_regular_file() && io::FormatFromPath(entry.path().string()).ok()) {
      files.push_back(entry.path());
    }
  }
  if (files.empty()) {
    return absl::NotFoundError(absl::StrCat("source '", source.name, "': directory ",
                                            path.string(), " holds no data files"));
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Source column -> the name the view uses (field_mapping), and back.
std::string FileColumnFor(const DataSource& source, const std::string& mapped) {
  for (const auto& [file_column, name] : source.field_mapping) {
    if (name == mapped) return file_column;
  }
  return mapped;
}

struct WantedColumn {
  std::string file_column;  // as in the file
  std::string name;         // in the result
  DataType type = DataType::kFloat64;
  std::string what;         // "feature 'f1'", "join key 'user_id'", ...
};

absl::StatusOr<Column> ConvertColumn(const Column& column, const WantedColumn& wanted,
                                     const FeatureView& view, const std::string& file) {
  if (!Compatible(wanted.type, column.type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "feature_view '", view.name, "': ", wanted.what, " (column '", wanted.file_column,
        "' of ", file, ") is ", TypeName(column.type()), ", expected ", TypeName(wanted.type)));
  }
  if (wanted.type == DataType::kFloat64 && column.type() == DataType::kInt64) {
    table::ColumnBuffers b;
    b.type = DataType::kFloat64;
    b.rows = column.size();
    absl::Span<const int64_t> ints = column.Int64s();
    b.doubles.resize(static_cast<size_t>(column.size()));
    for (int64_t i = 0; i < column.size(); ++i) b.doubles[i] = static_cast<double>(ints[i]);
    if (column.null_count() > 0) {
      b.validity.assign(static_cast<size_t>((column.size() + 63) / 64), 0);
      for (int64_t i = 0; i < column.size(); ++i) {
        if (!column.IsNull(i)) b.validity[i / 64] |= uint64_t{1} << (i % 64);
      }
    }
    return Column::FromBuffers(std::move(b));
  }
  return column;
}

}  // namespace

absl::StatusOr<std::vector<JoinKey>> ViewJoinKeys(const FeatureRepository& repo,
                                                  const FeatureView& view) {
  std::vector<JoinKey> keys;
  for (const std::string& name : view.entities) {
    const Entity* entity = repo.FindEntity(name);
    if (entity == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("feature_view '", view.name, "': unknown entity '", name, "'"));
    }
    keys.insert(keys.end(), entity->join_keys.begin(), entity->join_keys.end());
  }
  return keys;
}

absl::StatusOr<ViewSourceTable> LoadViewSource(const FeatureRepository& repo,
                                               const FeatureView& view, int64_t start_micros,
                                               int64_t end_micros) {
  const DataSource* source = repo.FindSource(view.source);
  if (source == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("feature_view '", view.name, "': unknown source '", view.source, "'"));
  }
  if (source->type == SourceType::kPush) {
    source = repo.FindSource(source->batch_source);
    if (source == nullptr) {
      return absl::NotFoundError(absl::StrCat("feature_view '", view.name,
                                              "': push source without its batch source"));
    }
  }
  ViewSourceTable out;
  ASSIGN_OR_RETURN(std::vector<JoinKey> keys, ViewJoinKeys(repo, view));
  std::vector<WantedColumn> wanted;
  for (const JoinKey& k : keys) {
    out.join_keys.push_back(k.name);
    out.join_key_types.push_back(k.type);
    wanted.push_back({FileColumnFor(*source, k.name), k.name, k.type,
                      absl::StrCat("join key '", k.name, "'")});
  }
  wanted.push_back({source->timestamp_field, kTimestampColumn, DataType::kTimestamp,
                    absl::StrCat("timestamp_field '", source->timestamp_field, "'")});
  out.has_created = !source->created_timestamp_column.empty();
  if (out.has_created) {
    wanted.push_back({source->created_timestamp_column, kCreatedColumn, DataType::kTimestamp,
                      absl::StrCat("created_timestamp_column '",
                                   source->created_timestamp_column, "'")});
  }
  for (const FeatureField& f : view.schema) {
    wanted.push_back({FileColumnFor(*source, f.name), f.name, f.type,
                      absl::StrCat("feature '", f.name, "'")});
  }

  std::vector<std::vector<Column>> parts(wanted.size());
  if (source->type == SourceType::kPostgres) {
    std::vector<PostgresColumn> columns;
    for (const WantedColumn& w : wanted) columns.push_back({w.file_column, w.type});
    ASSIGN_OR_RETURN(std::vector<Column> read,
                     ReadPostgresSource(repo.config.offline_store.connection_string, *source,
                                        columns, start_micros, end_micros));
    for (size_t i = 0; i < wanted.size(); ++i) parts[i].push_back(std::move(read[i]));
  } else {
    ASSIGN_OR_RETURN(std::vector<fs::path> files, SourceFiles(repo, *source));
    for (const fs::path& file : files) {
      ASSIGN_OR_RETURN(table::Table t, io::ReadTable(file.string()));
      for (size_t i = 0; i < wanted.size(); ++i) {
        absl::StatusOr<const Column*> c = t.ColumnByName(wanted[i].file_column);
        if (!c.ok()) {
          return absl::NotFoundError(absl::StrCat("feature_view '", view.name, "': ",
                                                  wanted[i].what, ": column '",
                                                  wanted[i].file_column, "' is not in ",
                                                  file.string()));
        }
        ASSIGN_OR_RETURN(Column converted, ConvertColumn(**c, wanted[i], view, file.string()));
        parts[i].push_back(std::move(converted));
      }
    }
  }
  std::vector<table::Field> fields;
  std::vector<Column> columns;
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (parts[i].size() == 1) {
      columns.push_back(std::move(parts[i][0]));
    } else {
      ASSIGN_OR_RETURN(Column c, Column::Concat(parts[i]));
      columns.push_back(std::move(c));
    }
    fields.push_back({wanted[i].name, columns.back().type()});
  }
  ASSIGN_OR_RETURN(out.table, table::Table::Make(table::Schema(std::move(fields)), std::move(columns)));
  return out;
}

absl::StatusOr<LatestRows> SelectLatestRows(const ViewSourceTable& source, int64_t start_micros,
                                            int64_t end_micros) {
  const table::Table& t = source.table;
  ASSIGN_OR_RETURN(const Column* ts, t.ColumnByName(kTimestampColumn));
  const Column* created = nullptr;
  if (source.has_created) {
    ASSIGN_OR_RETURN(created, t.ColumnByName(kCreatedColumn));
  }
  std::vector<const Column*> keys;
  for (const std::string& k : source.join_keys) {
    ASSIGN_OR_RETURN(const Column* c, t.ColumnByName(k));
    keys.push_back(c);
  }
  absl::Span<const int64_t> times = ts->Int64s();
  absl::Span<const int64_t> created_times;
  if (created != nullptr) created_times = created->Int64s();
  const bool ts_nulls = ts->null_count() > 0;
  const bool created_nulls = created != nullptr && created->null_count() > 0;
  // Row a replaces the kept row b (a comes later in source order): newer timestamp, or the
  // same and a created timestamp at least as high (null below every present one).
  auto replaces = [&](int64_t a, int64_t b) {
    if (times[a] != times[b]) return times[a] > times[b];
    if (created == nullptr) return true;
    bool a_has = !created_nulls || !created->IsNull(a);
    bool b_has = !created_nulls || !created->IsNull(b);
    if (a_has != b_has) return a_has;
    return !a_has || created_times[a] >= created_times[b];
  };
  auto in_window = [&](int64_t row) {
    if (ts_nulls && ts->IsNull(row)) return false;
    return times[row] >= start_micros && times[row] <= end_micros;
  };

  LatestRows out;
  const int64_t n = t.num_rows();
  if (keys.size() == 1 && keys[0]->type() == DataType::kInt64) {
    // One int64 key: keyed by value; the encoded keys sort as the values do.
    const Column& key = *keys[0];
    absl::Span<const int64_t> values = key.Int64s();
    const bool key_nulls = key.null_count() > 0;
    // Keys in a small range (the usual dense ids): an array indexed by value instead of a
    // hash map (the map was the largest cost of a materialization in perf).
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    for (int64_t row = 0; row < n; ++row) {
      if (key_nulls && key.IsNull(row)) continue;
      lo = std::min(lo, values[row]);
      hi = std::max(hi, values[row]);
    }
    const bool dense = lo <= hi && static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) <
                                       static_cast<uint64_t>(std::max<int64_t>(n, 1 << 16));
    if (dense) {
      std::vector<int64_t> best(static_cast<size_t>(hi - lo) + 1, -1);
      for (int64_t row = 0; row < n; ++row) {
        if (!in_window(row) || (key_nulls && key.IsNull(row))) continue;
        ++out.rows_in_window;
        int64_t& kept = best[static_cast<size_t>(values[row] - lo)];
        if (kept < 0 || replaces(row, kept)) kept = row;
      }
      for (size_t i = 0; i < best.size(); ++i) {
        if (best[i] < 0) continue;
        out.rows.push_back(best[i]);
        std::string k;
        AppendEntityKeyInt64(lo + static_cast<int64_t>(i), &k);
        out.entity_keys.push_back(std::move(k));
      }
      return out;
    }
    absl::flat_hash_map<int64_t, int64_t> best;
    for (int64_t row = 0; row < n; ++row) {
      if (!in_window(row) || (key_nulls && key.IsNull(row))) continue;
      ++out.rows_in_window;
      auto [it, inserted] = best.try_emplace(values[row], row);
      if (!inserted && replaces(row, it->second)) it->second = row;
    }
    std::vector<std::pair<int64_t, int64_t>> sorted(best.begin(), best.end());
    std::sort(sorted.begin(), sorted.end());
    out.rows.reserve(sorted.size());
    out.entity_keys.reserve(sorted.size());
    for (const auto& [value, row] : sorted) {
      out.rows.push_back(row);
      std::string k;
      AppendEntityKeyInt64(value, &k);
      out.entity_keys.push_back(std::move(k));
    }
    return out;
  }
  absl::flat_hash_map<std::string, int64_t> best;
  std::string k;
  for (int64_t row = 0; row < n; ++row) {
    if (!in_window(row)) continue;
    k.clear();
    bool null_key = false;
    for (const Column* c : keys) {
      if (c->IsNull(row)) {
        null_key = true;
        break;
      }
      if (c->type() == DataType::kInt64) {
        AppendEntityKeyInt64(c->Int64s()[row], &k);
      } else {
        AppendEntityKeyString(c->StringAt(row), &k);
      }
    }
    if (null_key) continue;
    ++out.rows_in_window;
    auto [it, inserted] = best.try_emplace(k, row);
    if (!inserted && replaces(row, it->second)) it->second = row;
  }
  std::vector<std::pair<std::string, int64_t>> sorted(best.begin(), best.end());
  std::sort(sorted.begin(), sorted.end());
  for (auto& [key, row] : sorted) {
    out.rows.push_back(row);
    out.entity_keys.push_back(std::move(key));
  }
  return out;
}

}  // namespace strata::features::internal
