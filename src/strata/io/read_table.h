// The one way to read a table from a path: the format comes from the file name's extension.
#ifndef STRATA_IO_READ_TABLE_H_
#define STRATA_IO_READ_TABLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "strata/io/csv_reader.h"
#include "strata/table/table.h"

namespace strata::io {

enum class FileFormat { kCsv, kTsv, kParquet, kJsonLines };

// .csv, .tsv, .parquet/.pq, .jsonl/.ndjson (case-insensitive).
// Errors: INVALID_ARGUMENT naming the extension and the known ones.
absl::StatusOr<FileFormat> FormatFromPath(const std::string& path);

// Reads `path` in the format its extension names; `csv` applies to CSV (and TSV, whose
// delimiter is a tab); Parquet reads every column with ReadParquetFile's defaults.
// Errors: those of the reader.
absl::StatusOr<table::Table> ReadTable(const std::string& path, const CsvOptions& csv = {});

}  // namespace strata::io

#endif  // STRATA_IO_READ_TABLE_H_
