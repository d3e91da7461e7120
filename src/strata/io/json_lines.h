// JSON lines (one JSON object per line, also called NDJSON) to and from typed tables.
//
// Reading: the columns are the union of the objects' keys in order of first appearance; a key
// missing from an object is null there. A column's type follows its values: all integers ->
// int64, numbers -> float64, booleans -> bool, strings -> string (or timestamp when every
// string is an ISO 8601 date/date-time, as for CSV), JSON null -> null. Mixed kinds (a
// number and a string in one column) become strings holding each value's JSON text; nested
// objects and arrays are kept as their compact JSON text in a string column. Integers beyond
// int64 are read as float64. Blank lines are skipped. Errors name the line and byte offset.
//
// Writing: one object per row, keys in column order, nulls as JSON null. float64 NaN and
// infinities have no JSON form and are written as null; timestamps as
// "YYYY-MM-DD HH:MM:SS[.ffffff]" strings (UTC), which read back as timestamps.
#ifndef STRATA_IO_JSON_LINES_H_
#define STRATA_IO_JSON_LINES_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/table/table.h"

namespace strata::io {

absl::StatusOr<table::Table> ReadJsonLines(std::string_view data);
absl::StatusOr<table::Table> ReadJsonLinesFile(const std::string& path);

struct JsonLinesWriteOptions {
  int threads = 0;  // 0 = one per hardware thread
};

absl::StatusOr<std::string> WriteJsonLines(const table::Table& table,
                                           const JsonLinesWriteOptions& options = {});
// Through a temporary file renamed into place: a failed write leaves `path` as it was.
absl::Status WriteJsonLinesFile(const std::string& path, const table::Table& table,
                                const JsonLinesWriteOptions& options = {});

}  // namespace strata::io

#endif  // STRATA_IO_JSON_LINES_H_
