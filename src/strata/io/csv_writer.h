// A typed table to CSV (RFC 4180), readable back by io::ReadCsv to the same values and types.
//
// Quoting: a field is quoted when it holds the delimiter, a quote, CR or LF, when it is an
// empty string, or when it equals a null token of the reader's defaults ("NA", "null", ...):
// so an empty or "NA" string reads back as a string, not as null. Nulls are written as
// `null_token` (default empty; "NA" in a one-column table, where an empty line would be
// skipped on reading). float64 uses the shortest text that reads back to the same
// double; NaN and infinities are "nan", "inf", "-inf". Timestamps are
// "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC), bool true/false, category as its string.
//
// Rows are formatted in blocks on several threads and written in order.
#ifndef STRATA_IO_CSV_WRITER_H_
#define STRATA_IO_CSV_WRITER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/table/table.h"

namespace strata::io {

struct CsvWriteOptions {
  char delimiter = ',';
  bool header = true;
  std::string null_token;
  int threads = 0;  // 0 = one per hardware thread
};

absl::StatusOr<std::string> WriteCsv(const table::Table& table, const CsvWriteOptions& options = {});

// Writes through a temporary file renamed into place: a failed write leaves `path` as it was.
absl::Status WriteCsvFile(const std::string& path, const table::Table& table,
                          const CsvWriteOptions& options = {});

}  // namespace strata::io

#endif  // STRATA_IO_CSV_WRITER_H_
