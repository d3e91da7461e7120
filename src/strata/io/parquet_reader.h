// Parquet files to typed tables: flat schemas (every column a leaf of the root, required or
// optional), the format's encodings and codecs, data pages v1 and v2, page checksums, and
// several row groups decoded in parallel.
//
// Types (physical / annotation -> Strata):
//   BOOLEAN -> bool; INT32, INT64 (signed or unsigned) -> int64 (a UINT64 value above
//   INT64_MAX is an error); FLOAT, DOUBLE -> float64;
//   TIMESTAMP (millis, micros, nanos; logical or converted type) and INT96 -> timestamp (µs,
//   UTC; nanoseconds truncate toward the past); DATE -> timestamp at midnight UTC;
//   TIME -> int64 µs of the day; DECIMAL (on INT32, INT64, BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY)
//   -> float64 (unscaled / 10^scale, so precision beyond ~15 digits is rounded);
//   FLOAT16 (FIXED_LEN_BYTE_ARRAY(2)) -> float64; BYTE_ARRAY (UTF8/STRING/ENUM/JSON or none)
//   and other FIXED_LEN_BYTE_ARRAY (UUID, INTERVAL, binary) -> string holding the raw bytes.
//   Dictionary-encoded strings are read as string, not category (Column::ToCategory() is one
//   call away when wanted).
//
// Not supported, with errors that say so: nested schemas (a group other than the root, or a
// repeated field): UNIMPLEMENTED "unsupported: nested type (column 'a.b')" unless the option
// `columns` leaves them out; encrypted files: UNIMPLEMENTED "unsupported: encryption"; LZO;
// column chunks stored in other files.
//
// Errors are INVALID_ARGUMENT for malformed input (DATA_LOSS for a page checksum mismatch,
// RESOURCE_EXHAUSTED when headers claim more than the file can plausibly expand to), each
// naming the byte offset, or the row group, column and page.
//
// Thread-safety: the functions are thread-safe; each read uses up to `threads` threads.
#ifndef STRATA_IO_PARQUET_READER_H_
#define STRATA_IO_PARQUET_READER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/table/table.h"

namespace strata::io {

struct ParquetReadOptions {
  // Columns to read, in this order; empty = all.
  std::vector<std::string> columns;
  // Threads decoding column chunks; 0 = the hardware's.
  int threads = 0;
  // Check the CRC32 of pages that carry one.
  bool verify_page_checksums = true;
};

// Errors: as above; NOT_FOUND / UNAVAILABLE when the file cannot be read; NOT_FOUND for a
// requested column that is not in the file. Messages start with the path.
absl::StatusOr<table::Table> ReadParquetFile(const std::string& path,
                                             const ParquetReadOptions& options = {});

absl::StatusOr<table::Table> ReadParquet(std::string_view file_bytes,
                                         const ParquetReadOptions& options = {});

struct ParquetColumnInfo {
  std::string path;           // dotted path of the leaf
  std::string physical_type;  // "INT32", "BYTE_ARRAY", ...
  std::string annotation;     // logical / converted type, e.g. "TIMESTAMP(MICROS)", or ""
  bool optional = false;
  // The Strata type it reads as, when readable; else why not ("unsupported: nested type").
  bool readable = false;
  table::DataType type = table::DataType::kInt64;
  std::string unsupported;
};

struct ParquetColumnChunkInfo {
  std::string codec;                   // "SNAPPY", ...
  std::vector<std::string> encodings;  // "PLAIN", "RLE_DICTIONARY", ...
  int64_t num_values = 0;
  int64_t compressed_size = 0;
  int64_t uncompressed_size = 0;
  bool has_min_max = false;
  std::string min;  // as text, in the column's Strata type
  std::string max;
  bool has_null_count = false;
  int64_t null_count = 0;
};

struct ParquetRowGroupInfo {
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;
  std::vector<ParquetColumnChunkInfo> columns;  // one per leaf, in schema order
};

struct ParquetFileInfo {
  int32_t version = 0;
  std::string created_by;
  int64_t num_rows = 0;
  std::vector<ParquetColumnInfo> columns;  // leaves
  std::vector<ParquetRowGroupInfo> row_groups;

  // A multi-line description: the leaves, then per row group each chunk's codec, encodings
  // and statistics.
  std::string ToString() const;
};

// The footer only (no pages are read). Errors: malformed footers, encryption.
absl::StatusOr<ParquetFileInfo> ReadParquetInfo(std::string_view file_bytes);
absl::StatusOr<ParquetFileInfo> ReadParquetFileInfo(const std::string& path);

}  // namespace strata::io

#endif  // STRATA_IO_PARQUET_READER_H_
