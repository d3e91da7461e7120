#include "strata/io/internal/parquet_encoders.h"

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace strata::io::parquet {
namespace {

std::vector<int> Bytes(const std::string& s) {
  std::vector<int> out;
  for (char c : s) out.push_back(static_cast<uint8_t>(c));
  return out;
}

// Test-side decoder of the hybrid, written from the spec to round-trip the encoder.
std::vector<uint32_t> DecodeHybrid(const std::string& data, int bit_width, size_t count) {
  std::vector<uint32_t> out;
  size_t pos = 0;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const uint8_t b = static_cast<uint8_t>(data.at(pos++));
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
  };
  while (out.size() < count) {
    const uint64_t header = varint();
    if (header & 1) {
      const uint64_t values = (header >> 1) * 8;
      uint64_t bitpos = 0;
      for (uint64_t k = 0; k < values; ++k) {
        uint32_t v = 0;
        for (int b = 0; b < bit_width; ++b, ++bitpos) {
          const uint8_t byte = static_cast<uint8_t>(data.at(pos + bitpos / 8));
          v |= static_cast<uint32_t>((byte >> (bitpos % 8)) & 1) << b;
        }
        if (out.size() < count) out.push_back(v);
      }
      pos += (values * bit_width) / 8;
    } else {
      uint32_t v = 0;
      for (int b = 0; b < (bit_width + 7) / 8; ++b) {
        v |= static_cast<uint32_t>(static_cast<uint8_t>(data.at(pos++))) << (8 * b);
      }
      out.insert(out.end(), header >> 1, v);
    }
  }
  EXPECT_EQ(pos, data.size()) << "trailing bytes";
  return out;
}

TEST(BitWidthTest, CountsSignificantBits) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(7), 3);
  EXPECT_EQ(BitWidth(8), 4);
  EXPECT_EQ(BitWidth(0xFFFFFFFF), 32);
}

// Encodings.md, "Bit-packed": 0..7 at bit width 3 pack into 10001000 11000110 11111010.
TEST(RleBitPackedHybridTest, SpecBitPackingExample) {
  std::string out;
  const std::vector<uint32_t> values = {0, 1, 2, 3, 4, 5, 6, 7};
  AppendRleBitPackedHybrid(values, 3, &out);
  // Header varint((1 group << 1) | 1) = 3.
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x03, 0x88, 0xC6, 0xFA}));
}

TEST(RleBitPackedHybridTest, RepeatedValuesBecomeAnRleRun) {
  std::string out;
  AppendRleBitPackedHybrid(std::vector<uint32_t>(100, 5), 3, &out);
  // varint(100 << 1) = 0xC8 0x01, then the value in one byte.
  EXPECT_EQ(Bytes(out), (std::vector<int>{0xC8, 0x01, 0x05}));
  out.clear();
  AppendRleRun(0x1234, 3, 9, &out);  // a 9-bit value takes two little-endian bytes
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x06, 0x34, 0x12}));
}

TEST(RleBitPackedHybridTest, BitPackedGroupThenRun) {
  std::vector<uint32_t> values = {1, 2, 3, 4, 5, 6, 7, 8};
  values.insert(values.end(), 20, 9);
  std::string out;
  AppendRleBitPackedHybrid(values, 4, &out);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x03, 0x21, 0x43, 0x65, 0x87, 0x28, 0x09}));
}

TEST(RleBitPackedHybridTest, OnlyTheLastGroupIsPadded) {
  // Three values: one group of eight, padded with zeros.
  std::string out;
  AppendRleBitPackedHybrid(std::vector<uint32_t>{1, 0, 1}, 1, &out);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x03, 0x05}));
}

TEST(RleBitPackedHybridTest, RoundTripsRandomRunsAtEveryWidth) {
  std::mt19937 rng(7);
  for (int width : {1, 2, 3, 7, 8, 9, 13, 17, 24, 31, 32}) {
    const uint64_t limit = width == 32 ? 0xFFFFFFFFull : (1ull << width) - 1;
    std::uniform_int_distribution<uint64_t> value(0, limit);
    std::uniform_int_distribution<int> run(1, 30);
    std::vector<uint32_t> values;
    while (values.size() < 5000) {
      const uint32_t v = static_cast<uint32_t>(value(rng));
      values.insert(values.end(), static_cast<size_t>(rng() % 3 == 0 ? run(rng) : 1), v);
    }
    std::string out;
    AppendRleBitPackedHybrid(values, width, &out);
    EXPECT_EQ(DecodeHybrid(out, width, values.size()), values) << "width " << width;
  }
}

TEST(PlainTest, BoolsAreBitPackedLsbFirst) {
  std::string out;
  AppendPlainBools(std::vector<uint8_t>{1, 0, 1, 1, 0, 0, 0, 0, 1}, &out);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0x0D, 0x01}));
}

TEST(PlainTest, FixedWidthAndByteArrays) {
  std::string out;
  AppendPlainInt64s(std::vector<int64_t>{-2}, &out);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));
  out.clear();
  AppendPlainDoubles(std::vector<double>{1.0}, &out);
  EXPECT_EQ(Bytes(out), (std::vector<int>{0, 0, 0, 0, 0, 0, 0xF0, 0x3F}));
  out.clear();
  AppendPlainByteArray("ab", &out);
  AppendPlainByteArray("", &out);
  EXPECT_EQ(Bytes(out), (std::vector<int>{2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0}));
}

TEST(StringDictionaryTest, FirstAppearanceOrderAndLimit) {
  StringDictionary dict(/*max_plain_bytes=*/15);
  uint32_t index = 99;
  ASSERT_TRUE(dict.Insert("bb", &index));
  EXPECT_EQ(index, 0u);
  ASSERT_TRUE(dict.Insert("a", &index));
  EXPECT_EQ(index, 1u);
  ASSERT_TRUE(dict.Insert("bb", &index));
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(dict.plain_bytes(), 11);
  EXPECT_FALSE(dict.Insert("cc", &index));  // 11 + 6 > 15
  ASSERT_TRUE(dict.Insert("a", &index));    // a known value still resolves
  EXPECT_EQ(dict.entries(), (std::vector<std::string_view>{"bb", "a"}));
}

TEST(FixedDictionaryTest, KeysOnBitsAndStopsAtTheEntryLimit) {
  FixedDictionary dict(/*max_entries=*/2);
  uint32_t index = 0;
  auto bits = [](double d) {
    uint64_t b = 0;
    std::memcpy(&b, &d, sizeof(b));
    return b;
  };
  ASSERT_TRUE(dict.Insert(bits(0.0), &index));
  ASSERT_TRUE(dict.Insert(bits(-0.0), &index));  // a distinct entry
  EXPECT_EQ(index, 1u);
  EXPECT_FALSE(dict.Insert(bits(1.0), &index));
  ASSERT_TRUE(dict.Insert(bits(0.0), &index));
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(dict.entries().size(), 2u);
}

}  // namespace
}  // namespace strata::io::parquet
