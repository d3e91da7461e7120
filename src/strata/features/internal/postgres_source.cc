// Reading a PostgreSQL feature source with one windowed query.
#include "strata/features/internal/postgres_source.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/store/database.h"

namespace strata::features::internal {
namespace {

using table::DataType;

std::string Quote(const std::string& identifier) {
  return absl::StrCat("\"", absl::StrReplaceAll(identifier, {{"\"", "\"\""}}), "\"");
}

std::string Micros(const std::string& quoted) {
  return absl::StrCat("CAST(EXTRACT(EPOCH FROM ", quoted, ") * 1000000 AS BIGINT)");
}

}  // namespace

absl::StatusOr<std::vector<table::Column>> ReadPostgresSource(
    const std::string& connection_string, const DataSource& source,
    const std::vector<PostgresColumn>& columns, int64_t start_micros, int64_t end_micros) {
  if (connection_string.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "source '", source.name, "': offline_store has no connection_string for PostgreSQL"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db,
                   store::Database::Open(connection_string, {1, 30000}));
  if (db->backend() != store::Backend::kPostgres) {
    return absl::InvalidArgumentError(absl::StrCat(
        "source '", source.name, "': offline_store connection_string is not PostgreSQL"));
  }
  std::vector<std::string> select;
  for (const PostgresColumn& c : columns) {
    std::string q = Quote(c.name);
    select.push_back(c.type == DataType::kTimestamp ? Micros(q) : q);
  }
  std::string from = source.table.empty() ? absl::StrCat("(", source.query, ")")
                                          : Quote(source.table);
  std::string sql = absl::StrCat("SELECT ", absl::StrJoin(select, ", "), " FROM ", from,
                                 " AS strata_src WHERE ", Micros(Quote(source.timestamp_field)),
                                 " BETWEEN ? AND ?");
  std::vector<std::unique_ptr<table::ColumnBuilder>> builders;
  for (const PostgresColumn& c : columns) {
    // Text comes back for strings; a category is read as strings (the types are interchangeable).
    DataType type = c.type == DataType::kCategory ? DataType::kString : c.type;
    builders.push_back(std::make_unique<table::ColumnBuilder>(type));
  }
  int64_t row_number = 0;
  absl::Status bad;
  absl::Status s = db->Read([&](store::Connection& conn) -> absl::Status {
    return conn.ForEach(sql, {store::Value(start_micros), store::Value(end_micros)},
                        [&](const store::Row& row) {
      for (size_t i = 0; i < columns.size(); ++i) {
        table::ColumnBuilder& b = *builders[i];
        if (row.IsNull(i)) {
          b.AppendNull();
          continue;
        }
        const store::Value& v = row.value(i);
        switch (columns[i].type) {
          case DataType::kBool:
          case DataType::kInt64:
          case DataType::kTimestamp:
            if (!std::holds_alternative<int64_t>(v)) {
              bad = absl::InvalidArgumentError(absl::StrCat(
                  "source '", source.name, "': row ", row_number, " column '", columns[i].name,
                  "' is not an integer (expected ", AsAbsl(table::DataTypeName(columns[i].type)), ")"));
              return false;
            }
            if (columns[i].type == DataType::kBool) {
              b.AppendBool(std::get<int64_t>(v) != 0);
            } else {
              b.AppendInt64(std::get<int64_t>(v));
            }
            break;
          case DataType::kFloat64:
            if (std::holds_alternative<std::string>(v)) {
              bad = absl::InvalidArgumentError(absl::StrCat(
                  "source '", source.name, "': row ", row_number, " column '", columns[i].name,
                  "' is not a number"));
              return false;
            }
            b.AppendFloat64(row.GetDouble(i));
            break;
          case DataType::kString:
          case DataType::kCategory:
            b.AppendString(row.GetString(i));
            break;
        }
      }
      ++row_number;
      return true;
    });
  });
  if (!s.ok()) {
    return absl::Status(s.code(), absl::StrCat("source '", source.name, "': ", s.message()));
  }
  if (!bad.ok()) return bad;
  std::vector<table::Column> out;
  for (auto& b : builders) out.push_back(b->Finish());
  return out;
}

}  // namespace strata::features::internal
