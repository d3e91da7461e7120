#include "strata/io/internal/parquet_column_writer.h"

#include <zlib.h>
#include <zstd.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "strata/io/testing/compact_decoder.h"

namespace strata::io::parquet {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;
using testing::CompactDecoder;
using testing::ThriftValue;

struct Page {
  ThriftValue header;
  std::string body;
};

std::vector<Page> Pages(const std::string& bytes) {
  std::vector<Page> pages;
  size_t pos = 0;
  while (pos < bytes.size()) {
    CompactDecoder d(std::string_view(bytes).substr(pos));
    Page p;
    p.header = d.Struct();
    EXPECT_TRUE(d.error.empty()) << d.error;
    if (!d.error.empty()) break;
    pos += d.position();
    const size_t size = static_cast<size_t>(p.header.F(3).i);
    p.body = bytes.substr(pos, size);
    pos += size;
    pages.push_back(std::move(p));
  }
  return pages;
}

std::string Joined(const EncodedColumnChunk& chunk) {
  std::string out;
  for (const std::string& page : chunk.pages) out += page;
  EXPECT_EQ(static_cast<int64_t>(out.size()), chunk.total_compressed_size);
  return out;
}

std::string Le64(int64_t v) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &v, 8);
  return s;
}
std::string LeDouble(double v) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &v, 8);
  return s;
}

ColumnChunkOptions Plain() {
  ColumnChunkOptions o;
  o.codec = CompressionCodec::kUncompressed;
  o.dictionary = false;
  return o;
}

Column Ints(std::vector<std::optional<int64_t>> values, DataType type = DataType::kInt64) {
  ColumnBuilder b(type);
  for (const auto& v : values) v ? b.AppendInt64(*v) : b.AppendNull();
  return b.Finish();
}

Column Strings(std::vector<std::optional<std::string>> values, DataType type = DataType::kString) {
  ColumnBuilder b(type);
  for (const auto& v : values) v ? b.AppendString(*v) : b.AppendNull();
  return b.Finish();
}

Column Doubles(std::vector<double> values) {
  ColumnBuilder b(DataType::kFloat64);
  for (double v : values) b.AppendFloat64(v);
  return b.Finish();
}

TEST(EncodeColumnChunkTest, PlainInt64PageByHand) {
  ColumnChunkOptions o = Plain();
  o.write_statistics = false;
  absl::StatusOr<EncodedColumnChunk> chunk = EncodeColumnChunk(Ints({1, std::nullopt, 3}), o);
  ASSERT_TRUE(chunk.ok()) << chunk.status();
  const std::vector<Page> pages = Pages(Joined(*chunk));
  ASSERT_EQ(pages.size(), 1u);
  // Levels 1,0,1 at width 1: one bit-packed group (header 3, bits 101), 4-byte length first.
  const std::string body = std::string("\x02\x00\x00\x00\x03\x05", 6) + Le64(1) + Le64(3);
  EXPECT_EQ(pages[0].body, body);
  const ThriftValue& h = pages[0].header;
  EXPECT_EQ(h.F(1).i, 0);  // DATA_PAGE
  EXPECT_EQ(h.F(2).i, static_cast<int64_t>(body.size()));
  EXPECT_FALSE(h.Has(4));  // no CRC unless asked
  EXPECT_EQ(h.F(5).F(1).i, 3);
  EXPECT_EQ(h.F(5).F(2).i, 0);  // PLAIN
  EXPECT_EQ(h.F(5).F(3).i, 3);  // RLE levels
  EXPECT_FALSE(h.F(5).Has(5));  // no statistics
  EXPECT_EQ(chunk->dictionary_page_offset, -1);
  EXPECT_EQ(chunk->data_page_offset, 0);
  EXPECT_EQ(chunk->num_values, 3);
  EXPECT_EQ(chunk->total_uncompressed_size, chunk->total_compressed_size);
}

