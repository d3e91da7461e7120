#include "strata/io/read_table.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/io/json_lines.h"
#include "strata/io/parquet_reader.h"

namespace strata::io {

absl::StatusOr<FileFormat> FormatFromPath(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  const std::string ext = (dot == std::string::npos || (slash != std::string::npos && dot < slash))
                              ? ""
                              : absl::AsciiStrToLower(path.substr(dot + 1));
  if (ext == "csv") return FileFormat::kCsv;
  if (ext == "tsv") return FileFormat::kTsv;
  if (ext == "parquet" || ext == "pq") return FileFormat::kParquet;
  if (ext == "jsonl" || ext == "ndjson") return FileFormat::kJsonLines;
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": cannot tell the format from the extension '", ext,
      "' (known: .csv, .tsv, .parquet, .pq, .jsonl, .ndjson)"));
}

absl::StatusOr<table::Table> ReadTable(const std::string& path, const CsvOptions& csv) {
  ASSIGN_OR_RETURN(FileFormat format, FormatFromPath(path));
  switch (format) {
    case FileFormat::kCsv:
      return ReadCsvFile(path, csv);
    case FileFormat::kTsv: {
      CsvOptions tsv = csv;
      tsv.delimiter = '\t';
      return ReadCsvFile(path, tsv);
    }
    case FileFormat::kParquet:
      return ReadParquetFile(path);
    case FileFormat::kJsonLines:
      return ReadJsonLinesFile(path);
  }
  return absl::InternalError("unknown format");
}

}  // namespace strata::io
