// Hand-built byte vectors per the Parquet encodings spec (Encodings.md).
#include "strata/io/internal/parquet_decoders.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::io::parquet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int v : b) s.push_back(static_cast<char>(v));
  return s;
}

TEST(UnpackBitsTest, SpecExampleBitWidth3) {
  // Encodings.md: 0..7 with bit width 3 packs to 10001000 11000110 11111010.
  const std::string data = Bytes({0x88, 0xc6, 0xfa});
  std::vector<uint32_t> out(8);
  UnpackBits(reinterpret_cast<const uint8_t*>(data.data()), data.size(), 3, 0, 8, out.data());
  EXPECT_THAT(out, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
  std::vector<uint32_t> tail(3);
  UnpackBits(reinterpret_cast<const uint8_t*>(data.data()), data.size(), 3, 5, 3, tail.data());
  EXPECT_THAT(tail, ElementsAre(5, 6, 7));
}

TEST(UnpackBitsTest, WideValuesOverTheFastPath) {
  // 20 values of 17 bits: value i = i * 4099 (mod 2^17), packed LSB first.
  std::vector<uint8_t> packed(20 * 17 / 8 + 1, 0);
  std::vector<uint32_t> want;
  for (int i = 0; i < 20; ++i) {
    const uint32_t v = static_cast<uint32_t>(i * 4099) & 0x1ffff;
    want.push_back(v);
    for (int b = 0; b < 17; ++b) {
      const int bit = i * 17 + b;
      if ((v >> b) & 1) packed[bit / 8] |= static_cast<uint8_t>(1 << (bit % 8));
    }
  }
  std::vector<uint32_t> got(20);
  UnpackBits(packed.data(), packed.size(), 17, 0, 20, got.data());
  EXPECT_EQ(got, want);
}

TEST(RleBitPackedDecoderTest, RleAndBitPackedRuns) {
  // RLE run: header (5 << 1) = 0x0a, value 3 (bit width 2 -> 1 byte);
  // bit-packed run: header (1 << 1) | 1 = 0x03, 8 values of width 2: 0,1,2,3,0,1,2,3
  // -> bytes 0b11100100, 0b11100100.
  const std::string data = Bytes({0x0a, 0x03, 0x03, 0xe4, 0xe4});
  RleBitPackedDecoder d(data, 2);
  std::vector<uint8_t> out(13);
  ASSERT_TRUE(d.Decode(out.data(), 13, 3).ok());
  EXPECT_THAT(out, ElementsAre(3, 3, 3, 3, 3, 0, 1, 2, 3, 0, 1, 2, 3));
  std::vector<uint8_t> more(1);
  absl::Status past = d.Decode(more.data(), 1, 3);
  EXPECT_THAT(std::string(past.message()), HasSubstr("ran out"));
}

TEST(RleBitPackedDecoderTest, ValuesAboveTheMaximumAreErrors) {
  const std::string data = Bytes({0x04, 0x05});  // RLE run of 2, value 5
  RleBitPackedDecoder d(data, 3);
  std::vector<uint32_t> out(2);
  absl::Status s = d.Decode(out.data(), 2, 4);
  EXPECT_THAT(std::string(s.message()), HasSubstr("exceeds the maximum 4"));
}

TEST(RleBitPackedDecoderTest, BitWidthZeroIsAllZeros) {
  const std::string data = Bytes({0x08});  // RLE run of 4, no value bytes
  RleBitPackedDecoder d(data, 0);
  std::vector<uint32_t> out(4, 9);
  ASSERT_TRUE(d.Decode(out.data(), 4, 0).ok());
  EXPECT_THAT(out, ElementsAre(0, 0, 0, 0));
}

TEST(DeltaBinaryPackedTest, SpecExample) {
  // Encodings.md example 1: values 1..5 (deltas all 1): block size 128, 4 miniblocks, 5
  // values, first value 1 (zigzag 2); block: min delta 1 (zigzag 2), widths 0,0,0,0.
  const std::string data = Bytes({0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00});
  std::vector<int64_t> out;
  size_t consumed = 0;
  ASSERT_TRUE(DecodeDeltaBinaryPacked(data, 5, &out, &consumed).ok());
  EXPECT_THAT(out, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(consumed, data.size());
}

TEST(DeltaBinaryPackedTest, SpecExampleWithBitPackedDeltas) {
  // Encodings.md example 2: 7, 5, 3, 1, 2, 3, 4, 5: deltas -2 -2 -2 1 1 1 1, min delta -2,
  // relative deltas 0 0 0 3 3 3 3 with bit width 2 in the first miniblock (32 values = 8
  // bytes); the other miniblocks are absent since no values remain.
  std::string data = Bytes({0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 0x02, 0x00, 0x00, 0x00});
  // 0,0,0,3 -> 0b11000000; 3,3,3,0 -> 0b00111111; rest zero.
  data += Bytes({0xc0, 0x3f, 0, 0, 0, 0, 0, 0});
  std::vector<int64_t> out;
  size_t consumed = 0;
  absl::Status s = DecodeDeltaBinaryPacked(data, 8, &out, &consumed);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(out, ElementsAre(7, 5, 3, 1, 2, 3, 4, 5));
  EXPECT_EQ(consumed, data.size());
}

TEST(DeltaBinaryPackedTest, WrapsAroundLikeTheWriter) {
  // INT64_MAX then a delta of +1 wraps to INT64_MIN (the spec's two's complement arithmetic).
  // first = INT64_MAX: zigzag = 2^64 - 2 -> varint fe ff ff ff ff ff ff ff ff 01.
  std::string data = Bytes({0x80, 0x01, 0x04, 0x02});
  data += Bytes({0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  data += Bytes({0x02, 0x00, 0x00, 0x00, 0x00});  // min delta 1, widths 0
  std::vector<int64_t> out;
  size_t consumed = 0;
  ASSERT_TRUE(DecodeDeltaBinaryPacked(data, 2, &out, &consumed).ok());
  EXPECT_THAT(out, ElementsAre(INT64_MAX, INT64_MIN));
}

TEST(DeltaBinaryPackedTest, BadHeadersAreErrors) {
  std::vector<int64_t> out;
  size_t consumed = 0;
  // Block size 100 is not a multiple of 128.
  EXPECT_FALSE(DecodeDeltaBinaryPacked(Bytes({0x64, 0x04, 0x01, 0x00}), 1, &out, &consumed).ok());
  // Fewer values than the page needs.
  absl::Status few = DecodeDeltaBinaryPacked(Bytes({0x80, 0x01, 0x04, 0x01, 0x00}), 3, &out,
                                             &consumed);
  EXPECT_THAT(std::string(few.message()), HasSubstr("holds 1 values"));
  // A miniblock whose bits are missing.
  EXPECT_FALSE(DecodeDeltaBinaryPacked(Bytes({0x80, 0x01, 0x04, 0x03, 0x00, 0x00, 0x08, 0, 0, 0, 0x01}),
                                       3, &out, &consumed)
                   .ok());
}

TEST(DeltaLengthByteArrayTest, SpecExample) {
  // "Hello", "World", "Foobar", "ABCDEF": lengths 5 5 6 6 delta-packed (first 5, deltas 0 1 0,
  // min delta 0, width 1 -> bits 0,1,0 = 0b010), then the concatenated bytes.
  std::string data = Bytes({0x80, 0x01, 0x04, 0x04, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00});
  data += Bytes({0x02, 0, 0, 0});  // miniblock of 32 1-bit values = 4 bytes
  data += "HelloWorldFoobarABCDEF";
  std::vector<std::string_view> out;
  std::vector<int64_t> scratch;
  absl::Status s = DecodeDeltaLengthByteArrays(data, 4, &out, &scratch);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(out, ElementsAre("Hello", "World", "Foobar", "ABCDEF"));
}

TEST(DeltaByteArrayTest, SpecExample) {
  // "axis", "axle", "babble", "babyhood": prefixes 0 2 0 3, suffixes "axis" "le" "babble" "yhood".
  // prefixes: first 0, deltas 2 -2 3 -> min -2 (zigzag 3), relative 4 0 5 width 3:
  //   4 = 100, 0 = 000, 5 = 101 -> bits LSB first: 0b00000100 | 0b101 << 6 -> 0x44, 0x01.
  std::string data = Bytes({0x80, 0x01, 0x04, 0x04, 0x00, 0x03, 0x03, 0x00, 0x00, 0x00});
  data += std::string(12, '\0');
  data[10] = 0x44;
  data[11] = 0x01;
  // suffix lengths 4 2 6 5: first 4, deltas -2 4 -1 -> min -2, relative 0 6 1 width 3:
  //   0 = 000 (bits 0-2), 6 = 110 (bits 3-5: 0x30), 1 = 001 (bits 6-8: 0x40) -> 0x70.
  data += Bytes({0x80, 0x01, 0x04, 0x04, 0x08, 0x03, 0x03, 0x00, 0x00, 0x00});
  std::string mini(12, '\0');
  mini[0] = 0x70;
  data += mini;
  data += "axislebabbleyhood";
  std::string storage;
  std::vector<std::string_view> out;
  std::vector<int64_t> scratch;
  absl::Status s = DecodeDeltaByteArrays(data, 4, &storage, &out, &scratch);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(out, ElementsAre("axis", "axle", "babble", "babyhood"));
}

TEST(DeltaByteArrayTest, PrefixLongerThanThePreviousValueIsAnError) {
  // One value with prefix 3 (there is no previous value).
  std::string data = Bytes({0x80, 0x01, 0x04, 0x01, 0x06});
  data += Bytes({0x80, 0x01, 0x04, 0x01, 0x02});
  data += "ab";
  std::string storage;
  std::vector<std::string_view> out;
  std::vector<int64_t> scratch;
  absl::Status s = DecodeDeltaByteArrays(data, 1, &storage, &out, &scratch);
  EXPECT_THAT(std::string(s.message()), HasSubstr("prefix 3"));
}

TEST(PlainByteArrayTest, LengthsAndOverruns) {
  const std::string data = Bytes({2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0, 9, 0, 0, 0, 'x'});
  std::vector<std::string_view> out;
  EXPECT_TRUE(DecodePlainByteArrays(std::string_view(data).substr(0, 10), 2, &out).ok());
  EXPECT_THAT(out, ElementsAre("hi", ""));
  out.clear();
  EXPECT_THAT(std::string(DecodePlainByteArrays(data, 3, &out).message()), HasSubstr("runs past"));
}

TEST(ByteStreamSplitTest, SpecLayout) {
  // Two 4-byte values AA BB CC DD and 00 11 22 33 are stored as AA 00 BB 11 CC 22 DD 33.
  const std::string data = Bytes({0xaa, 0x00, 0xbb, 0x11, 0xcc, 0x22, 0xdd, 0x33});
  std::vector<uint8_t> out(8);
  ASSERT_TRUE(DecodeByteStreamSplit(data, 4, 2, out.data()).ok());
  EXPECT_THAT(out, ElementsAre(0xaa, 0xbb, 0xcc, 0xdd, 0x00, 0x11, 0x22, 0x33));
  EXPECT_FALSE(DecodeByteStreamSplit(data, 4, 3, out.data()).ok());
  EXPECT_FALSE(DecodeByteStreamSplit(data.substr(0, 7), 4, 1, out.data()).ok());
}

}  // namespace
}  // namespace strata::io::parquet
