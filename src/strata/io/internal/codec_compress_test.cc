// Compress() round trips, decompressed here with each library directly (the reader's
// Decompress() is tested on its own side).
#include <brotli/decode.h>
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>

#include "gtest/gtest.h"
#include "strata/io/internal/codec.h"

namespace strata::io::parquet {
namespace {

std::string Decompress(CompressionCodec codec, const std::string& in, size_t size) {
  std::string out(size, '\0');
  switch (codec) {
    case CompressionCodec::kUncompressed:
      return in;
    case CompressionCodec::kSnappy: {
      std::string s;
      EXPECT_TRUE(snappy::Uncompress(in.data(), in.size(), &s));
      return s;
    }
    case CompressionCodec::kZstd: {
      const size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
      EXPECT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
      out.resize(ZSTD_isError(n) ? 0 : n);
      return out;
    }
    case CompressionCodec::kGzip: {
      z_stream s{};
      EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);  // gzip container only
      s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      s.avail_in = static_cast<uInt>(in.size());
      s.next_out = reinterpret_cast<Bytef*>(out.data());
      s.avail_out = static_cast<uInt>(out.size());
      EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);
      out.resize(s.total_out);
      inflateEnd(&s);
      return out;
    }
    case CompressionCodec::kBrotli: {
      size_t n = out.size();
      EXPECT_EQ(BrotliDecoderDecompress(in.size(), reinterpret_cast<const uint8_t*>(in.data()), &n,
                                        reinterpret_cast<uint8_t*>(out.data())),
                BROTLI_DECODER_RESULT_SUCCESS);
      out.resize(n);
      return out;
    }
    case CompressionCodec::kLz4Raw: {
      const int n = LZ4_decompress_safe(in.data(), out.data(), static_cast<int>(in.size()),
                                        static_cast<int>(out.size()));
      EXPECT_GE(n, 0);
      out.resize(n < 0 ? 0 : static_cast<size_t>(n));
      return out;
    }
    default:
      ADD_FAILURE() << "no decompressor for codec " << static_cast<int>(codec);
      return "";
  }
}

std::string Sample(size_t n) {
  std::mt19937 rng(3);
  std::string s;
  const char* words[] = {"alpha", "beta", "gamma", "delta", "\x01\x02", "zeta"};
  while (s.size() < n) s += words[rng() % 6];
  s.resize(n);
  return s;
}

class CodecRoundTrip : public ::testing::TestWithParam<CompressionCodec> {};

TEST_P(CodecRoundTrip, CompressThenDecompressGivesTheInput) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{1} << 20}) {
    const std::string input = Sample(n);
    std::string out = "prefix";  // Compress appends
    ASSERT_TRUE(Compress(GetParam(), input, 0, &out).ok());
    ASSERT_EQ(out.substr(0, 6), "prefix");
    EXPECT_EQ(Decompress(GetParam(), out.substr(6), n), input) << "size " << n;
    if (n == (size_t{1} << 20) && GetParam() != CompressionCodec::kUncompressed) {
      EXPECT_LT(out.size(), n / 2) << "repetitive text should compress";
    }
  }
}

TEST_P(CodecRoundTrip, ExplicitLevels) {
  const std::string input = Sample(50000);
  const int level = GetParam() == CompressionCodec::kZstd     ? 19
                    : GetParam() == CompressionCodec::kGzip   ? 9
                    : GetParam() == CompressionCodec::kBrotli ? 5
                    : GetParam() == CompressionCodec::kLz4Raw ? 9
                                                              : 0;
  std::string out;
  ASSERT_TRUE(Compress(GetParam(), input, level, &out).ok());
  EXPECT_EQ(Decompress(GetParam(), out, input.size()), input);
}

INSTANTIATE_TEST_SUITE_P(AllWritten, CodecRoundTrip,
                         ::testing::Values(CompressionCodec::kUncompressed,
                                           CompressionCodec::kSnappy, CompressionCodec::kGzip,
                                           CompressionCodec::kZstd, CompressionCodec::kBrotli,
                                           CompressionCodec::kLz4Raw));

TEST(CodecTest, GzipWritesTheGzipContainer) {
  std::string out;
  ASSERT_TRUE(Compress(CompressionCodec::kGzip, "hello", 0, &out).ok());
  ASSERT_GE(out.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x1F);
  EXPECT_EQ(static_cast<uint8_t>(out[1]), 0x8B);
}

TEST(CodecTest, UnwritableCodecsAreUnimplemented) {
  std::string out;
  EXPECT_EQ(Compress(CompressionCodec::kLzo, "x", 0, &out).code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_EQ(Compress(CompressionCodec::kLz4, "x", 0, &out).code(),
            absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace strata::io::parquet
