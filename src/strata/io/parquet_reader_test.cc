// End-to-end reads of small Parquet files built by hand here (a minimal Thrift compact writer
// below), so each page layout and each failure is exercised exactly.
#include "strata/io/parquet_reader.h"

#include <zlib.h>

#include <cstring>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::io {
namespace {

using ::testing::HasSubstr;

// Thrift compact protocol, writing side (just enough for a footer and page headers).
class CompactWriter {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Zigzag(int64_t v) { Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Field(int16_t id, int type) {
    const int delta = id - last_.back();
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<char>((delta << 4) | type));
    } else {
      out_.push_back(static_cast<char>(type));
      Zigzag(id);
    }
    last_.back() = id;
  }
  void I32(int16_t id, int64_t v) {
    Field(id, 5);
    Zigzag(v);
  }
  void I64(int16_t id, int64_t v) {
    Field(id, 6);
    Zigzag(v);
  }
  void Binary(int16_t id, const std::string& s) {
    Field(id, 8);
    Varint(s.size());
    out_ += s;
  }
  void Bool(int16_t id, bool v) { Field(id, v ? 1 : 2); }
  void Raw(const std::string& s) {
    Varint(s.size());
    out_ += s;
  }
  void BeginStruct(int16_t id) {
    Field(id, 12);
    last_.push_back(0);
  }
  void BeginStructElement() { last_.push_back(0); }
  void EndStruct() {
    out_.push_back(0);
    last_.pop_back();
  }
  void List(int16_t id, int element_type, int size) {
    Field(id, 9);
    if (size < 15) {
      out_.push_back(static_cast<char>((size << 4) | element_type));
    } else {
      out_.push_back(static_cast<char>(0xf0 | element_type));
      Varint(static_cast<uint64_t>(size));
    }
  }
  std::string Finish() {
    out_.push_back(0);  // stop of the outermost struct
    return out_;
  }

 private:
  std::string out_;
  std::vector<int16_t> last_ = {0};
};

struct TestPage {
  std::string body;   // levels + values, uncompressed
  int num_values = 0;
  int encoding = 0;   // PLAIN
  bool v2 = false;
  int def_bytes = 0;  // v2: definition level bytes at the start of the body
  int num_nulls = 0;
  bool with_crc = false;
  bool dictionary = false;
};

std::string PageHeaderBytes(const TestPage& p, const std::string& stored) {
  CompactWriter w;
  w.I32(1, p.dictionary ? 2 : (p.v2 ? 3 : 0));
  w.I32(2, static_cast<int64_t>(p.body.size()));
  w.I32(3, static_cast<int64_t>(stored.size()));
  if (p.with_crc) {
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(stored.data()), static_cast<uInt>(stored.size())));
    w.I32(4, static_cast<int32_t>(crc));
  }
  if (p.dictionary) {
    w.BeginStruct(7);
    w.I32(1, p.num_values);
    w.I32(2, 0);
    w.EndStruct();
  } else if (p.v2) {
    w.BeginStruct(8);
    w.I32(1, p.num_values);
    w.I32(2, p.num_nulls);
    w.I32(3, p.num_values);
    w.I32(4, p.encoding);
    w.I32(5, p.def_bytes);
    w.I32(6, 0);
    w.Bool(7, false);
    w.EndStruct();
  } else {
    w.BeginStruct(5);
    w.I32(1, p.num_values);
    w.I32(2, p.encoding);
    w.I32(3, 3);
    w.I32(4, 3);
    w.EndStruct();
  }
  return w.Finish();
}

