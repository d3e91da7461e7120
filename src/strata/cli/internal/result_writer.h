// Query results out of the CLI: files through io::WriteTable, JSON lines rows for --json.
#ifndef STRATA_CLI_INTERNAL_RESULT_WRITER_H_
#define STRATA_CLI_INTERNAL_RESULT_WRITER_H_

#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "strata/table/table.h"

namespace strata::cli {


// One JSON object per row, keys in column order; nulls and non-finite floats are null,
// timestamps ISO 8601 strings, bools true/false.
std::string FormatJsonLine(const table::Table& table, int64_t row);

// Writes `table` to `path` in the format its extension names (io::WriteTable: .csv, .tsv,
// .jsonl/.ndjson, .parquet). Errors: those of io::WriteTable.
absl::Status WriteResultFile(const table::Table& table, const std::string& path);

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_RESULT_WRITER_H_
