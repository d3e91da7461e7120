#include "strata/features/online_push.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <optional>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "strata/base/clock.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/features/internal/postgres_offline.h"
#include "strata/io/csv_reader.h"
#include "strata/io/parquet_writer.h"
#include "strata/table/table.h"

namespace strata::features {
namespace {

using table::DataType;

std::string_view ValueKind(const PushValue& v) {
  switch (v.index()) {
    case 0:
      return "null";
    case 1:
      return "a boolean";
    case 2:
      return "an integer";
    case 3:
      return "a number";
    default:
      return "a string";
  }
}

absl::Status ValueError(std::string_view column, size_t row, std::string_view expected,
                        const PushValue& got) {
  return absl::InvalidArgumentError(absl::StrCat("column '", AsAbsl(column), "' row ", row,
                                                 ": expected ", AsAbsl(expected), ", got ",
                                                 AsAbsl(ValueKind(got))));
}

// A pushed value as the stored type of a feature.
absl::StatusOr<OnlineValue> ToOnlineValue(const PushValue& v, DataType type,
                                          std::string_view column, size_t row) {
  if (std::holds_alternative<std::monostate>(v)) return OnlineValue{};
  switch (type) {
    case DataType::kBool:
      if (const bool* b = std::get_if<bool>(&v)) return OnlineValue{*b};
      return ValueError(column, row, "a boolean", v);
    case DataType::kInt64:
      if (const int64_t* i = std::get_if<int64_t>(&v)) return OnlineValue{*i};
      return ValueError(column, row, "an integer", v);
    case DataType::kFloat64:
      if (const double* d = std::get_if<double>(&v)) return OnlineValue{*d};
      if (const int64_t* i = std::get_if<int64_t>(&v)) {
        return OnlineValue{static_cast<double>(*i)};
      }
      return ValueError(column, row, "a number", v);
    case DataType::kString:
    case DataType::kCategory:
      if (const std::string* s = std::get_if<std::string>(&v)) return OnlineValue{*s};
      return ValueError(column, row, "a string", v);
    case DataType::kTimestamp: {
      const std::string* s = std::get_if<std::string>(&v);
      int64_t micros = 0;
      if (s == nullptr) return ValueError(column, row, "an RFC 3339 timestamp string", v);
      if (!io::ParseTimestampMicros(*s, &micros)) {
        return absl::InvalidArgumentError(absl::StrCat("column '", AsAbsl(column), "' row ",
                                                       row, ": '", *s,
                                                       "' is not an RFC 3339 timestamp"));
      }
      return OnlineValue{OnlineTimestamp{micros}};
    }
  }
  return absl::InternalError("unknown feature type");
}

absl::StatusOr<std::vector<int64_t>> ParseTimestamps(const PushColumn& column) {
  std::vector<int64_t> out(column.values.size());
  for (size_t r = 0; r < column.values.size(); ++r) {
    ASSIGN_OR_RETURN(OnlineValue v, ToOnlineValue(column.values[r], DataType::kTimestamp,
                                                  column.name, r));
    if (std::holds_alternative<std::monostate>(v)) {
      return absl::InvalidArgumentError(absl::StrCat("column '", column.name, "' row ", r,
                                                     ": the timestamp is null"));
    }
    out[r] = std::get<OnlineTimestamp>(v).micros;
  }
  return out;
}

// One column of the offline copy: its name in the batch source and its type.
struct OfflineColumn {
  std::string source_name;
  DataType type = DataType::kFloat64;
  const PushColumn* pushed = nullptr;
};

absl::StatusOr<table::Table> OfflineTable(const std::vector<OfflineColumn>& columns,
                                          const std::vector<int64_t>& timestamps,
                                          const std::vector<int64_t>* created, size_t ts_index,
                                          std::optional<size_t> created_index) {
  std::vector<table::Field> fields;
  std::vector<table::Column> built;
  for (size_t c = 0; c < columns.size(); ++c) {
    const OfflineColumn& column = columns[c];
    // Category features are written as strings: a pushed file holds plain values.
    const DataType type = column.type == DataType::kCategory ? DataType::kString : column.type;
    table::ColumnBuilder builder(type);
    const size_t rows = timestamps.size();
    builder.Reserve(static_cast<int64_t>(rows));
    for (size_t r = 0; r < rows; ++r) {
      if (c == ts_index) {
        builder.AppendInt64(timestamps[r]);
        continue;
      }
      if (created_index.has_value() && c == *created_index) {
        builder.AppendInt64((*created)[r]);
        continue;
      }
      ASSIGN_OR_RETURN(OnlineValue v, ToOnlineValue(column.pushed->values[r], type,
                                                    column.pushed->name, r));
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) builder.AppendNull();
            if constexpr (std::is_same_v<T, bool>) builder.AppendBool(x);
            if constexpr (std::is_same_v<T, int64_t>) builder.AppendInt64(x);
            if constexpr (std::is_same_v<T, double>) builder.AppendFloat64(x);
            if constexpr (std::is_same_v<T, std::string>) builder.AppendString(x);
            if constexpr (std::is_same_v<T, OnlineTimestamp>) builder.AppendInt64(x.micros);
          },
          v);
    }
    fields.push_back({column.source_name, type});
    built.push_back(builder.Finish());
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(built));
}

