// Reads one column chunk of a flat Parquet column: walks its pages (dictionary, data v1 and
// v2), verifies page CRCs, decompresses, decodes levels and values and converts them to the
// Strata type the column maps to, straight into table::ColumnBuffers.
//
// Thread-safety: ReadColumnChunk is thread-safe (distinct chunks may be read in parallel);
// the shared DecodeBudget is atomic.
#ifndef STRATA_IO_INTERNAL_PARQUET_COLUMN_READER_H_
#define STRATA_IO_INTERNAL_PARQUET_COLUMN_READER_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "strata/io/internal/parquet_format.h"
#include "strata/io/internal/parquet_metadata.h"
#include "strata/table/column.h"

namespace strata::io::parquet {

// How a leaf's physical values become a Strata column.
enum class Conversion {
  kBool,             // BOOLEAN -> bool
  kInt,              // INT32 / INT64 (signed) -> int64
  kUInt32,           // INT32 holding unsigned values -> int64
  kUInt64,           // INT64 holding unsigned values -> int64; > INT64_MAX is an error
  kDate,             // INT32 days since the epoch -> timestamp at midnight UTC
  kTimeMillis,       // INT32 time of day in ms -> int64 µs
  kTimeMicros,       // INT64 time of day in µs -> int64 µs
  kTimeNanos,        // INT64 time of day in ns -> int64 µs (truncated)
  kTimestampMillis,  // INT64 -> timestamp µs
  kTimestampMicros,
  kTimestampNanos,   // truncated toward negative infinity to µs
  kInt96Timestamp,   // INT96 (nanos of day, Julian day) -> timestamp µs
  kFloat,            // FLOAT / DOUBLE -> float64
  kDecimalInt,       // INT32 / INT64 unscaled -> float64
  kDecimalBytes,     // BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY big-endian two's complement -> float64
  kFloat16,          // FIXED_LEN_BYTE_ARRAY(2) IEEE half -> float64
  kBytes,            // BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY -> string (raw bytes)
};

struct LeafPlan {
  std::string name;  // dotted path, for errors
  PhysicalType physical = PhysicalType::kInt32;
  int32_t type_length = 0;  // FIXED_LEN_BYTE_ARRAY width
  table::DataType type = table::DataType::kInt64;
  Conversion conversion = Conversion::kInt;
  int32_t scale = 0;  // decimals
  int16_t max_definition_level = 0;  // 0 required, 1 optional
};

// A cap on what one file may make the reader allocate, shared by its chunks, so a lying
// header cannot demand gigabytes from a few bytes of input (an RLE run can claim 2^31 nulls).
struct DecodeBudget {
  std::atomic<int64_t> values{0};  // values (rows of all chunks) still allowed
  std::atomic<int64_t> bytes{0};   // decompressed bytes still allowed
};

struct ChunkLocation {
  int row_group = 0;
  int column = 0;
};

// Reads the chunk described by `meta` from `file` into buffers of `plan.type` holding
// `num_rows` rows. Errors (INVALID_ARGUMENT, UNIMPLEMENTED for unsupported encodings or
// codecs, DATA_LOSS for a checksum mismatch) name the row group, column, page and byte offset.
absl::StatusOr<table::ColumnBuffers> ReadColumnChunk(std::string_view file,
                                                     const ColumnMetaData& meta,
                                                     const LeafPlan& plan, int64_t num_rows,
                                                     ChunkLocation where, bool verify_checksums,
                                                     DecodeBudget* budget);

// Converts a raw statistics value (PLAIN encoding of the physical type) to text the way the
// column's values print: numbers in decimal, timestamps as µs, bytes as they are.
std::string StatisticText(const LeafPlan& plan, std::string_view raw);

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_PARQUET_COLUMN_READER_H_