TEST(EncodeColumnChunkTest, Int64AndTimestampStatistics) {
  for (DataType type : {DataType::kInt64, DataType::kTimestamp}) {
    absl::StatusOr<EncodedColumnChunk> chunk =
        EncodeColumnChunk(Ints({5, std::nullopt, -7, 9, std::nullopt}, type), Plain());
    ASSERT_TRUE(chunk.ok()) << chunk.status();
    EXPECT_EQ(chunk->statistics.null_count, 2);
    ASSERT_TRUE(chunk->statistics.has_min_max);
    EXPECT_EQ(chunk->statistics.min_value, Le64(-7));
    EXPECT_EQ(chunk->statistics.max_value, Le64(9));
    const ThriftValue page_stats = Pages(Joined(*chunk))[0].header.F(5).F(5);
    EXPECT_EQ(page_stats.F(3).i, 2);
    EXPECT_EQ(page_stats.F(6).bin, Le64(-7));  // min_value
    EXPECT_EQ(page_stats.F(5).bin, Le64(9));   // max_value
  }
}

TEST(EncodeColumnChunkTest, FloatStatisticsSkipNanAndSignZeros) {
  absl::StatusOr<EncodedColumnChunk> chunk = EncodeColumnChunk(
      Doubles({std::nan(""), 2.5, -1, 0.0, std::numeric_limits<double>::infinity()}), Plain());
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->statistics.min_value, LeDouble(-1));
  EXPECT_EQ(chunk->statistics.max_value, LeDouble(std::numeric_limits<double>::infinity()));
  chunk = EncodeColumnChunk(Doubles({0.0, std::nan("")}), Plain());
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->statistics.min_value, LeDouble(-0.0));
  EXPECT_EQ(chunk->statistics.max_value, LeDouble(0.0));
  chunk = EncodeColumnChunk(Doubles({std::nan("")}), Plain());
  ASSERT_TRUE(chunk.ok());
  EXPECT_FALSE(chunk->statistics.has_min_max);
  EXPECT_EQ(chunk->statistics.null_count, 0);
}

TEST(EncodeColumnChunkTest, BoolsArePlainBitsWithStatistics) {
  ColumnBuilder b(DataType::kBool);
  for (int i = 0; i < 10; ++i) i == 4 ? b.AppendNull() : b.AppendBool(i % 3 == 0);
  ColumnChunkOptions o = Plain();
  o.dictionary = true;  // bools are never dictionary-encoded
  absl::StatusOr<EncodedColumnChunk> chunk = EncodeColumnChunk(b.Finish(), o);
  ASSERT_TRUE(chunk.ok());
  const std::vector<Page> pages = Pages(Joined(*chunk));
  ASSERT_EQ(pages.size(), 1u);
  // Present values 1,0,0,1,0,1,0,0,1 -> bits 0x29, 0x01.
  const std::string& body = pages[0].body;
  const uint32_t levels = static_cast<uint8_t>(body[0]);
  EXPECT_EQ(body.substr(4 + levels), std::string("\x29\x01", 2));
  EXPECT_EQ(chunk->statistics.min_value, std::string(1, '\0'));
  EXPECT_EQ(chunk->statistics.max_value, std::string(1, '\1'));
}

TEST(EncodeColumnChunkTest, StringDictionaryPageAndIndices) {
  ColumnChunkOptions o = Plain();
  o.dictionary = true;
  absl::StatusOr<EncodedColumnChunk> chunk =
      EncodeColumnChunk(Strings({"b", "a", "b", std::nullopt, "b"}), o);
  ASSERT_TRUE(chunk.ok()) << chunk.status();
  const std::vector<Page> pages = Pages(Joined(*chunk));
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(chunk->dictionary_page_offset, 0);
  EXPECT_GT(chunk->data_page_offset, 0);
  EXPECT_EQ(pages[0].header.F(1).i, 2);       // DICTIONARY_PAGE
  EXPECT_EQ(pages[0].header.F(7).F(1).i, 2);  // two entries
  EXPECT_EQ(pages[0].header.F(7).F(2).i, 0);  // PLAIN
  EXPECT_EQ(pages[0].body, std::string("\x01\x00\x00\x00"
                                       "b"
                                       "\x01\x00\x00\x00"
                                       "a",
                                       10));
  EXPECT_EQ(pages[1].header.F(5).F(2).i, 8);  // RLE_DICTIONARY
  // Levels 1,1,1,0,1 -> group bits 0x17; then bit width 1 and indices 0,1,0,0 -> 0x02.
  EXPECT_EQ(pages[1].body, std::string("\x02\x00\x00\x00\x03\x17\x01\x03\x02", 9));
  EXPECT_EQ(chunk->encodings,
            (std::vector<Encoding>{Encoding::kPlain, Encoding::kRle, Encoding::kRleDictionary}));
  EXPECT_EQ(chunk->statistics.min_value, "a");
  EXPECT_EQ(chunk->statistics.max_value, "b");
  EXPECT_EQ(chunk->statistics.null_count, 1);
  EXPECT_EQ(pages[1].header.F(5).F(5).F(6).bin, "a");
}

