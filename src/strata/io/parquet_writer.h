// Writes a table as an Apache Parquet file that other engines (DuckDB, Arrow, Spark) read.
//
// Schema: flat, one OPTIONAL column per field: bool -> BOOLEAN, int64 -> INT64, float64 ->
// DOUBLE, string -> BYTE_ARRAY (STRING / UTF8), timestamp -> INT64 TIMESTAMP(UTC, MICROS),
// category -> BYTE_ARRAY STRING, dictionary-encoded from its own dictionary. Rows are cut
// into row groups of `row_group_size` rows; each column chunk holds an optional PLAIN
// dictionary page (RLE_DICTIONARY data pages) or PLAIN data pages, definition levels RLE,
// each page compressed with the chosen codec. Strings, and 8-byte values when it pays, are
// dictionary-encoded unless the dictionary would pass 1 MiB; then the chunk is PLAIN.
// Statistics (min/max in the format's PLAIN encoding, null count) go in the column chunk
// metadata and in each data page header; NaN is left out of float min/max.
//
// Columns of a row group are encoded in parallel; one row group's encoded pages are held in
// memory at a time, so memory beyond the table is about one encoded row group.
//
// Thread-safety: the functions are thread-safe; the table is only read.
#ifndef STRATA_IO_PARQUET_WRITER_H_
#define STRATA_IO_PARQUET_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/io/internal/parquet_format.h"
#include "strata/table/table.h"

namespace strata::io {

struct ParquetWriteOptions {
  // "uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4_raw" (see ParseCompressionName).
  std::string compression = "zstd";
  // The codec's own level; 0 = its default (zstd 3, gzip 6, brotli 8, lz4_raw fast).
  int compression_level = 0;
  // Rows per row group (>= 1).
  int64_t row_group_size = 1 << 20;
  // Target bytes per data page before compression (1 .. 1 GiB); a page holds at least one
  // value.
  int64_t data_page_size = 1 << 20;
  // Dictionary-encode strings (and 8-byte values when it pays); false writes PLAIN only.
  bool dictionary = true;
  // 1 (DataPageHeader) or 2 (DataPageHeaderV2: levels stored uncompressed).
  int data_page_version = 1;
  // min/max/null_count per column chunk and per data page.
  bool write_statistics = true;
  // CRC-32 of each page body in its header.
  bool page_checksums = false;
  // Columns encoded at once; 0 = the machine's hardware threads.
  int threads = 0;
};

// The codec named `name` (case-insensitive; "none" = "uncompressed", "lz4" = "lz4_raw").
// Errors: INVALID_ARGUMENT naming the accepted names.
absl::StatusOr<parquet::CompressionCodec> ParseCompressionName(std::string_view name);

// The whole file's bytes. Errors: INVALID_ARGUMENT for bad options (naming the option) or a
// page over Parquet's 2 GiB limit; INTERNAL when a codec fails.
absl::StatusOr<std::string> WriteParquet(const table::Table& table,
                                         const ParquetWriteOptions& options = {});

// Writes to a temporary file beside `path` and renames it over `path`, so a failed write
// never leaves a partial file at `path`. Errors: as WriteParquet; PERMISSION_DENIED,
// NOT_FOUND (missing directory) or UNAVAILABLE naming the path and the system's reason.
absl::Status WriteParquetFile(const std::string& path, const table::Table& table,
                              const ParquetWriteOptions& options = {});

}  // namespace strata::io

#endif  // STRATA_IO_PARQUET_WRITER_H_
