// Reading a PostgreSQL feature source (a table or a query) over a materialization window.
#ifndef STRATA_FEATURES_INTERNAL_POSTGRES_SOURCE_H_
#define STRATA_FEATURES_INTERNAL_POSTGRES_SOURCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/features/definitions.h"
#include "strata/table/column.h"

namespace strata::features::internal {

struct PostgresColumn {
  std::string name;  // the source's column name
  table::DataType type = table::DataType::kFloat64;
};

// One query: SELECT the columns FROM (the table or the source's query) WHERE the timestamp
// field lies in [start, end] (the timestamp field is columns[i] of type kTimestamp named
// source.timestamp_field). Timestamp columns must be PostgreSQL timestamp or timestamptz
// (read as µs since the epoch; a timestamp without time zone is taken as UTC).
// Errors: INVALID_ARGUMENT for an empty connection string; the database's errors (naming the
// source); INVALID_ARGUMENT for a value of the wrong type (naming row and column).
absl::StatusOr<std::vector<table::Column>> ReadPostgresSource(
    const std::string& connection_string, const DataSource& source,
    const std::vector<PostgresColumn>& columns, int64_t start_micros, int64_t end_micros);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_POSTGRES_SOURCE_H_