TEST(EncodeColumnChunkTest, LargeDictionariesFallBackToPlain) {
  ColumnBuilder b(DataType::kString);
  for (int i = 0; i < 100000; ++i) b.AppendString(absl::StrCat("distinct value number ", i));
  ColumnChunkOptions o = Plain();
  o.dictionary = true;
  absl::StatusOr<EncodedColumnChunk> chunk = EncodeColumnChunk(b.Finish(), o);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->dictionary_page_offset, -1);
  EXPECT_EQ(chunk->encodings, (std::vector<Encoding>{Encoding::kPlain, Encoding::kRle}));
  EXPECT_EQ(chunk->statistics.min_value, "distinct value number 0");
  EXPECT_EQ(chunk->statistics.max_value, "distinct value number 99999");
}

TEST(EncodeColumnChunkTest, IntegerDictionaryOnlyWhenItPays) {
  ColumnChunkOptions o = Plain();
  o.dictionary = true;
  ColumnBuilder few(DataType::kInt64);
  ColumnBuilder unique(DataType::kInt64);
  for (int i = 0; i < 10000; ++i) {
    few.AppendInt64(i % 5 * 1000);
    unique.AppendInt64(i);
  }
  absl::StatusOr<EncodedColumnChunk> chunk = EncodeColumnChunk(few.Finish(), o);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->dictionary_page_offset, 0);
  EXPECT_EQ(Pages(Joined(*chunk))[0].body,
            Le64(0) + Le64(1000) + Le64(2000) + Le64(3000) + Le64(4000));
  EXPECT_EQ(chunk->statistics.max_value, Le64(4000));
  chunk = EncodeColumnChunk(unique.Finish(), o);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->dictionary_page_offset, -1);
}

TEST(EncodeColumnChunkTest, CategoryWritesOnlyTheEntriesItsRowsUse) {
  Column cat = Strings({"x", "y", "z", "y", std::nullopt, "x"}, DataType::kCategory);
  ColumnChunkOptions o = Plain();
  o.dictionary = true;
  absl::StatusOr<EncodedColumnChunk> chunk = EncodeColumnChunk(cat.Slice(1, 4), o);  // y z y null
  ASSERT_TRUE(chunk.ok());
  const std::vector<Page> pages = Pages(Joined(*chunk));
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].body, std::string("\x01\x00\x00\x00"
                                       "y"
                                       "\x01\x00\x00\x00"
                                       "z",
                                       10));
  EXPECT_EQ(chunk->statistics.min_value, "y");
  EXPECT_EQ(chunk->statistics.max_value, "z");
  EXPECT_EQ(chunk->statistics.null_count, 1);
  o.dictionary = false;
  chunk = EncodeColumnChunk(cat, o);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->dictionary_page_offset, -1);
}

TEST(EncodeColumnChunkTest, PagesSplitAtTheTargetSize) {
  ColumnBuilder b(DataType::kInt64);
  for (int i = 0; i < 100; ++i) b.AppendInt64(i);
  ColumnChunkOptions o = Plain();
  o.data_page_size = 80;
  absl::StatusOr<EncodedColumnChunk> chunk = EncodeColumnChunk(b.Finish(), o);
  ASSERT_TRUE(chunk.ok());
  const std::vector<Page> pages = Pages(Joined(*chunk));
  ASSERT_EQ(pages.size(), 10u);
  for (size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(pages[i].header.F(5).F(1).i, 10);
    EXPECT_EQ(pages[i].header.F(5).F(5).F(6).bin, Le64(static_cast<int64_t>(i) * 10));
  }
  // Strings: a page closes once it holds at least the target; one huge value is one page.
  Column s = Strings({"aaaa", std::string(1000, 'b'), "c", "d"});
  o.data_page_size = 10;
  chunk = EncodeColumnChunk(s, o);
  ASSERT_TRUE(chunk.ok());
  const std::vector<Page> string_pages = Pages(Joined(*chunk));
  ASSERT_EQ(string_pages.size(), 2u);  // "aaaa" + the long one, then "c" + "d"
  EXPECT_EQ(string_pages[0].header.F(5).F(1).i, 2);
}

