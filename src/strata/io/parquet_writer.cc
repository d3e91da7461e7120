#include "strata/io/parquet_writer.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "strata/base/parallel.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/base/version.h"
#include "strata/io/internal/parquet_column_writer.h"
#include "strata/io/internal/thrift_writer.h"

namespace strata::io {
namespace {

using parquet::CompressionCodec;
using parquet::EncodedColumnChunk;
using table::DataType;
using thrift::CompactType;

constexpr char kAcceptedCodecs[] = "uncompressed, snappy, gzip, zstd, brotli, lz4_raw";

// Where the file's bytes go: a string (WriteParquet) or a file descriptor.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual absl::Status Append(std::string_view bytes) = 0;
  int64_t position() const { return position_; }

 protected:
  int64_t position_ = 0;
};

class StringSink : public Sink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  absl::Status Append(std::string_view bytes) override {
    out_->append(bytes.data(), bytes.size());
    position_ += static_cast<int64_t>(bytes.size());
    return absl::OkStatus();
  }

 private:
  std::string* out_;
};

class FileSink : public Sink {
 public:
  FileSink(int fd, const std::string& path) : fd_(fd), path_(path) {}
  absl::Status Append(std::string_view bytes) override {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        return absl::ErrnoToStatus(err, absl::StrCat(path_, ": write failed at byte ", position_));
      }
      bytes.remove_prefix(static_cast<size_t>(n));
      position_ += n;
    }
    return absl::OkStatus();
  }

 private:
  int fd_;
  const std::string& path_;
};

// The footer's record of one written column chunk.
struct ChunkRecord {
  EncodedColumnChunk encoded;  // pages released once written
  int64_t file_offset = 0;
  int64_t compressed_size = 0;
};

struct RowGroupRecord {
  std::vector<ChunkRecord> chunks;
  int64_t num_rows = 0;
};

absl::Status ValidateLevel(CompressionCodec codec, int level) {
  if (level == 0) return absl::OkStatus();
  int lo = 0;
  int hi = 0;
  std::string_view name;
  switch (codec) {
    case CompressionCodec::kZstd:
      lo = ZSTD_minCLevel();
      hi = ZSTD_maxCLevel();
      name = "zstd";
      break;
    case CompressionCodec::kGzip:
      lo = 1;
      hi = 9;
      name = "gzip";
      break;
    case CompressionCodec::kBrotli:
      lo = 1;
      hi = 11;
      name = "brotli";
      break;
    case CompressionCodec::kLz4Raw:
      lo = 1;
      hi = 12;
      name = "lz4_raw";
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("compression_level ", level,
                       ": the codec has no levels (levels apply to zstd, gzip, brotli, lz4_raw)"));
  }
  if (level < lo || level > hi) {
    return absl::InvalidArgumentError(absl::StrCat("compression_level ", level, " is outside ",
                                                   AsAbsl(name), "'s range ", lo, "..", hi));
  }
  return absl::OkStatus();
}

absl::StatusOr<parquet::ColumnChunkOptions> ChunkOptionsFrom(const ParquetWriteOptions& o) {
  parquet::ColumnChunkOptions c;
  ASSIGN_OR_RETURN(c.codec, ParseCompressionName(o.compression));
  RETURN_IF_ERROR(ValidateLevel(c.codec, o.compression_level));
  if (o.row_group_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("row_group_size must be at least 1, got ", o.row_group_size));
  }
  // Pages are capped by the format's int32 sizes; 1 GiB keeps the arithmetic far from them.
  if (o.data_page_size < 1 || o.data_page_size > (int64_t{1} << 30)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data_page_size must be between 1 and 1073741824 bytes, got ", o.data_page_size));
  }
  if (o.data_page_version != 1 && o.data_page_version != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_page_version must be 1 or 2, got ", o.data_page_version));
  }
  if (o.threads < 0) {
    return absl::InvalidArgumentError(absl::StrCat("threads must be >= 0, got ", o.threads));
  }
  c.compression_level = o.compression_level;
  c.data_page_size = o.data_page_size;
  c.dictionary = o.dictionary;
  c.data_page_version = o.data_page_version;
  c.write_statistics = o.write_statistics;
  c.page_checksums = o.page_checksums;
  return c;
}

