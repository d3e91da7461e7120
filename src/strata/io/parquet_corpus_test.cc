// The Apache parquet-testing corpus (../shared/data/parquet-testing): every file in data/
// must read or fail with a clear "unsupported: ..." error (the unsupported ones are listed, so
// a regression either way is caught); several files' values are checked against their
// *_expect.csv / .md descriptions or an independent reader's output; every file in bad_data/
// must be rejected without a crash.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/io/csv_reader.h"
#include "strata/io/parquet_reader.h"

namespace strata::io {
namespace {

namespace fs = std::filesystem;
using table::DataType;
using ::testing::HasSubstr;

// STRATA_SOURCE_DIR/../shared/data/parquet-testing, else the same relative to any ancestor of
// the working directory (ctest runs inside the build tree).
std::string CorpusDir() {
  std::vector<fs::path> roots;
  if (const char* src = std::getenv("STRATA_SOURCE_DIR")) roots.emplace_back(src);
  std::error_code ec;
  for (fs::path p = fs::current_path(ec); !p.empty(); p = p.parent_path()) {
    roots.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (const fs::path& root : roots) {
    const fs::path dir = root / ".." / "shared" / "data" / "parquet-testing";
    if (fs::is_directory(dir / "data", ec)) return dir.lexically_normal().string();
  }
  return "";
}

#define REQUIRE_CORPUS(dir)                                                                  \
  const std::string dir = CorpusDir();                                                       \
  if (dir.empty()) {                                                                         \
    GTEST_SKIP() << "parquet-testing corpus not found (set STRATA_SOURCE_DIR to the repo "  \
                    "root; it must have ../shared/data/parquet-testing)";                    \
  }

// Files of data/ that must fail, and the words their error must carry.
const std::map<std::string, std::string>& ExpectedUnsupported() {
  static const auto* files = new std::map<std::string, std::string>{
      {"datapage_v2.snappy.parquet", "unsupported: nested type (column 'e.list.element')"},
      {"incorrect_map_schema.parquet", "unsupported: nested type"},
      {"large_string_map.brotli.parquet", "unsupported: nested type"},
      {"list_columns.parquet", "unsupported: nested type"},
      {"map_no_value.parquet", "unsupported: nested type"},
      {"nested_lists.snappy.parquet", "unsupported: nested type"},
      {"nested_maps.snappy.parquet", "unsupported: nested type"},
      {"nested_structs.rust.parquet", "unsupported: nested type"},
      {"nonnullable.impala.parquet", "unsupported: nested type"},
      {"null_list.parquet", "unsupported: nested type"},
      {"nullable.impala.parquet", "unsupported: nested type"},
      {"nulls.snappy.parquet", "unsupported: nested type (column 'b_struct.b_c_int')"},
      {"old_list_structure.parquet", "unsupported: nested type"},
      {"repeated_no_annotation.parquet", "unsupported: nested type"},
      {"repeated_primitive_no_list.parquet", "unsupported: nested type"},
      // Corrupt on purpose: a page CRC that does not match.
      {"datapage_v1-corrupt-checksum.parquet", "page checksum mismatch"},
      {"rle-dict-uncompressed-corrupt-checksum.parquet", "page checksum mismatch"},
  };
  return *files;
}

std::string Path(const std::string& dir, const std::string& name) {
  return dir + "/data/" + name;
}

table::Table Read(const std::string& dir, const std::string& name,
                  const ParquetReadOptions& options = {}) {
  absl::StatusOr<table::Table> t = ReadParquetFile(Path(dir, name), options);
  EXPECT_TRUE(t.ok()) << name << ": " << t.status();
  return t.ok() ? *std::move(t) : table::Table();
}

const table::Column& Col(const table::Table& t, const std::string& name) {
  absl::StatusOr<const table::Column*> c = t.ColumnByName(name);
  if (!c.ok()) {
    ADD_FAILURE() << c.status();
    static const table::Column empty;
    return empty;
  }
  return **c;
}

TEST(ParquetCorpusTest, EveryFileReadsOrSaysUnsupported) {
  REQUIRE_CORPUS(dir);
  int read = 0;
  int refused = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(dir + "/data")) {
    if (e.path().extension() != ".parquet") continue;
    const std::string name = e.path().filename().string();
    absl::StatusOr<table::Table> t = ReadParquetFile(e.path().string());
    auto expected = ExpectedUnsupported().find(name);
    if (expected == ExpectedUnsupported().end()) {
      EXPECT_TRUE(t.ok()) << name << ": " << t.status();
      if (t.ok()) {
        ++read;
        absl::StatusOr<ParquetFileInfo> info = ReadParquetFileInfo(e.path().string());
        ASSERT_TRUE(info.ok()) << name << ": " << info.status();
        EXPECT_EQ(info->num_rows, t->num_rows()) << name;
      }
    } else {
      ASSERT_FALSE(t.ok()) << name << " read, but is listed as unsupported";
      EXPECT_THAT(std::string(t.status().message()), HasSubstr(expected->second)) << name;
      EXPECT_THAT(std::string(t.status().message()), HasSubstr(name)) << "the path is named";
      ++refused;
    }
  }
  EXPECT_EQ(refused, static_cast<int>(ExpectedUnsupported().size()));
  EXPECT_GE(read, 40);
}

TEST(ParquetCorpusTest, BadDataIsRejected) {
  REQUIRE_CORPUS(dir);
  int files = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(dir + "/bad_data")) {
    if (e.path().extension() != ".parquet") continue;
    ++files;
    absl::StatusOr<table::Table> t = ReadParquetFile(e.path().string());
    if (e.path().filename() == "ARROW-GH-43605.parquet") {
      // Not malformed: dictionary indexes with RLE bit width 0 (all index 0), which crashed
      // the Go reader (apache/parquet-testing#57); Arrow C++ and DuckDB read 21186 zeros.
      ASSERT_TRUE(t.ok()) << t.status();
      ASSERT_EQ(t->num_rows(), 21186);
      for (int64_t r = 0; r < t->num_rows(); ++r) ASSERT_EQ(t->column(0).Int64s()[r], 0);
      EXPECT_EQ(t->column(0).null_count(), 0);
      continue;
    }
    EXPECT_FALSE(t.ok()) << e.path().filename() << " was accepted";
    if (!t.ok()) {
      EXPECT_FALSE(t.status().message().empty());
    }
  }
  EXPECT_GE(files, 8);
}

TEST(ParquetCorpusTest, AllTypesPlainValues) {
  REQUIRE_CORPUS(dir);
  // Values from Impala's alltypes table (also what DuckDB reads): PLAIN, uncompressed and
  // snappy, dictionary-encoded; INT96 timestamps.
  table::Table t = Read(dir, "alltypes_plain.parquet");
  ASSERT_EQ(t.num_rows(), 8);
  EXPECT_EQ(t.schema().ToString(),
            "id: int64, bool_col: bool, tinyint_col: int64, smallint_col: int64, int_col: int64, "
            "bigint_col: int64, float_col: float64, double_col: float64, date_string_col: string, "
            "string_col: string, timestamp_col: timestamp");
  const std::vector<int64_t> ids = {4, 5, 6, 7, 2, 3, 0, 1};
  const std::vector<std::string> ts = {"2009-03-01 00:00:00", "2009-03-01 00:01:00",
                                       "2009-04-01 00:00:00", "2009-04-01 00:01:00",
                                       "2009-02-01 00:00:00", "2009-02-01 00:01:00",
                                       "2009-01-01 00:00:00", "2009-01-01 00:01:00"};
  for (int64_t r = 0; r < 8; ++r) {
    EXPECT_EQ(Col(t, "id").Int64s()[r], ids[r]);
    EXPECT_EQ(Col(t, "bool_col").Bools()[r], r % 2 == 0);
    EXPECT_EQ(Col(t, "bigint_col").Int64s()[r], r % 2 * 10);
    EXPECT_FLOAT_EQ(Col(t, "float_col").Float64s()[r], r % 2 * 1.1f);
    EXPECT_DOUBLE_EQ(Col(t, "double_col").Float64s()[r], r % 2 * 10.1);
    EXPECT_EQ(Col(t, "string_col").StringAt(r), r % 2 ? "1" : "0");
    EXPECT_EQ(FormatTimestampMicros(Col(t, "timestamp_col").Int64s()[r]), ts[r]);
  }
  EXPECT_EQ(Col(t, "date_string_col").StringAt(2), "04/01/09");

  table::Table snappy = Read(dir, "alltypes_plain.snappy.parquet");
  ASSERT_EQ(snappy.num_rows(), 2);
  EXPECT_EQ(Col(snappy, "id").Int64s()[1], 7);
  EXPECT_EQ(FormatTimestampMicros(Col(snappy, "timestamp_col").Int64s()[1]), "2009-04-01 00:01:00");
  table::Table dict = Read(dir, "alltypes_dictionary.parquet");
  ASSERT_EQ(dict.num_rows(), 2);
  EXPECT_EQ(Col(dict, "id").Int64s()[1], 1);
  EXPECT_EQ(Col(dict, "date_string_col").StringAt(1), "01/01/09");
  EXPECT_EQ(FormatTimestampMicros(Col(dict, "timestamp_col").Int64s()[1]), "2009-01-01 00:01:00");
}

TEST(ParquetCorpusTest, DataPageV2FlatColumns) {
  REQUIRE_CORPUS(dir);
  // Its list column 'e' is nested; the flat ones read when selected.
  ParquetReadOptions options;
  options.columns = {"a", "b", "c", "d"};
  table::Table t = Read(dir, "datapage_v2.snappy.parquet", options);
  ASSERT_EQ(t.num_rows(), 5);
  EXPECT_EQ(t.schema().ToString(), "a: string, b: int64, c: float64, d: bool");
  EXPECT_EQ(Col(t, "a").StringAt(0), "abc");
  EXPECT_TRUE(Col(t, "a").IsNull(3));
  EXPECT_EQ(Col(t, "b").Int64s()[4], 5);
  EXPECT_EQ(Col(t, "c").Float64s()[4], 2);
  EXPECT_EQ(Col(t, "d").Bools()[3], 0);
  EXPECT_EQ(Col(t, "d").Bools()[4], 1);
}

TEST(ParquetCorpusTest, Int96FromSpark) {
  REQUIRE_CORPUS(dir);
  table::Table t = Read(dir, "int96_from_spark.parquet");
  ASSERT_EQ(t.num_rows(), 6);
  // From int96_from_spark.md.
  const std::vector<int64_t> micros = {1704141296123456, 1704070800000000, 253402225200000000,
                                       1735599600000000, 0, 9089380393200000000};
  for (int r = 0; r < 6; ++r) {
    if (r == 4) {
      EXPECT_TRUE(Col(t, "a").IsNull(r));
    } else {
      EXPECT_EQ(Col(t, "a").Int64s()[r], micros[r]) << r;
    }
  }
}

// A cell as text, whatever the column's type (so a CSV's inferred types need not match).
std::string Text(const table::Column& c, int64_t r) {
  switch (c.type()) {
    case DataType::kInt64:
      return std::to_string(c.Int64s()[r]);
    case DataType::kTimestamp:
      return FormatTimestampMicros(c.Int64s()[r]);
    case DataType::kFloat64:
      return std::to_string(c.Float64s()[r]);
    case DataType::kBool:
      return c.Bools()[r] ? "true" : "false";
    default:
      return std::string(c.StringAt(r));
  }
}

// Compares a table with an *_expect.csv cell by cell (an empty cell is null).
void ExpectMatchesCsv(const table::Table& t, const std::string& csv_path) {
  std::ifstream in(csv_path);
  std::stringstream text;
  text << in.rdbuf();
  CsvOptions options;
  options.null_tokens = {""};
  absl::StatusOr<table::Table> expected = ReadCsv(text.str(), options);
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_EQ(expected->num_rows(), t.num_rows()) << csv_path;
  ASSERT_EQ(expected->num_columns(), t.num_columns()) << csv_path;
  for (int c = 0; c < t.num_columns(); ++c) {
    const table::Column& want = expected->column(c);
    const table::Column& got = t.column(c);
    for (int64_t r = 0; r < t.num_rows(); ++r) {
      ASSERT_EQ(got.IsNull(r), want.IsNull(r))
          << csv_path << " column " << t.schema().field(c).name << " row " << r;
      if (want.IsNull(r)) continue;
      ASSERT_EQ(Text(got, r), Text(want, r))
          << csv_path << " column " << t.schema().field(c).name << " row " << r;
    }
  }
}

TEST(ParquetCorpusTest, DeltaEncodingsMatchTheirExpectedCsv) {
  REQUIRE_CORPUS(dir);
  for (const std::string name : {"delta_binary_packed", "delta_byte_array",
                                 "delta_encoding_optional_column",
                                 "delta_encoding_required_column"}) {
    SCOPED_TRACE(name);
    table::Table t = Read(dir, name + ".parquet");
    ExpectMatchesCsv(t, dir + "/data/" + name + "_expect.csv");
  }
}

TEST(ParquetCorpusTest, DeltaLengthByteArrayAndByteStreamSplit) {
  REQUIRE_CORPUS(dir);
  table::Table dlba = Read(dir, "delta_length_byte_array.parquet");
  ASSERT_EQ(dlba.num_rows(), 1000);
  EXPECT_EQ(dlba.column(0).StringAt(0), "apple_banana_mango0");
  EXPECT_EQ(dlba.column(0).StringAt(2), "apple_banana_mango4");  // i*i
  EXPECT_EQ(dlba.column(0).StringAt(999), "apple_banana_mango998001");

  table::Table bss = Read(dir, "byte_stream_split.zstd.parquet");
  ASSERT_EQ(bss.num_rows(), 300);
  EXPECT_FLOAT_EQ(bss.column(0).Float64s()[0], 1.764052391052246f);
  EXPECT_DOUBLE_EQ(bss.column(1).Float64s()[0], -1.3065268517353166);
  EXPECT_DOUBLE_EQ(bss.column(1).Float64s()[5], -0.4607197873885533);

  // The extended file holds each column twice: BYTE_STREAM_SPLIT and PLAIN ("<type>_plain").
  table::Table ext = Read(dir, "byte_stream_split_extended.gzip.parquet");
  ASSERT_EQ(ext.num_rows(), 200);
  int pairs = 0;
  for (int c = 0; c < ext.num_columns(); ++c) {
    const std::string name = ext.schema().field(c).name;
    const std::string suffix = "_plain";
    if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix) continue;
    const std::string base = name.substr(0, name.size() - suffix.size());
    const table::Column& plain = ext.column(c);
    const table::Column* split = nullptr;
    for (int k = 0; k < ext.num_columns(); ++k) {
      if (ext.schema().field(k).name == base + "_byte_stream_split") split = &ext.column(k);
    }
    ASSERT_NE(split, nullptr) << base;
    ++pairs;
    for (int64_t r = 0; r < ext.num_rows(); ++r) {
      ASSERT_EQ(plain.IsNull(r), split->IsNull(r)) << base << " row " << r;
      if (plain.type() == DataType::kFloat64) {
        const double a = plain.Float64s()[r];
        const double b = split->Float64s()[r];
        ASSERT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << base << " row " << r;
      } else if (plain.type() == DataType::kInt64) {
        ASSERT_EQ(plain.Int64s()[r], split->Int64s()[r]) << base << " row " << r;
      } else {
        ASSERT_EQ(plain.StringAt(r), split->StringAt(r)) << base << " row " << r;
      }
    }
  }
  EXPECT_GE(pairs, 5);
}

