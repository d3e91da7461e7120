#include "strata/io/internal/thrift_writer.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "strata/io/testing/compact_decoder.h"

namespace strata::io::thrift {
namespace {

std::vector<int> Bytes(const std::string& s) {
  std::vector<int> out;
  for (char c : s) out.push_back(static_cast<uint8_t>(c));
  return out;
}

TEST(CompactWriterTest, ShortFieldHeadersListsAndNestedStructs) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 7);
  w.FieldListBegin(2, CompactType::kI32, 2);
  w.I32(3);
  w.I32(4);
  w.FieldStructBegin(3);
  w.FieldBool(1, true);
  w.FieldBool(2, false);
  w.EndStruct();
  w.FieldBinary(4, "abc");
  w.EndStruct();
  // 0x15 = delta 1, i32; 7 zigzags to 14. 0x19 = delta 1, list; 0x25 = 2 elements of i32.
  // 0x1C = delta 1, struct; 0x11 / 0x12 = bool true / false fields; 0x18 = binary.
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x15, 0x0E, 0x19, 0x25, 0x06, 0x08, 0x1C, 0x11, 0x12,
                                          0x00, 0x18, 0x03, 'a', 'b', 'c', 0x00}));
}

TEST(CompactWriterTest, LongFieldDeltasUseTheFullHeader) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 0);
  w.FieldI64(20, -1);  // delta 19: type byte 0x06, then zigzag(20) = 40
  w.FieldI16(21, 64);  // back to a short header: delta 1
  w.EndStruct();
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x15, 0x00, 0x06, 0x28, 0x01, 0x14, 0x80, 0x01, 0x00}));
}

TEST(CompactWriterTest, NestedStructRestoresTheOuterFieldId) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldStructBegin(1);
  w.FieldI32(5, 1);
  w.EndStruct();
  w.FieldI32(2, 1);  // delta 1 from field 1, not from the inner field 5
  w.EndStruct();
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x1C, 0x55, 0x02, 0x00, 0x15, 0x02, 0x00}));
}

TEST(CompactWriterTest, ZigZagAndVarints) {
  EXPECT_EQ(CompactWriter::ZigZag32(0), 0u);
  EXPECT_EQ(CompactWriter::ZigZag32(-1), 1u);
  EXPECT_EQ(CompactWriter::ZigZag32(1), 2u);
  EXPECT_EQ(CompactWriter::ZigZag32(-64), 127u);
  EXPECT_EQ(CompactWriter::ZigZag32(INT32_MIN), 0xFFFFFFFFu);
  EXPECT_EQ(CompactWriter::ZigZag64(INT64_MAX), 0xFFFFFFFFFFFFFFFEull);
  std::string out;
  CompactWriter w(&out);
  w.Varint(300);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0xAC, 0x02}));
  out.clear();
  w.I64(INT64_MIN);  // zigzag 2^64 - 1: ten bytes
  EXPECT_EQ(out.size(), 10u);
  EXPECT_EQ(static_cast<uint8_t>(out.back()), 0x01);
}

TEST(CompactWriterTest, ListsOfFifteenOrMoreCarryAVarintSize) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldListBegin(1, CompactType::kBinary, 20);
  for (int i = 0; i < 20; ++i) w.Binary("x");
  w.EndStruct();
  ASSERT_GE(out.size(), 3u);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x19);
  EXPECT_EQ(static_cast<uint8_t>(out[1]), 0xF8);  // 0xF0 | binary
  EXPECT_EQ(static_cast<uint8_t>(out[2]), 20);
  testing::CompactDecoder d(out);
  testing::ThriftValue v = d.Struct();
  ASSERT_TRUE(d.error.empty()) << d.error;
  EXPECT_EQ(v.F(1).list.size(), 20u);
  EXPECT_EQ(d.position(), out.size());
}

// A Parquet PageHeader (parquet.thrift) computed by hand: DATA_PAGE, 100 bytes uncompressed,
// 50 compressed, DataPageHeader{10 values, PLAIN, RLE, RLE}.
TEST(CompactWriterTest, ParquetPageHeaderByHand) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 0);
  w.FieldI32(2, 100);
  w.FieldI32(3, 50);
  w.FieldStructBegin(5);
  w.FieldI32(1, 10);
  w.FieldI32(2, 0);
  w.FieldI32(3, 3);
  w.FieldI32(4, 3);
  w.EndStruct();
  w.EndStruct();
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x15, 0x00, 0x15, 0xC8, 0x01, 0x15, 0x64, 0x2C, 0x15,
                                          0x14, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00}));
}

TEST(CompactWriterTest, DoublesAreLittleEndianIeee) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldDouble(1, 1.0);
  w.EndStruct();
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x17, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x00}));
}

}  // namespace
}  // namespace strata::io::thrift