// Encodes every column of rows [first_row, first_row + rows) on up to `threads` threads.
absl::StatusOr<std::vector<EncodedColumnChunk>> EncodeRowGroup(
    const table::Table& t, int64_t first_row, int64_t rows,
    const parquet::ColumnChunkOptions& options, int threads) {
  const int columns = t.num_columns();
  std::vector<absl::StatusOr<EncodedColumnChunk>> results(
      static_cast<size_t>(columns), absl::InternalError("column not encoded"));
  ParallelFor(columns, threads, [&](int64_t c) {
    const table::Column slice = t.column(static_cast<int>(c)).Slice(first_row, rows);
    results[static_cast<size_t>(c)] = parquet::EncodeColumnChunk(slice, options);
  });
  std::vector<EncodedColumnChunk> chunks;
  chunks.reserve(results.size());
  for (int c = 0; c < columns; ++c) {
    absl::StatusOr<EncodedColumnChunk>& r = results[static_cast<size_t>(c)];
    if (!r.ok()) {
      return absl::Status(r.status().code(),
                          absl::StrCat("column '", t.schema().field(c).name, "', rows ", first_row,
                                       "..", first_row + rows - 1, ": ", r.status().message()));
    }
    chunks.push_back(*std::move(r));
  }
  return chunks;
}

void WriteSchemaElement(const table::Field& field, thrift::CompactWriter* w) {
  w->BeginStruct();
  w->FieldI32(1, static_cast<int32_t>(parquet::PhysicalTypeFor(field.type)));
  w->FieldI32(3, static_cast<int32_t>(parquet::Repetition::kOptional));
  w->FieldBinary(4, field.name);
  switch (field.type) {
    case DataType::kString:
    case DataType::kCategory:
      w->FieldI32(6, static_cast<int32_t>(parquet::ConvertedType::kUtf8));
      w->FieldStructBegin(10);  // LogicalType
      w->FieldStructBegin(1);   // STRING
      w->EndStruct();
      w->EndStruct();
      break;
    case DataType::kTimestamp:
      w->FieldI32(6, static_cast<int32_t>(parquet::ConvertedType::kTimestampMicros));
      w->FieldStructBegin(10);  // LogicalType
      w->FieldStructBegin(8);   // TIMESTAMP
      w->FieldBool(1, true);    // isAdjustedToUTC
      w->FieldStructBegin(2);   // unit
      w->FieldStructBegin(2);   // MICROS
      w->EndStruct();
      w->EndStruct();
      w->EndStruct();
      w->EndStruct();
      break;
    case DataType::kBool:
    case DataType::kInt64:
    case DataType::kFloat64:
      break;
  }
  w->EndStruct();
}

void WriteColumnChunk(const table::Field& field, const ChunkRecord& chunk, CompressionCodec codec,
                      bool statistics, thrift::CompactWriter* w) {
  const EncodedColumnChunk& e = chunk.encoded;
  w->BeginStruct();
  w->FieldI64(2, chunk.file_offset);
  w->FieldStructBegin(3);  // ColumnMetaData
  w->FieldI32(1, static_cast<int32_t>(parquet::PhysicalTypeFor(field.type)));
  w->FieldListBegin(2, CompactType::kI32, static_cast<int32_t>(e.encodings.size()));
  for (parquet::Encoding enc : e.encodings) w->I32(static_cast<int32_t>(enc));
  w->FieldListBegin(3, CompactType::kBinary, 1);
  w->Binary(field.name);
  w->FieldI32(4, static_cast<int32_t>(codec));
  w->FieldI64(5, e.num_values);
  w->FieldI64(6, e.total_uncompressed_size);
  w->FieldI64(7, chunk.compressed_size);
  w->FieldI64(9, chunk.file_offset + e.data_page_offset);
  if (e.dictionary_page_offset >= 0) w->FieldI64(11, chunk.file_offset + e.dictionary_page_offset);
  if (statistics) parquet::WriteStatisticsField(12, e.statistics, w);
  w->EndStruct();
  w->EndStruct();
}

std::string SerializeFooter(const table::Table& t, const std::vector<RowGroupRecord>& row_groups,
                            const parquet::ColumnChunkOptions& options) {
  std::string out;
  thrift::CompactWriter w(&out);
  const int columns = t.num_columns();
  w.BeginStruct();
  w.FieldI32(1, 2);  // format version
  w.FieldListBegin(2, CompactType::kStruct, columns + 1);
  w.BeginStruct();  // the root: a group of all columns
  w.FieldBinary(4, "schema");
  w.FieldI32(5, columns);
  w.EndStruct();
  for (const table::Field& f : t.schema().fields()) WriteSchemaElement(f, &w);
  w.FieldI64(3, t.num_rows());
  w.FieldListBegin(4, CompactType::kStruct, static_cast<int32_t>(row_groups.size()));
  for (size_t g = 0; g < row_groups.size(); ++g) {
    const RowGroupRecord& rg = row_groups[g];
    int64_t uncompressed = 0;
    int64_t compressed = 0;
    w.BeginStruct();
    w.FieldListBegin(1, CompactType::kStruct, columns);
    for (int c = 0; c < columns; ++c) {
      const ChunkRecord& chunk = rg.chunks[static_cast<size_t>(c)];
      WriteColumnChunk(t.schema().field(c), chunk, options.codec, options.write_statistics, &w);
      uncompressed += chunk.encoded.total_uncompressed_size;
      compressed += chunk.compressed_size;
    }
    w.FieldI64(2, uncompressed);
    w.FieldI64(3, rg.num_rows);
    if (columns > 0) w.FieldI64(5, rg.chunks[0].file_offset);
    w.FieldI64(6, compressed);
    w.FieldI16(7, static_cast<int16_t>(std::min<size_t>(g, INT16_MAX)));
    w.EndStruct();
  }
  w.FieldBinary(6, absl::StrCat("strata version ", kVersion));
  // Every column's min/max follow its type's order (signed ints, IEEE doubles, bytes).
  w.FieldListBegin(7, CompactType::kStruct, columns);
  for (int c = 0; c < columns; ++c) {
    w.BeginStruct();
    w.FieldStructBegin(1);  // TYPE_ORDER
    w.EndStruct();
    w.EndStruct();
  }
  w.EndStruct();
  return out;
}

