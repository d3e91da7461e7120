// CSV to a typed table: RFC 4180 (quoted fields with "" escapes and embedded delimiters and
// newlines, CRLF or LF line ends), a configurable delimiter, header and null tokens, and type
// inference per column (int64, float64, bool, timestamp, else string) with overrides.
//
// Inference: a column is the first of int64, float64, bool, timestamp that every non-null
// cell parses as; a column of only nulls is string. Timestamps are ISO 8601 dates or
// date-times ("2024-03-01", "2024-03-01 12:30:00", "2024-03-01T12:30:00.25Z",
// "...+02:00"), stored as microseconds since the epoch, UTC. bool is true/false in any case.
// A quoted cell is never a null token ("" quoted is an empty string).
//
// Errors name the line (1-based, physical lines: a quoted newline counts) and the column:
// ragged rows, unterminated quotes, invalid UTF-8, a value that does not parse as its
// overridden type. Nothing is skipped silently.
//
// Reading: the body is cut at row boundaries into chunks that threads parse in parallel
// straight into typed buffers. Types are inferred from a sample of the first rows (about
// 256 KiB); a later value that does not fit widens that column, which is then parsed again,
// so the result is the same as inferring over every row. ReadCsvFile maps the file and drops
// parsed pages, so peak memory stays near the table's own size.
//
// Thread-safety: the functions are thread-safe.
#ifndef STRATA_IO_CSV_READER_H_
#define STRATA_IO_CSV_READER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "strata/table/table.h"

namespace strata::io {

struct CsvOptions {
  char delimiter = ',';
  // Without a header the columns are named "column0", "column1", ...
  bool header = true;
  // Unquoted cells equal to one of these are null.
  std::vector<std::string> null_tokens = {"", "NA", "N/A", "null", "NULL"};
  // Column name -> type, instead of inference.
  absl::flat_hash_map<std::string, table::DataType> column_types;
  // Parser threads; 0 = one per hardware thread.
  int threads = 0;
};

// Errors: INVALID_ARGUMENT with "line N" (and the column) for malformed input.
absl::StatusOr<table::Table> ReadCsv(std::string_view data, const CsvOptions& options = {});

// Errors: as ReadCsv, prefixed with the path; NOT_FOUND / UNAVAILABLE when the file cannot be
// read.
absl::StatusOr<table::Table> ReadCsvFile(const std::string& path, const CsvOptions& options = {});

// Parses an ISO 8601 date or date-time as above into microseconds since the epoch (UTC).
bool ParseTimestampMicros(std::string_view text, int64_t* micros);

// "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC) for microseconds since the epoch; the inverse of
// ParseTimestampMicros for its UTC forms.
std::string FormatTimestampMicros(int64_t micros);

}  // namespace strata::io

#endif  // STRATA_IO_CSV_READER_H_
