// Query results out of the CLI: CSV (RFC 4180) and JSON lines.
//
// TEMPORARY: io/ has no writer yet (io::WriteCsv / io::WriteTable in io/csv_writer.h is being
// written). These minimal writers serve `strata data sql --out/--json` until it lands; then
// WriteResultFile should become a call to io::WriteTable.
#ifndef STRATA_CLI_INTERNAL_RESULT_WRITER_H_
#define STRATA_CLI_INTERNAL_RESULT_WRITER_H_

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "strata/table/table.h"

namespace strata::cli {

// CSV: a header line, then one line per row ending in "\n". Fields holding the delimiter, a
// quote, CR or LF are quoted with "" escapes; nulls are empty fields and empty strings are
// quoted ("") so io::ReadCsv reads them back as they were. Floats are the shortest text that
// reads back as the same double; timestamps are "YYYY-MM-DD HH:MM:SS[.ffffff]"; bools
// true/false.
std::string FormatCsv(const table::Table& table, char delimiter = ',');

// One JSON object per row, keys in column order; nulls and non-finite floats are null,
// timestamps ISO 8601 strings, bools true/false.
std::string FormatJsonLine(const table::Table& table, int64_t row);

// Writes `table` to `path` in the format its extension names: .csv, .tsv, .jsonl/.ndjson.
// Errors: INVALID_ARGUMENT for another extension, UNIMPLEMENTED for .parquet (no writer yet),
// UNAVAILABLE when the file cannot be written (naming the path and the reason).
absl::Status WriteResultFile(const table::Table& table, const std::string& path);

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_RESULT_WRITER_H_