// A file with one column `x` (physical type `type`, optional or required) in one row group.
std::string MakeFile(int type, bool optional, const std::vector<TestPage>& pages, int64_t rows,
                     int converted_type = -1) {
  std::string file = "PAR1";
  const int64_t chunk_start = static_cast<int64_t>(file.size());
  int64_t data_start = chunk_start;
  for (const TestPage& p : pages) {
    if (p.dictionary) data_start = -1;
    if (!p.dictionary && data_start < 0) data_start = static_cast<int64_t>(file.size());
    file += PageHeaderBytes(p, p.body);
    file += p.body;
  }
  const int64_t chunk_size = static_cast<int64_t>(file.size()) - chunk_start;
  CompactWriter w;
  w.I32(1, 1);
  w.List(2, 12, 2);
  w.BeginStructElement();
  w.Binary(4, "schema");
  w.I32(5, 1);
  w.EndStruct();
  w.BeginStructElement();
  w.I32(1, type);
  w.I32(3, optional ? 1 : 0);
  w.Binary(4, "x");
  if (converted_type >= 0) w.I32(6, converted_type);
  w.EndStruct();
  w.I64(3, rows);
  w.List(4, 12, 1);
  w.BeginStructElement();  // RowGroup
  w.List(1, 12, 1);
  w.BeginStructElement();  // ColumnChunk
  w.I64(2, chunk_start);
  w.BeginStruct(3);  // ColumnMetaData
  w.I32(1, type);
  w.List(2, 5, 1);
  w.Zigzag(0);
  w.List(3, 8, 1);
  w.Raw("x");
  w.I32(4, 0);
  w.I64(5, rows);
  w.I64(6, chunk_size);
  w.I64(7, chunk_size);
  w.I64(9, data_start);
  if (data_start != chunk_start) w.I64(11, chunk_start);
  w.EndStruct();  // ColumnMetaData
  w.EndStruct();  // ColumnChunk
  w.I64(2, chunk_size);
  w.I64(3, rows);
  w.EndStruct();  // RowGroup
  const std::string footer = w.Finish();
  file += footer;
  const auto len = static_cast<uint32_t>(footer.size());
  file.append(reinterpret_cast<const char*>(&len), 4);
  file += "PAR1";
  return file;
}

std::string Le32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string Le64(int64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

constexpr int kInt64 = 2;
constexpr int kByteArray = 6;
constexpr int kInt32 = 1;

TEST(ParquetReaderTest, PlainRequiredInt64) {
  TestPage page;
  page.body = Le64(7) + Le64(-3) + Le64(1LL << 40);
  page.num_values = 3;
  page.with_crc = true;
  absl::StatusOr<table::Table> t = ReadParquet(MakeFile(kInt64, false, {page}, 3));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->schema().ToString(), "x: int64");
  EXPECT_THAT(t->column(0).Int64s(), ::testing::ElementsAre(7, -3, 1LL << 40));
}

TEST(ParquetReaderTest, OptionalWithDefinitionLevelsV1) {
  // Levels 1,0,1,1 as one bit-packed run: header 0x03, byte 0b1101; values 10, 20, 30.
  TestPage page;
  page.body = Le32(2) + std::string("\x03\x0d", 2) + Le64(10) + Le64(20) + Le64(30);
  page.num_values = 4;
  absl::StatusOr<table::Table> t = ReadParquet(MakeFile(kInt64, true, {page}, 4));
  ASSERT_TRUE(t.ok()) << t.status();
  const table::Column& c = t->column(0);
  EXPECT_EQ(c.null_count(), 1);
  EXPECT_TRUE(c.IsNull(1));
  EXPECT_THAT(c.Int64s(), ::testing::ElementsAre(10, 0, 20, 30));
}

TEST(ParquetReaderTest, DictionaryStringsOverTwoPagesV2) {
  TestPage dict;
  dict.dictionary = true;
  dict.num_values = 2;
  dict.body = Le32(3) + "foo" + Le32(0);
  // v2 page: levels (no length prefix) 1,1,0 as RLE runs; indexes 1, 0 (bit width 1, RLE runs).
  TestPage p1;
  p1.v2 = true;
  p1.encoding = 8;  // RLE_DICTIONARY
  p1.num_values = 3;
  p1.num_nulls = 1;
  p1.def_bytes = 4;
  p1.body = std::string("\x04\x01\x02\x00", 4) + std::string("\x01\x02\x01\x02\x00", 5);
  TestPage p2 = p1;
  p2.num_nulls = 0;
  p2.num_values = 1;
  p2.def_bytes = 2;
  p2.body = std::string("\x02\x01", 2) + std::string("\x01\x02\x00", 3);
  absl::StatusOr<table::Table> t = ReadParquet(MakeFile(kByteArray, true, {dict, p1, p2}, 4, 0));
  ASSERT_TRUE(t.ok()) << t.status();
  const table::Column& c = t->column(0);
  ASSERT_EQ(c.size(), 4);
  EXPECT_EQ(c.StringAt(0), "");
  EXPECT_EQ(c.StringAt(1), "foo");
  EXPECT_TRUE(c.IsNull(2));
  EXPECT_EQ(c.StringAt(3), "foo");
}

