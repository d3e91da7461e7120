// Parquet's footer and page headers (parquet.thrift), decoded from Thrift compact bytes.
// Only the fields the reader uses are kept; unknown fields are skipped, so files from newer
// writers still read. Optional Thrift fields carry a has_ flag where absence matters.
#ifndef STRATA_IO_INTERNAL_PARQUET_METADATA_H_
#define STRATA_IO_INTERNAL_PARQUET_METADATA_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/io/internal/parquet_format.h"

namespace strata::io::parquet {

enum class TimeUnit { kNone, kMillis, kMicros, kNanos };

// The LogicalType union, flattened. kind is the union's field id (0 = absent).
struct LogicalType {
  enum Kind : int16_t {
    kAbsent = 0,
    kString = 1,
    kMap = 2,
    kList = 3,
    kEnum = 4,
    kDecimal = 5,
    kDate = 6,
    kTime = 7,
    kTimestamp = 8,
    kInteger = 10,
    kUnknown = 11,  // always-null column
    kJson = 12,
    kBson = 13,
    kUuid = 14,
    kFloat16 = 15,
  };
  int16_t kind = kAbsent;  // may hold an id this reader does not know
  int32_t decimal_scale = 0;
  int32_t decimal_precision = 0;
  TimeUnit unit = TimeUnit::kNone;  // kTime, kTimestamp
  bool adjusted_to_utc = false;
  int32_t bit_width = 0;  // kInteger
  bool is_signed = true;  // kInteger
};

struct SchemaElement {
  bool has_type = false;  // leaves have a physical type, groups do not
  PhysicalType type = PhysicalType::kBoolean;
  int32_t type_length = 0;
  bool has_repetition = false;
  Repetition repetition = Repetition::kRequired;
  std::string name;
  int32_t num_children = 0;
  bool has_converted_type = false;
  ConvertedType converted_type = ConvertedType::kUtf8;
  int32_t scale = 0;
  int32_t precision = 0;
  LogicalType logical_type;
};

struct Statistics {
  bool has_min = false;
  bool has_max = false;
  std::string min;  // min_value, else the deprecated min
  std::string max;
  bool has_null_count = false;
  int64_t null_count = 0;
  bool has_distinct_count = false;
  int64_t distinct_count = 0;
};

struct ColumnMetaData {
  PhysicalType type = PhysicalType::kBoolean;
  std::vector<Encoding> encodings;
  std::vector<std::string> path_in_schema;
  CompressionCodec codec = CompressionCodec::kUncompressed;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  bool has_dictionary_page_offset = false;
  int64_t dictionary_page_offset = 0;
  bool has_statistics = false;
  Statistics statistics;
  // encoding_stats: whether any data page is not dictionary-encoded (when the stats exist).
  bool has_encoding_stats = false;
  bool all_data_pages_dictionary = false;
};

struct ColumnChunk {
  std::string file_path;  // set when the chunk lives in another file (not supported)
  bool has_meta_data = false;
  ColumnMetaData meta_data;
  bool encrypted = false;  // crypto_metadata or encrypted_column_metadata present
};

struct RowGroup {
  std::vector<ColumnChunk> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
};

struct FileMetaData {
  int32_t version = 0;
  std::vector<SchemaElement> schema;
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::string created_by;
  bool encrypted = false;  // encryption_algorithm present (plaintext-footer encryption)
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  Encoding definition_level_encoding = Encoding::kRle;
  Encoding repetition_level_encoding = Encoding::kRle;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  bool has_crc = false;
  uint32_t crc = 0;
  bool has_data_page_header = false;
  DataPageHeader data_page_header;
  bool has_dictionary_page_header = false;
  DictionaryPageHeader dictionary_page_header;
  bool has_data_page_header_v2 = false;
  DataPageHeaderV2 data_page_header_v2;
};

// Decodes the footer's FileMetaData. `base_offset` is the footer's file offset, for errors.
absl::StatusOr<FileMetaData> DecodeFileMetaData(std::string_view bytes, int64_t base_offset);

// Decodes one page header at the start of `bytes`; *header_size receives its length.
absl::StatusOr<PageHeader> DecodePageHeader(std::string_view bytes, int64_t base_offset,
                                            size_t* header_size);

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_PARQUET_METADATA_H_
