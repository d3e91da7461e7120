#include "strata/io/write_table.h"

#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/io/read_table.h"

namespace strata::io {

absl::Status WriteTable(const std::string& path, const table::Table& table,
                        const WriteOptions& options) {
  ASSIGN_OR_RETURN(FileFormat format, FormatFromPath(path));
  switch (format) {
    case FileFormat::kCsv:
      return WriteCsvFile(path, table, options.csv);
    case FileFormat::kTsv: {
      CsvWriteOptions tsv = options.csv;
      tsv.delimiter = '\t';
      return WriteCsvFile(path, table, tsv);
    }
    case FileFormat::kJsonLines:
      return WriteJsonLinesFile(path, table, options.json_lines);
    case FileFormat::kParquet:
      return WriteParquetFile(path, table, options.parquet);
  }
  return absl::InternalError("unknown format");
}

}  // namespace strata::io