TEST(ParquetCorpusTest, DecimalsBecomeFloat64) {
  REQUIRE_CORPUS(dir);
  for (const std::string name : {"int32_decimal", "int64_decimal", "fixed_length_decimal",
                                 "fixed_length_decimal_legacy", "byte_array_decimal"}) {
    SCOPED_TRACE(name);
    table::Table t = Read(dir, name + ".parquet");
    ASSERT_EQ(t.num_rows(), 24);
    ASSERT_EQ(t.column(0).type(), DataType::kFloat64);
    for (int64_t r = 0; r < 24; ++r) EXPECT_DOUBLE_EQ(t.column(0).Float64s()[r], r + 1.0);
  }
}

TEST(ParquetCorpusTest, Float16AndNans) {
  REQUIRE_CORPUS(dir);
  table::Table t = Read(dir, "float16_nonzeros_and_nans.parquet");
  ASSERT_EQ(t.num_rows(), 8);
  const table::Column& c = t.column(0);
  ASSERT_EQ(c.type(), DataType::kFloat64);
  EXPECT_TRUE(c.IsNull(0));
  EXPECT_EQ(c.Float64s()[1], 1.0);
  EXPECT_EQ(c.Float64s()[2], -2.0);
  EXPECT_TRUE(std::isnan(c.Float64s()[3]));
  EXPECT_EQ(c.Float64s()[4], 0.0);
  EXPECT_EQ(c.Float64s()[5], -1.0);
  table::Table nan = Read(dir, "single_nan.parquet");
  ASSERT_EQ(nan.num_rows(), 1);
  EXPECT_TRUE(nan.column(0).IsNull(0));
}