// A value as a SQL parameter; timestamps as ISO text with an explicit UTC offset, which
// PostgreSQL casts to timestamp/timestamptz columns.
store::Value ToSqlValue(const OnlineValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return int64_t{*b ? 1 : 0};
  if (const int64_t* i = std::get_if<int64_t>(&v)) return *i;
  if (const double* d = std::get_if<double>(&v)) return *d;
  if (const std::string* s = std::get_if<std::string>(&v)) return *s;
  if (const OnlineTimestamp* t = std::get_if<OnlineTimestamp>(&v)) {
    return absl::StrCat(io::FormatTimestampMicros(t->micros), "+00");
  }
  return store::Null();
}

std::atomic<int64_t> push_file_counter{0};

}  // namespace

absl::StatusOr<PushTarget> ParsePushTarget(std::string_view text) {
  if (text == "online") return PushTarget::kOnline;
  if (text == "offline") return PushTarget::kOffline;
  if (text == "online_and_offline") return PushTarget::kOnlineAndOffline;
  return absl::InvalidArgumentError(absl::StrCat(
      "'to' is '", AsAbsl(text), "': expected online, offline or online_and_offline"));
}

absl::StatusOr<store::Database*> FeaturePusher::OfflineDatabase(const std::string& uri) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = offline_databases_.find(uri);
  if (it != offline_databases_.end()) return it->second.get();
  store::DatabaseOptions options;
  options.max_connections = 4;
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(uri, options));
  store::Database* raw = db.get();
  offline_databases_.emplace(uri, std::move(db));
  return raw;
}

