#include "strata/io/parquet_writer.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "strata/io/testing/compact_decoder.h"

#if defined(__SANITIZE_ADDRESS__)
// From the ASan runtime (sanitizer/allocator_interface.h, not installed here).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace strata::io {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;
using table::Field;
using table::Schema;
using table::Table;
using testing::CompactDecoder;
using testing::ThriftValue;

// The FileMetaData of a whole file, after checking the magic at both ends.
ThriftValue Footer(const std::string& file) {
  EXPECT_GE(file.size(), 12u);
  EXPECT_EQ(file.substr(0, 4), "PAR1");
  EXPECT_EQ(file.substr(file.size() - 4), "PAR1");
  uint32_t length = 0;
  std::memcpy(&length, file.data() + file.size() - 8, 4);
  EXPECT_LE(length + 12u, file.size());
  const std::string footer = file.substr(file.size() - 8 - length, length);
  CompactDecoder d(footer);
  ThriftValue v = d.Struct();
  EXPECT_TRUE(d.error.empty()) << d.error;
  EXPECT_EQ(d.position(), footer.size());
  return v;
}

ThriftValue PageHeaderAt(const std::string& file, int64_t offset) {
  CompactDecoder d(std::string_view(file).substr(static_cast<size_t>(offset)));
  ThriftValue v = d.Struct();
  EXPECT_TRUE(d.error.empty()) << d.error;
  return v;
}

Table MixedTable(int rows) {
  ColumnBuilder b(DataType::kBool), i(DataType::kInt64), f(DataType::kFloat64),
      s(DataType::kString), t(DataType::kTimestamp), c(DataType::kCategory);
  for (int r = 0; r < rows; ++r) {
    r % 7 == 3 ? b.AppendNull() : b.AppendBool(r % 2 == 0);
    i.AppendInt64(r * 3 - 10);
    r % 5 == 1 ? f.AppendNull() : f.AppendFloat64(r * 0.5);
    s.AppendString(absl::StrCat("s", r % 13));
    t.AppendInt64(1700000000000000 + r * 1000000LL);
    c.AppendString(r % 2 == 0 ? "even" : "odd");
  }
  absl::StatusOr<Table> table =
      Table::Make(Schema({{"b", DataType::kBool},
                          {"i", DataType::kInt64},
                          {"f", DataType::kFloat64},
                          {"s", DataType::kString},
                          {"t", DataType::kTimestamp},
                          {"c", DataType::kCategory}}),
                  {b.Finish(), i.Finish(), f.Finish(), s.Finish(), t.Finish(), c.Finish()});
  EXPECT_TRUE(table.ok()) << table.status();
  return *table;
}

TEST(WriteParquetTest, SchemaOfEveryType) {
  absl::StatusOr<std::string> file = WriteParquet(MixedTable(20));
  ASSERT_TRUE(file.ok()) << file.status();
  const ThriftValue meta = Footer(*file);
  EXPECT_EQ(meta.F(1).i, 2);
  EXPECT_EQ(meta.F(3).i, 20);
  EXPECT_EQ(meta.F(6).bin.rfind("strata version ", 0), 0u);
  const std::vector<ThriftValue>& schema = meta.F(2).list;
  ASSERT_EQ(schema.size(), 7u);
  EXPECT_EQ(schema[0].F(5).i, 6);  // root's children
  EXPECT_FALSE(schema[0].Has(1));
  const int64_t types[] = {0, 2, 5, 6, 2, 6};  // BOOLEAN INT64 DOUBLE BYTE_ARRAY INT64 BYTE_ARRAY
  const char* names[] = {"b", "i", "f", "s", "t", "c"};
  for (int k = 0; k < 6; ++k) {
    const ThriftValue& e = schema[static_cast<size_t>(k + 1)];
    EXPECT_EQ(e.F(4).bin, names[k]);
    EXPECT_EQ(e.F(1).i, types[k]) << names[k];
    EXPECT_EQ(e.F(3).i, 1) << "OPTIONAL";
  }
  EXPECT_EQ(schema[4].F(6).i, 0);       // UTF8
  EXPECT_TRUE(schema[4].F(10).Has(1));  // LogicalType STRING
  EXPECT_EQ(schema[5].F(6).i, 10);      // TIMESTAMP_MICROS
  const ThriftValue& ts = schema[5].F(10).F(8);
  EXPECT_TRUE(ts.F(1).b);       // isAdjustedToUTC
  EXPECT_TRUE(ts.F(2).Has(2));  // MICROS
  EXPECT_TRUE(schema[6].F(10).Has(1));
  EXPECT_EQ(meta.F(7).list.size(), 6u);  // a column order per column
}