TEST(ParquetCorpusTest, Lz4VariantsAgree) {
  REQUIRE_CORPUS(dir);
  // LZ4_RAW, Hadoop-framed LZ4 and raw-block LZ4 under codec LZ4 hold the same four rows.
  for (const std::string name : {"lz4_raw_compressed", "hadoop_lz4_compressed",
                                 "non_hadoop_lz4_compressed"}) {
    SCOPED_TRACE(name);
    table::Table t = Read(dir, name + ".parquet");
    ASSERT_EQ(t.num_rows(), 4);
    EXPECT_EQ(t.column(0).Int64s()[0], 1593604800);
    EXPECT_EQ(t.column(0).Int64s()[3], 1593604801);
    EXPECT_EQ(t.column(1).StringAt(1), "def");
    EXPECT_DOUBLE_EQ(t.column(2).Float64s()[2], 42.125);
    EXPECT_DOUBLE_EQ(t.column(2).Float64s()[3], 7.7);
  }
  table::Table larger = Read(dir, "lz4_raw_compressed_larger.parquet");
  table::Table hadoop_larger = Read(dir, "hadoop_lz4_compressed_larger.parquet");
  ASSERT_EQ(larger.num_rows(), 10000);
  ASSERT_EQ(hadoop_larger.num_rows(), 10000);
  for (int64_t r = 0; r < 10000; r += 997) {
    EXPECT_EQ(larger.column(0).StringAt(r), hadoop_larger.column(0).StringAt(r));
  }
}