absl::StatusOr<PushResult> FeaturePusher::Push(const FeatureServer& server, OnlineStore* store,
                                               const PushRequest& request) {
  const FeatureRepository& defs = server.definitions();
  const DataSource* push = defs.FindSource(request.push_source_name);
  if (push == nullptr || push->type != SourceType::kPush) {
    return absl::NotFoundError(absl::StrCat("unknown push source '", request.push_source_name,
                                            "' in project '", server.project(), "'"));
  }
  const DataSource* batch = defs.FindSource(push->batch_source);
  if (batch == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("push source '", push->name,
                                                   "' names unknown batch source '",
                                                   push->batch_source, "'"));
  }
  std::vector<const FeatureServer::ViewTable*> views;
  for (const FeatureServer::ViewTable& view : server.views()) {
    if (view.view->source == push->name) views.push_back(&view);
  }
  if (views.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no feature view reads push source '", push->name, "'"));
  }

  // Columns: equal, non-zero lengths, no repeats, nothing unknown.
  if (request.columns.empty()) return absl::InvalidArgumentError("the push has no columns ('df' is empty)");
  absl::flat_hash_map<std::string, const PushColumn*> by_name;
  const size_t rows = request.columns.front().values.size();
  for (const PushColumn& column : request.columns) {
    if (column.values.size() != rows) {
      return absl::InvalidArgumentError(absl::StrCat(
          "columns have unequal lengths: '", request.columns.front().name, "' has ", rows,
          " values, '", column.name, "' has ", column.values.size()));
    }
    if (!by_name.emplace(column.name, &column).second) {
      return absl::InvalidArgumentError(absl::StrCat("column '", column.name, "' is given twice"));
    }
  }
  if (rows == 0) return absl::InvalidArgumentError("the push has no rows");
  auto require = [&](const std::string& name, std::string_view what) -> absl::StatusOr<const PushColumn*> {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      return absl::InvalidArgumentError(absl::StrCat("push to '", push->name, "' lacks column '",
                                                     name, "' (", AsAbsl(what), ")"));
    }
    return it->second;
  };

  // Reverse field mapping: the name features/keys use -> the batch source's column name.
  absl::flat_hash_map<std::string, std::string> source_name;
  for (const auto& [file_column, mapped] : batch->field_mapping) source_name[mapped] = file_column;
  auto offline_name = [&](const std::string& name) {
    auto it = source_name.find(name);
    return it == source_name.end() ? name : it->second;
  };

  ASSIGN_OR_RETURN(const PushColumn* ts_column,
                   require(batch->timestamp_field, "the batch source's timestamp_field"));
  ASSIGN_OR_RETURN(std::vector<int64_t> timestamps, ParseTimestamps(*ts_column));
  std::vector<int64_t> created(rows, INT64_MIN);
  bool has_created = false;
  if (!batch->created_timestamp_column.empty()) {
    auto it = by_name.find(batch->created_timestamp_column);
    if (it != by_name.end()) {
      ASSIGN_OR_RETURN(created, ParseTimestamps(*it->second));
      has_created = true;
    }
  }

  std::vector<OfflineColumn> offline_columns = {
      {batch->timestamp_field, DataType::kTimestamp, ts_column}};
  std::optional<size_t> created_index;
  if (has_created) {
    created_index = offline_columns.size();
    offline_columns.push_back({batch->created_timestamp_column, DataType::kTimestamp,
                               by_name[batch->created_timestamp_column]});
  }
  absl::flat_hash_map<std::string, bool> known = {{batch->timestamp_field, true}};
  if (!batch->created_timestamp_column.empty()) known[batch->created_timestamp_column] = true;

  // Encode every view's rows before writing anything, so a bad value writes nothing.
  std::vector<std::vector<OnlineWrite>> writes(views.size());
  for (size_t v = 0; v < views.size(); ++v) {
    const FeatureServer::ViewTable& view = *views[v];
    std::vector<const PushColumn*> keys;
    for (const JoinKey& key : view.join_keys) {
      ASSIGN_OR_RETURN(const PushColumn* column,
                       require(key.name, absl::StrCat("a join key of feature view '",
                                                      view.view->name, "'")));
      for (size_t r = 0; r < rows; ++r) {
        const PushValue& value = column->values[r];
        const bool ok = key.type == DataType::kInt64 ? std::holds_alternative<int64_t>(value)
                                                     : std::holds_alternative<std::string>(value);
        if (!ok) {
          return ValueError(key.name, r,
                            key.type == DataType::kInt64 ? "an integer join key"
                                                         : "a string join key",
                            value);
        }
      }
      keys.push_back(column);
      if (known.emplace(key.name, true).second) {
        offline_columns.push_back({offline_name(key.name), key.type, column});
      }
    }
    std::vector<const PushColumn*> features;
    for (const FeatureField& field : view.view->schema) {
      ASSIGN_OR_RETURN(const PushColumn* column,
                       require(field.name, absl::StrCat("a feature of feature view '",
                                                        view.view->name, "'")));
      features.push_back(column);
      if (known.emplace(field.name, true).second) {
        offline_columns.push_back({offline_name(field.name), field.type, column});
      }
    }
    writes[v].resize(rows);
    OnlineRecord record;
    for (size_t r = 0; r < rows; ++r) {
      OnlineWrite& write = writes[v][r];
      for (const PushColumn* key : keys) {
        if (const int64_t* i = std::get_if<int64_t>(&key->values[r])) {
          AppendEntityKeyInt64(*i, &write.entity_key);
        } else {
          AppendEntityKeyString(std::get<std::string>(key->values[r]), &write.entity_key);
        }
      }
      record.event_ts_micros = timestamps[r];
      record.created_ts_micros = created[r];
      record.values.clear();
      for (size_t f = 0; f < features.size(); ++f) {
        ASSIGN_OR_RETURN(OnlineValue value, ToOnlineValue(features[f]->values[r],
                                                          view.view->schema[f].type,
                                                          features[f]->name, r));
        record.values.push_back(std::move(value));
      }
      write.record = EncodeOnlineRecord(record);
    }
  }
  for (const PushColumn& column : request.columns) {
    if (!known.contains(column.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "column '", column.name, "' is not a join key, feature or timestamp of any feature "
          "view reading push source '", push->name, "'"));
    }
  }

  PushResult result;
  result.rows = static_cast<int64_t>(rows);
  const bool offline = request.to != PushTarget::kOnline;
  const bool online = request.to != PushTarget::kOffline;
  if (offline) {
    if (batch->type == SourceType::kFile) {
      std::error_code ec;
      if (batch->resolved_path.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "offline push to file source '", batch->name, "' needs the repository directory: "
            "start the server with --feature-repo DIR"));
      }
      if (!std::filesystem::is_directory(batch->resolved_path, ec)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "offline push needs a directory or postgres source: batch source '", batch->name,
            "' is the file ", batch->path));
      }
      ASSIGN_OR_RETURN(table::Table rows_table,
                       OfflineTable(offline_columns, timestamps, &created, 0, created_index));
      const std::string path = absl::StrCat(
          (std::filesystem::path(batch->resolved_path) / "push-").string(), NowMillis() * 1000,
          "-", ::getpid(), "-", push_file_counter.fetch_add(1), ".parquet");
      RETURN_IF_ERROR(io::WriteParquetFile(path, rows_table));
      result.offline_location = path;
    } else if (batch->type == SourceType::kPostgres && !batch->table.empty()) {
      if (defs.config.offline_store.connection_string.empty()) {
        return absl::FailedPreconditionError(
            "offline push to a postgres source needs offline_store.connection_string");
      }
      ASSIGN_OR_RETURN(store::Database * db,
                       OfflineDatabase(defs.config.offline_store.connection_string));
      std::vector<std::string> names;
      for (const OfflineColumn& c : offline_columns) names.push_back(c.source_name);
      // Converted before AppendRows' transaction: its callback may be re-run on a conflict.
      std::vector<std::vector<store::Value>> params(rows);
      for (size_t r = 0; r < rows; ++r) {
        for (size_t c = 0; c < offline_columns.size(); ++c) {
          if (c == 0) {
            params[r].push_back(ToSqlValue(OnlineTimestamp{timestamps[r]}));
          } else if (created_index.has_value() && c == *created_index) {
            params[r].push_back(ToSqlValue(OnlineTimestamp{created[r]}));
          } else {
            ASSIGN_OR_RETURN(OnlineValue value,
                             ToOnlineValue(offline_columns[c].pushed->values[r],
                                           offline_columns[c].type,
                                           offline_columns[c].pushed->name, r));
            params[r].push_back(ToSqlValue(value));
          }
        }
      }
      RETURN_IF_ERROR(internal::AppendRows(*db, batch->table, names, params));
      result.offline_location = absl::StrCat("postgres table ", batch->table);
    } else {
      return absl::FailedPreconditionError(absl::StrCat(
          "offline push needs a directory or postgres source: batch source '", batch->name,
          "' is a ", batch->type == SourceType::kPostgres ? "postgres query" : "push source"));
    }
  }
  if (online) {
    if (store == nullptr) return absl::UnavailableError("the online store is not open");
    for (size_t v = 0; v < views.size(); ++v) {
      ASSIGN_OR_RETURN(OnlineWriteStats stats, store->Write(views[v]->view_key, writes[v]));
      result.views.push_back({views[v]->view->name, stats});
    }
  }
  return result;
}

}  // namespace strata::features