TEST(WriteParquetTest, RowGroupsChunksAndOffsets) {
  ParquetWriteOptions options;
  options.row_group_size = 8;
  const Table t = MixedTable(20);
  absl::StatusOr<std::string> file = WriteParquet(t, options);
  ASSERT_TRUE(file.ok()) << file.status();
  const ThriftValue meta = Footer(*file);
  const std::vector<ThriftValue>& groups = meta.F(4).list;
  ASSERT_EQ(groups.size(), 3u);
  const int64_t group_rows[] = {8, 8, 4};
  int64_t expected_offset = 4;
  for (size_t g = 0; g < groups.size(); ++g) {
    EXPECT_EQ(groups[g].F(3).i, group_rows[g]);
    const std::vector<ThriftValue>& chunks = groups[g].F(1).list;
    ASSERT_EQ(chunks.size(), 6u);
    EXPECT_EQ(groups[g].F(5).i, expected_offset);
    int64_t compressed = 0;
    for (const ThriftValue& chunk : chunks) {
      const ThriftValue& m = chunk.F(3);
      EXPECT_EQ(chunk.F(2).i, expected_offset);
      EXPECT_EQ(m.F(4).i, 6);  // ZSTD
      EXPECT_EQ(m.F(5).i, group_rows[g]);
      const int64_t first_page = m.Has(11) ? m.F(11).i : m.F(9).i;
      EXPECT_EQ(first_page, expected_offset);
      if (m.Has(11)) {
        EXPECT_EQ(PageHeaderAt(*file, m.F(11).i).F(1).i, 2);  // DICTIONARY_PAGE
      }
      EXPECT_EQ(PageHeaderAt(*file, m.F(9).i).F(1).i, 0);  // DATA_PAGE
      expected_offset += m.F(7).i;
      compressed += m.F(7).i;
    }
    EXPECT_EQ(groups[g].F(6).i, compressed);
  }
  // The footer follows the last chunk.
  uint32_t length = 0;
  std::memcpy(&length, file->data() + file->size() - 8, 4);
  EXPECT_EQ(expected_offset + length + 8, static_cast<int64_t>(file->size()));
}

TEST(WriteParquetTest, ChunkStatisticsInTheFooter) {
  ParquetWriteOptions options;
  options.row_group_size = 10;
  absl::StatusOr<std::string> file = WriteParquet(MixedTable(20), options);
  ASSERT_TRUE(file.ok());
  const ThriftValue meta = Footer(*file);
  const ThriftValue& second = meta.F(4).list[1];
  const ThriftValue& ints = second.F(1).list[1].F(3).F(12);
  int64_t min = 0, max = 0;
  std::memcpy(&min, ints.F(6).bin.data(), 8);
  std::memcpy(&max, ints.F(5).bin.data(), 8);
  EXPECT_EQ(min, 10 * 3 - 10);
  EXPECT_EQ(max, 19 * 3 - 10);
  EXPECT_EQ(ints.F(3).i, 0);
  const ThriftValue& floats = second.F(1).list[2].F(3).F(12);
  EXPECT_EQ(floats.F(3).i, 2);  // rows 11 and 16
  const ThriftValue& strings = second.F(1).list[3].F(3).F(12);
  EXPECT_EQ(strings.F(6).bin, "s0");
  EXPECT_EQ(strings.F(5).bin, "s6");  // rows 10..19 hold s10..s12, s0..s6; bytes order
  const ThriftValue& cat = second.F(1).list[5].F(3).F(12);
  EXPECT_EQ(cat.F(6).bin, "even");
  EXPECT_EQ(cat.F(5).bin, "odd");

  options.write_statistics = false;
  file = WriteParquet(MixedTable(20), options);
  ASSERT_TRUE(file.ok());
  EXPECT_FALSE(Footer(*file).F(4).list[0].F(1).list[1].F(3).Has(12));
}

