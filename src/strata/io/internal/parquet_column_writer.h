// Encodes one column chunk (one column's rows of one row group) into Parquet pages: an
// optional dictionary page, then data pages (v1 or v2) of at most about `data_page_size`
// bytes before compression, each with a page header, optional CRC and statistics. The
// footer's ColumnMetaData for the chunk comes back alongside the bytes.
//
// Every column is written OPTIONAL (max definition level 1, no repetition), so the encoder
// always writes definition levels.
//
// Thread-safety: EncodeColumnChunk is thread-safe (the writer calls it for several columns at
// once); its input column must not change meanwhile (columns are immutable).
#ifndef STRATA_IO_INTERNAL_PARQUET_COLUMN_WRITER_H_
#define STRATA_IO_INTERNAL_PARQUET_COLUMN_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/io/internal/parquet_format.h"
#include "strata/io/internal/thrift_writer.h"
#include "strata/table/column.h"

namespace strata::io::parquet {

struct ColumnChunkOptions {
  CompressionCodec codec = CompressionCodec::kZstd;
  int compression_level = 0;
  int64_t data_page_size = 1 << 20;
  bool dictionary = true;
  int data_page_version = 1;
  bool write_statistics = true;
  bool page_checksums = false;
};

// Statistics with min/max in the PLAIN encoding of the column's physical type (raw bytes for
// BYTE_ARRAY). Min/max are absent when there is no non-null, non-NaN value, or when a string
// bound is longer than kMaxStatisticsValueBytes.
struct EncodedStatistics {
  int64_t null_count = 0;
  bool has_min_max = false;
  std::string min_value;
  std::string max_value;
};
inline constexpr size_t kMaxStatisticsValueBytes = 4096;

struct EncodedColumnChunk {
  // The pages in file order, each a header followed by its (compressed) body. One buffer a
  // page, sized exactly, so a chunk holds no growth slack while it waits to be written.
  std::vector<std::string> pages;
  int64_t total_compressed_size = 0;  // bytes of all pages
  // Offsets from the chunk's first byte; the writer adds the chunk's position in the file.
  int64_t dictionary_page_offset = -1;  // -1: no dictionary page
  int64_t data_page_offset = 0;
  // Page headers plus uncompressed page bodies, as ColumnMetaData wants it.
  int64_t total_uncompressed_size = 0;
  int64_t num_values = 0;
  std::vector<Encoding> encodings;
  EncodedStatistics statistics;
};

// The physical type Strata writes for `type` (category as BYTE_ARRAY).
PhysicalType PhysicalTypeFor(table::DataType type);

// Encodes all rows of `column` (a row group's slice; at least one row) as one chunk.
// Errors: INVALID_ARGUMENT when a page would pass Parquet's 2 GiB page limit; the codec's
// errors (UNIMPLEMENTED for a codec Strata cannot write).
absl::StatusOr<EncodedColumnChunk> EncodeColumnChunk(const table::Column& column,
                                                     const ColumnChunkOptions& options);

// A Statistics struct (parquet.thrift) as field `field_id` of the struct being written:
// null_count, min_value and max_value (the typed, sort-order-aware fields 3, 5, 6).
void WriteStatisticsField(int16_t field_id, const EncodedStatistics& statistics,
                          thrift::CompactWriter* writer);

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_PARQUET_COLUMN_WRITER_H_