TEST(EncodeColumnChunkTest, DataPageV2KeepsLevelsOutsideTheCompressedValues) {
  ColumnChunkOptions o = Plain();
  o.codec = CompressionCodec::kZstd;
  o.data_page_version = 2;
  absl::StatusOr<EncodedColumnChunk> chunk =
      EncodeColumnChunk(Ints({std::nullopt, 4, std::nullopt}), o);
  ASSERT_TRUE(chunk.ok());
  const std::vector<Page> pages = Pages(Joined(*chunk));
  ASSERT_EQ(pages.size(), 1u);
  const ThriftValue& h = pages[0].header;
  EXPECT_EQ(h.F(1).i, 3);  // DATA_PAGE_V2
  const ThriftValue& v2 = h.F(8);
  EXPECT_EQ(v2.F(1).i, 3);  // values
  EXPECT_EQ(v2.F(2).i, 2);  // nulls
  EXPECT_EQ(v2.F(3).i, 3);  // rows
  EXPECT_EQ(v2.F(5).i, 2);  // level bytes: one group, bits 010
  EXPECT_EQ(v2.F(6).i, 0);
  EXPECT_TRUE(v2.F(7).b);
  EXPECT_EQ(pages[0].body.substr(0, 2), std::string("\x03\x02", 2));
  std::string values(8, '\0');
  const std::string compressed = pages[0].body.substr(2);
  ASSERT_EQ(ZSTD_decompress(values.data(), values.size(), compressed.data(), compressed.size()),
            8u);
  EXPECT_EQ(values, Le64(4));
  EXPECT_EQ(h.F(2).i, 2 + 8);  // uncompressed size counts the levels
  EXPECT_EQ(v2.F(8).F(3).i, 2);
}

TEST(EncodeColumnChunkTest, ChecksumsCoverThePageBody) {
  ColumnChunkOptions o = Plain();
  o.page_checksums = true;
  o.dictionary = true;
  o.codec = CompressionCodec::kSnappy;
  absl::StatusOr<EncodedColumnChunk> chunk = EncodeColumnChunk(Strings({"p", "q", "p"}), o);
  ASSERT_TRUE(chunk.ok());
  const std::vector<Page> pages = Pages(Joined(*chunk));
  ASSERT_EQ(pages.size(), 2u);
  for (const Page& p : pages) {
    ASSERT_TRUE(p.header.Has(4));
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(p.body.data()), static_cast<uInt>(p.body.size())));
    EXPECT_EQ(static_cast<uint32_t>(p.header.F(4).i), crc);
  }
}

TEST(EncodeColumnChunkTest, AllNullColumns) {
  ColumnChunkOptions o = Plain();
  o.dictionary = true;
  absl::StatusOr<EncodedColumnChunk> chunk =
      EncodeColumnChunk(Strings({std::nullopt, std::nullopt}), o);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->dictionary_page_offset, -1);
  EXPECT_FALSE(chunk->statistics.has_min_max);
  EXPECT_EQ(chunk->statistics.null_count, 2);
  const std::vector<Page> pages = Pages(Joined(*chunk));
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].body, std::string("\x02\x00\x00\x00\x04\x00", 6));  // RLE run of two 0s
}

TEST(EncodeColumnChunkTest, LongStringsLeaveOutMinMax) {
  absl::StatusOr<EncodedColumnChunk> chunk =
      EncodeColumnChunk(Strings({"a", std::string(kMaxStatisticsValueBytes + 1, 'z')}), Plain());
  ASSERT_TRUE(chunk.ok());
  EXPECT_FALSE(chunk->statistics.has_min_max);
}

}  // namespace
}  // namespace strata::io::parquet