TEST(WriteParquetTest, EveryCodecAndPageVersion) {
  const Table t = MixedTable(500);
  for (const char* codec : {"uncompressed", "snappy", "gzip", "zstd", "brotli", "lz4_raw"}) {
    for (int version : {1, 2}) {
      ParquetWriteOptions options;
      options.compression = codec;
      options.data_page_version = version;
      absl::StatusOr<std::string> file = WriteParquet(t, options);
      ASSERT_TRUE(file.ok()) << codec << ": " << file.status();
      const ThriftValue meta = Footer(*file);
      const ThriftValue& m = meta.F(4).list[0].F(1).list[1].F(3);
      EXPECT_EQ(m.F(4).i, static_cast<int64_t>(*ParseCompressionName(codec)));
      EXPECT_EQ(PageHeaderAt(*file, m.F(9).i).F(1).i, version == 1 ? 0 : 3);
    }
  }
}

TEST(WriteParquetTest, ThreadCountDoesNotChangeTheBytes) {
  const Table t = MixedTable(3000);
  ParquetWriteOptions one;
  one.threads = 1;
  one.row_group_size = 1000;
  ParquetWriteOptions many = one;
  many.threads = 4;
  absl::StatusOr<std::string> a = WriteParquet(t, one);
  absl::StatusOr<std::string> b = WriteParquet(t, many);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(WriteParquetTest, EmptyTables) {
  absl::StatusOr<std::string> file = WriteParquet(Table());
  ASSERT_TRUE(file.ok()) << file.status();
  ThriftValue meta = Footer(*file);
  EXPECT_EQ(meta.F(3).i, 0);
  EXPECT_EQ(meta.F(2).list.size(), 1u);
  EXPECT_EQ(meta.F(2).list[0].F(5).i, 0);
  EXPECT_TRUE(meta.F(4).list.empty());

  file = WriteParquet(MixedTable(0));
  ASSERT_TRUE(file.ok()) << file.status();
  meta = Footer(*file);
  EXPECT_EQ(meta.F(3).i, 0);
  EXPECT_EQ(meta.F(2).list.size(), 7u);
  EXPECT_TRUE(meta.F(4).list.empty());
}

TEST(WriteParquetTest, BadOptionsNameTheOption) {
  ParquetWriteOptions o;
  o.compression = "lzma";
  absl::Status s = WriteParquet(MixedTable(3), o).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "unknown compression 'lzma'")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "snappy, gzip, zstd")) << s;
  o = {};
  o.row_group_size = 0;
  EXPECT_TRUE(
      absl::StrContains(WriteParquet(MixedTable(3), o).status().message(), "row_group_size"));
  o = {};
  o.data_page_size = int64_t{1} << 40;
  EXPECT_TRUE(absl::StrContains(WriteParquet(MixedTable(3), o).status().message(),
                                "data_page_size"));
  o = {};
  o.data_page_version = 3;
  EXPECT_TRUE(
      absl::StrContains(WriteParquet(MixedTable(3), o).status().message(), "data_page_version"));
  o = {};
  o.compression = "snappy";
  o.compression_level = 3;
  EXPECT_TRUE(absl::StrContains(WriteParquet(MixedTable(3), o).status().message(), "no levels"));
  o = {};
  o.compression_level = 99;
  EXPECT_TRUE(absl::StrContains(WriteParquet(MixedTable(3), o).status().message(), "range"));
  EXPECT_EQ(*ParseCompressionName("ZSTD"), parquet::CompressionCodec::kZstd);
  EXPECT_EQ(*ParseCompressionName("none"), parquet::CompressionCodec::kUncompressed);
}

std::string TempDir() {
  char pattern[] = "/tmp/strata-parquet-writer-XXXXXX";
  const char* dir = mkdtemp(pattern);
  EXPECT_NE(dir, nullptr);
  return dir == nullptr ? "/tmp" : dir;
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  closedir(d);
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WriteParquetFileTest, WritesTheSameBytesAndReplacesAtomically) {
  const std::string dir = TempDir();
  const std::string path = dir + "/out.parquet";
  {
    std::ofstream old(path);
    old << "old contents";
  }
  const Table t = MixedTable(100);
  ASSERT_TRUE(WriteParquetFile(path, t).ok());
  EXPECT_EQ(ReadAll(path), *WriteParquet(t));
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"out.parquet"});  // no temporary left
}