TEST(ParquetCorpusTest, RleBooleansAndNullPages) {
  REQUIRE_CORPUS(dir);
  table::Table t = Read(dir, "rle_boolean_encoding.parquet");
  ASSERT_EQ(t.num_rows(), 68);
  const table::Column& b = t.column(0);
  EXPECT_EQ(b.Bools()[0], 1);
  EXPECT_EQ(b.Bools()[1], 0);
  EXPECT_TRUE(b.IsNull(2));
  EXPECT_EQ(b.Bools()[3], 1);

  table::Table empty_v2 = Read(dir, "datapage_v2_empty_datapage.snappy.parquet");
  ASSERT_EQ(empty_v2.num_rows(), 1);
  EXPECT_TRUE(empty_v2.column(0).IsNull(0));
  table::Table empty_zstd = Read(dir, "page_v2_empty_compressed.parquet");
  EXPECT_EQ(empty_zstd.column(0).null_count(), empty_zstd.num_rows());
}

TEST(ParquetCorpusTest, PageChecksums) {
  REQUIRE_CORPUS(dir);
  table::Table v1 = Read(dir, "datapage_v1-uncompressed-checksum.parquet");
  ASSERT_EQ(v1.num_rows(), 5120);
  EXPECT_EQ(v1.column(0).Int64s()[0], 50462976);
  EXPECT_EQ(v1.column(1).Int64s()[2], 1869507948);
  table::Table rle = Read(dir, "rle-dict-snappy-checksum.parquet");
  ASSERT_EQ(rle.num_rows(), 1000);
  EXPECT_EQ(rle.column(1).StringAt(0), "c95e263a-f5d4-401f-8107-5ca7146a1f98");
  table::Table plain = Read(dir, "plain-dict-uncompressed-checksum.parquet");
  EXPECT_EQ(plain.column(1).StringAt(2), "a655fd0e-9949-4059-bcae-fd6a002a4652");

  absl::StatusOr<table::Table> corrupt =
      ReadParquetFile(Path(dir, "datapage_v1-corrupt-checksum.parquet"));
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(corrupt.status().message()), HasSubstr("row group 0, column 'a'"));
  // Without verification the (intact) values still decode.
  ParquetReadOptions no_crc;
  no_crc.verify_page_checksums = false;
  EXPECT_TRUE(ReadParquetFile(Path(dir, "datapage_v1-corrupt-checksum.parquet"), no_crc).ok());
}

