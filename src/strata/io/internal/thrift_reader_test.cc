#include "strata/io/internal/thrift_reader.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/io/internal/parquet_metadata.h"

namespace strata::io::parquet {
namespace {

using ::testing::HasSubstr;

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

TEST(ThriftReaderTest, VarintsAndZigzag) {
  const std::string data = Bytes({0x96, 0x01, 0x03, 0x04, 0xff, 0xff, 0xff, 0xff, 0x0f});
  ThriftReader r(data, 100);
  EXPECT_EQ(*r.ReadVarint(), 150u);
  EXPECT_EQ(*r.ReadZigzag(), -2);  // 3 -> -2
  EXPECT_EQ(*r.ReadZigzag(), 2);   // 4 -> 2
  EXPECT_EQ(*r.ReadI32(), INT32_MIN);  // 0xffffffff -> zigzag -2^31
  EXPECT_EQ(r.position(), data.size());
  absl::StatusOr<uint64_t> past = r.ReadVarint();
  ASSERT_FALSE(past.ok());
  EXPECT_THAT(std::string(past.status().message()), HasSubstr("byte 109"));
}

TEST(ThriftReaderTest, OverlongVarintIsAnError) {
  const std::string data(11, '\x80');
  ThriftReader r(data, 0);
  EXPECT_FALSE(r.ReadVarint().ok());
}

TEST(ThriftReaderTest, StructWithDeltasLongIdsBoolsAndSkips) {
  // field 1 i32 = 5 (delta 1), field 2 bool true (delta 1, type 1), field 20 binary "hi"
  // (long form: type 8, zigzag id 40), field 21 list<i32> [1, 2] (unknown: skipped),
  // field 22 struct { field 1 i64 = -1 } (unknown: skipped), stop.
  const std::string data = Bytes({0x15, 0x0a, 0x11, 0x08, 0x28, 0x02, 'h', 'i', 0x19, 0x25,
                                  0x02, 0x04, 0x1c, 0x16, 0x01, 0x00, 0x00});
  ThriftReader r(data, 0);
  int32_t i = 0;
  bool b = false;
  std::string s;
  std::vector<int16_t> ids;
  absl::Status st = r.ReadStruct(0, [&](int16_t id, ThriftType t) -> absl::Status {
    ids.push_back(id);
    if (id == 1) {
      auto v = r.ReadI32();
      if (!v.ok()) return v.status();
      i = *v;
      return absl::OkStatus();
    }
    if (id == 2) {
      b = ThriftBoolValue(t);
      return absl::OkStatus();
    }
    if (id == 20) {
      auto v = r.ReadBinary();
      if (!v.ok()) return v.status();
      s = std::string(*v);
      return absl::OkStatus();
    }
    return r.Skip(t);
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(i, 5);
  EXPECT_TRUE(b);
  EXPECT_EQ(s, "hi");
  EXPECT_EQ(ids, (std::vector<int16_t>{1, 2, 20, 21, 22}));
  EXPECT_EQ(r.position(), data.size());
}

TEST(ThriftReaderTest, LyingLengthsAreErrors) {
  const std::string binary_bytes = Bytes({0x7f, 'a'});
  const std::string list_bytes = Bytes({0xf5, 0xff, 0xff, 0x03});
  ThriftReader binary(binary_bytes, 0);
  EXPECT_THAT(std::string(binary.ReadBinary().status().message()), HasSubstr("runs past"));
  ThriftReader list(list_bytes, 0);
  EXPECT_THAT(std::string(list.ReadListHeader().status().message()), HasSubstr("longer than"));
}

TEST(ThriftReaderTest, DeepNestingIsRefused) {
  // A struct field (type 12) inside a struct inside ... 200 levels deep.
  std::string data;
  for (int i = 0; i < 200; ++i) data.push_back(0x1c);
  ThriftReader r(data, 0);
  absl::Status st = r.Skip(ThriftType::kStruct);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), HasSubstr("nested too deeply"));
}

TEST(ParquetMetadataTest, PageHeaderDecodes) {
  // PageHeader{type=0, uncompressed=10, compressed=8, crc=7,
  //            data_page_header{num_values=3, encoding=0, def=3, rep=3}}
  const std::string data = Bytes({0x15, 0x00, 0x15, 0x14, 0x15, 0x10, 0x15, 0x0e, 0x1c, 0x15,
                                  0x06, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00, 0xaa});
  size_t size = 0;
  absl::StatusOr<PageHeader> h = DecodePageHeader(data, 0, &size);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(size, data.size() - 1);
  EXPECT_EQ(h->type, PageType::kDataPage);
  EXPECT_EQ(h->uncompressed_page_size, 10);
  EXPECT_EQ(h->compressed_page_size, 8);
  EXPECT_TRUE(h->has_crc);
  EXPECT_EQ(h->crc, 7u);
  ASSERT_TRUE(h->has_data_page_header);
  EXPECT_EQ(h->data_page_header.num_values, 3);
  EXPECT_EQ(h->data_page_header.definition_level_encoding, Encoding::kRle);
}

TEST(ParquetMetadataTest, WrongWireTypeIsNamed) {
  // PageHeader.type as a binary.
  const std::string data = Bytes({0x18, 0x01, 'x', 0x00});
  size_t size = 0;
  absl::StatusOr<PageHeader> h = DecodePageHeader(data, 40, &size);
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(std::string(h.status().message()), HasSubstr("PageHeader.type"));
  EXPECT_THAT(std::string(h.status().message()), HasSubstr("byte 4"));
}

}  // namespace
}  // namespace strata::io::parquet