TEST(WriteParquetFileTest, FailuresLeaveNothingBehind) {
  const std::string dir = TempDir();
  absl::Status s = WriteParquetFile(dir + "/missing/out.parquet", MixedTable(3));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), dir + "/missing/out.parquet")) << s;

  // The path is a directory: the rename fails and the temporary file is removed.
  ASSERT_EQ(mkdir((dir + "/taken").c_str(), 0755), 0);
  s = WriteParquetFile(dir + "/taken", MixedTable(3));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"taken"});

  // A bad option fails before any file is created, and leaves an existing file alone.
  const std::string path = dir + "/keep.parquet";
  { std::ofstream(path) << "keep"; }
  ParquetWriteOptions bad;
  bad.compression = "nope";
  EXPECT_FALSE(WriteParquetFile(path, MixedTable(3), bad).ok());
  EXPECT_EQ(ReadAll(path), "keep");

  if (geteuid() != 0) {  // root writes anywhere
    ASSERT_EQ(mkdir((dir + "/ro").c_str(), 0555), 0);
    s = WriteParquetFile(dir + "/ro/out.parquet", MixedTable(3));
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  }
  EXPECT_EQ(WriteParquetFile("", MixedTable(3)).code(), absl::StatusCode::kInvalidArgument);
}

// Peak heap growth while `fn` runs. Under ASan freed memory stays resident in its quarantine,
// so the live heap is sampled instead of the RSS high-water mark.
int64_t PeakGrowth(const std::function<void()>& fn) {
#if defined(__SANITIZE_ADDRESS__)
  const int64_t before = static_cast<int64_t>(__sanitizer_get_current_allocated_bytes());
  std::atomic<bool> done{false};
  std::atomic<int64_t> peak{before};
  std::thread sampler([&] {
    while (!done) {
      const int64_t now = static_cast<int64_t>(__sanitizer_get_current_allocated_bytes());
      if (now > peak) peak = now;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  fn();
  done = true;
  sampler.join();
  return peak - before;
#else
  auto status_kib = [](const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(key, 0) == 0) return std::atoll(line.c_str() + std::strlen(key));
    }
    return -1LL;
  };
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM to the current RSS
  const int64_t before = status_kib("VmRSS:");
  fn();
  return (status_kib("VmHWM:") - before) * 1024;
#endif
}

TEST(WriteParquetFileTest, MemoryStaysNearTheEncodedSize) {
  constexpr int kRows = 1000000;
  std::mt19937_64 rng(11);
  ColumnBuilder ids(DataType::kInt64), values(DataType::kFloat64), names(DataType::kString);
  for (int r = 0; r < kRows; ++r) {
    ids.AppendInt64(static_cast<int64_t>(rng() >> 20));
    r % 10 == 0 ? values.AppendNull() : values.AppendFloat64(static_cast<double>(rng()) / 7.0);
    names.AppendString(absl::StrCat("name-", rng() % 100000000));
  }
  absl::StatusOr<Table> t = Table::Make(
      Schema(
          {{"id", DataType::kInt64}, {"value", DataType::kFloat64}, {"name", DataType::kString}}),
      {ids.Finish(), values.Finish(), names.Finish()});
  ASSERT_TRUE(t.ok());
  const std::string path = TempDir() + "/big.parquet";
  ParquetWriteOptions options;
  options.threads = 2;
  absl::Status status;
  const int64_t growth = PeakGrowth([&] { status = WriteParquetFile(path, *t, options); });
  ASSERT_TRUE(status.ok()) << status;
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  const int64_t encoded = static_cast<int64_t>(st.st_size);
  std::printf("peak heap growth %.1f MiB for a %.1f MiB file\n", growth / 1048576.0,
              encoded / 1048576.0);
  // One row group holds every row here, so the whole encoded file is in memory at once.
  EXPECT_LE(growth, 2 * encoded) << "peak growth " << growth << " bytes for " << encoded
                                 << " encoded bytes";
  EXPECT_GT(encoded, 10 << 20);  // the bound means something only for a sizeable file
}

}  // namespace
}  // namespace strata::io