TEST(ParquetCorpusTest, FixedLenByteArrayIsRawBytes) {
  REQUIRE_CORPUS(dir);
  // fixed_length_byte_array.md: optional FIXED_LEN_BYTE_ARRAY(4), big-endian counters from
  // 1000 down, some null (DuckDB reads the same bytes).
  table::Table t = Read(dir, "fixed_length_byte_array.parquet");
  ASSERT_EQ(t.num_rows(), 1000);
  const table::Column& c = t.column(0);
  ASSERT_EQ(c.type(), DataType::kString);
  EXPECT_EQ(c.StringAt(0), std::string("\x00\x00\x03\xe8", 4));
  EXPECT_TRUE(c.IsNull(1));
  EXPECT_EQ(c.StringAt(10), std::string("\x00\x00\x03\xde", 4));
  EXPECT_GT(c.null_count(), 0);
}

TEST(ParquetCorpusTest, InfoDescribesChunks) {
  REQUIRE_CORPUS(dir);
  absl::StatusOr<ParquetFileInfo> info =
      ReadParquetFileInfo(Path(dir, "alltypes_plain.snappy.parquet"));
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->row_groups.size(), 1u);
  ASSERT_EQ(info->columns.size(), 11u);
  EXPECT_EQ(info->columns[10].physical_type, "INT96");
  EXPECT_EQ(info->row_groups[0].columns[0].codec, "SNAPPY");
  const std::string text = info->ToString();
  EXPECT_THAT(text, HasSubstr("id: INT32 optional -> int64"));
  absl::StatusOr<ParquetFileInfo> nested =
      ReadParquetFileInfo(Path(dir, "nested_structs.rust.parquet"));
  ASSERT_TRUE(nested.ok()) << nested.status();
  EXPECT_FALSE(nested->columns[0].readable);
  EXPECT_THAT(nested->columns[0].unsupported, HasSubstr("unsupported: nested type"));
}

}  // namespace
}  // namespace strata::io