absl::Status WriteTo(const table::Table& t, const ParquetWriteOptions& options, Sink* sink) {
  ASSIGN_OR_RETURN(const parquet::ColumnChunkOptions chunk_options, ChunkOptionsFrom(options));
  const int threads = ResolveThreads(options.threads);
  RETURN_IF_ERROR(sink->Append(std::string_view(parquet::kMagic, 4)));
  std::vector<RowGroupRecord> row_groups;
  if (t.num_columns() > 0) {
    for (int64_t first = 0; first < t.num_rows(); first += options.row_group_size) {
      const int64_t rows = std::min(options.row_group_size, t.num_rows() - first);
      ASSIGN_OR_RETURN(std::vector<EncodedColumnChunk> chunks,
                       EncodeRowGroup(t, first, rows, chunk_options, threads));
      RowGroupRecord& rg = row_groups.emplace_back();
      rg.num_rows = rows;
      for (EncodedColumnChunk& e : chunks) {
        ChunkRecord& record = rg.chunks.emplace_back();
        record.file_offset = sink->position();
        record.compressed_size = e.total_compressed_size;
        for (std::string& page : e.pages) {
          RETURN_IF_ERROR(sink->Append(page));
          page = std::string();
        }
        e.pages = {};
        record.encoded = std::move(e);
      }
    }
  }
  const std::string footer = SerializeFooter(t, row_groups, chunk_options);
  RETURN_IF_ERROR(sink->Append(footer));
  const uint32_t footer_length = static_cast<uint32_t>(footer.size());
  char tail[8];
  std::memcpy(tail, &footer_length, 4);
  std::memcpy(tail + 4, parquet::kMagic, 4);
  return sink->Append(std::string_view(tail, sizeof(tail)));
}

// "dir/.name.strata-tmp-PID-N": hidden beside `path`, unique among concurrent writers.
std::string TemporaryPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return absl::StrCat(dir, ".", base, ".strata-tmp-", ::getpid(), "-", counter++);
}

}  // namespace

absl::StatusOr<parquet::CompressionCodec> ParseCompressionName(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(AsAbsl(name));
  if (lower == "uncompressed" || lower == "none") return CompressionCodec::kUncompressed;
  if (lower == "snappy") return CompressionCodec::kSnappy;
  if (lower == "gzip") return CompressionCodec::kGzip;
  if (lower == "zstd") return CompressionCodec::kZstd;
  if (lower == "brotli") return CompressionCodec::kBrotli;
  if (lower == "lz4_raw" || lower == "lz4") return CompressionCodec::kLz4Raw;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown compression '", AsAbsl(name), "' (accepted: ", kAcceptedCodecs, ")"));
}

absl::StatusOr<std::string> WriteParquet(const table::Table& table,
                                         const ParquetWriteOptions& options) {
  std::string out;
  StringSink sink(&out);
  RETURN_IF_ERROR(WriteTo(table, options, &sink));
  return out;
}

absl::Status WriteParquetFile(const std::string& path, const table::Table& table,
                              const ParquetWriteOptions& options) {
  if (path.empty()) return absl::InvalidArgumentError("the output path is empty");
  // Bad options fail before anything touches the file system.
  RETURN_IF_ERROR(ChunkOptionsFrom(options).status());
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp = TemporaryPathFor(path);
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    const int err = errno;
    return absl::ErrnoToStatus(err, absl::StrCat(path, ": cannot create the file"));
  }
  FileSink sink(fd, path);
  absl::Status status = WriteTo(table, options, &sink);
  if (::close(fd) != 0 && status.ok()) {
    const int err = errno;
    status = absl::ErrnoToStatus(err, absl::StrCat(path, ": closing the file failed"));
  }
  if (status.ok() && std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    status = absl::ErrnoToStatus(err, absl::StrCat(path, ": cannot replace the file"));
  }
  if (!status.ok()) ::unlink(temp.c_str());
  return status;
}

}  // namespace strata::io
