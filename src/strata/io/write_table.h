// The one way to write a table to a path: the format comes from the file name's extension,
// as for io::ReadTable. Every writer goes through a temporary file renamed into place, so a
// failed write never leaves a partial file behind.
#ifndef STRATA_IO_WRITE_TABLE_H_
#define STRATA_IO_WRITE_TABLE_H_

#include <string>

#include "absl/status/status.h"
#include "strata/io/csv_writer.h"
#include "strata/io/json_lines.h"
#include "strata/io/parquet_writer.h"
#include "strata/table/table.h"

namespace strata::io {

struct WriteOptions {
  CsvWriteOptions csv;  // CSV and TSV (whose delimiter is a tab)
  JsonLinesWriteOptions json_lines;
  ParquetWriteOptions parquet;
};

// .csv, .tsv, .jsonl/.ndjson, .parquet/.pq. Errors: INVALID_ARGUMENT for an unknown extension; those of
// the writer.
absl::Status WriteTable(const std::string& path, const table::Table& table,
                        const WriteOptions& options = {});

}  // namespace strata::io

#endif  // STRATA_IO_WRITE_TABLE_H_