TEST(ParquetReaderTest, ChecksumMismatchIsDataLoss) {
  TestPage page;
  page.body = Le64(1);
  page.num_values = 1;
  page.with_crc = true;
  std::string file = MakeFile(kInt64, false, {page}, 1);
  const size_t at = file.find(Le64(1));
  file[at] = 2;  // the value changes after the CRC was taken
  absl::StatusOr<table::Table> t = ReadParquet(file);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("row group 0, column 'x' (0), page 0"));
  ParquetReadOptions lax;
  lax.verify_page_checksums = false;
  ASSERT_TRUE(ReadParquet(file, lax).ok());
  EXPECT_EQ(ReadParquet(file, lax)->column(0).Int64s()[0], 2);
}

TEST(ParquetReaderTest, ConvertedTypes) {
  TestPage page;
  page.body = Le32(19000) + Le32(static_cast<uint32_t>(-1));
  page.num_values = 2;
  absl::StatusOr<table::Table> date = ReadParquet(MakeFile(kInt32, false, {page}, 2, 6));
  ASSERT_TRUE(date.ok()) << date.status();
  EXPECT_EQ(date->column(0).type(), table::DataType::kTimestamp);
  EXPECT_EQ(date->column(0).Int64s()[0], 19000LL * 86400 * 1000000);
  absl::StatusOr<table::Table> u32 = ReadParquet(MakeFile(kInt32, false, {page}, 2, 13));
  ASSERT_TRUE(u32.ok()) << u32.status();
  EXPECT_EQ(u32->column(0).Int64s()[1], 4294967295LL);
  TestPage big;
  big.body = Le64(-1);
  big.num_values = 1;
  absl::StatusOr<table::Table> u64 = ReadParquet(MakeFile(kInt64, false, {big}, 1, 14));
  ASSERT_FALSE(u64.ok());
  EXPECT_THAT(std::string(u64.status().message()), HasSubstr("exceeds the int64 range"));
}

TEST(ParquetReaderTest, ColumnSelectionAndUnknownColumn) {
  TestPage page;
  page.body = Le64(5);
  page.num_values = 1;
  const std::string file = MakeFile(kInt64, false, {page}, 1);
  ParquetReadOptions options;
  options.columns = {"nope"};
  absl::StatusOr<table::Table> t = ReadParquet(file, options);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("columns: x"));
}

TEST(ParquetReaderTest, LyingRowCountsAreErrors) {
  TestPage page;
  page.body = Le64(5);
  page.num_values = 1;
  // The page says 1 value, the row group 2.
  absl::StatusOr<table::Table> t = ReadParquet(MakeFile(kInt64, false, {page}, 2));
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("ends after 1 of 2 values"));
  // A page claiming two billion values from eight bytes.
  page.num_values = 2000000000;
  t = ReadParquet(MakeFile(kInt64, false, {page}, 2000000000));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kResourceExhausted);
}

TEST(ParquetReaderTest, EveryTruncationAndByteFlipFailsCleanly) {
  TestPage dict;
  dict.dictionary = true;
  dict.num_values = 2;
  dict.body = Le32(3) + "foo" + Le32(2) + "ba";
  TestPage data;
  data.encoding = 8;
  data.num_values = 3;
  data.body = Le32(2) + std::string("\x06\x01", 2) + std::string("\x01\x03\x06", 3);
  const std::string file = MakeFile(kByteArray, true, {dict, data}, 3, 0);
  absl::StatusOr<table::Table> ok = ReadParquet(file);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->column(0).StringAt(1), "ba");
  for (size_t n = 0; n < file.size(); ++n) {
    EXPECT_FALSE(ReadParquet(file.substr(0, n)).ok()) << n;
  }
  for (size_t i = 0; i < file.size(); ++i) {
    for (int bit : {0x01, 0x80}) {
      std::string flipped = file;
      flipped[i] = static_cast<char>(flipped[i] ^ bit);
      (void)ReadParquet(flipped);  // must not crash, hang or trip a sanitizer
    }
  }
}

TEST(ParquetReaderTest, NotParquet) {
  EXPECT_THAT(std::string(ReadParquet("hello").status().message()), HasSubstr("12-byte"));
  EXPECT_THAT(std::string(ReadParquet("PAR1xxxxxxxxxxxxPARE").status().message()),
              HasSubstr("unsupported: encryption"));
  EXPECT_EQ(ReadParquetFile("/nonexistent/x.parquet").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace strata::io
