// Decompress() against each library's own compressor (not our Compress(), which the writer
// owns), including Hadoop's LZ4 framing built by hand and a raw LZ4 block under codec LZ4.
#include <brotli/encode.h>
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/io/internal/codec.h"

namespace strata::io::parquet {
namespace {

using ::testing::HasSubstr;

std::string Sample() {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "value " + std::to_string(i % 97) + ";";
  return s;
}

std::string Gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Lz4Block(const std::string& in) {
  std::string out(static_cast<size_t>(LZ4_compressBound(static_cast<int>(in.size()))), '\0');
  const int n = LZ4_compress_default(in.data(), out.data(), static_cast<int>(in.size()),
                                     static_cast<int>(out.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string BigEndian32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  return s;
}

void ExpectRoundTrip(CompressionCodec codec, const std::string& compressed, const std::string& raw) {
  std::string out = "prefix";
  absl::Status s = Decompress(codec, compressed, static_cast<int64_t>(raw.size()), &out);
  ASSERT_TRUE(s.ok()) << CodecName(codec) << ": " << s;
  EXPECT_EQ(out, "prefix" + raw) << CodecName(codec);
}

TEST(CodecDecompressTest, EachCodec) {
  const std::string raw = Sample();
  ExpectRoundTrip(CompressionCodec::kUncompressed, raw, raw);
  std::string snappy;
  snappy::Compress(raw.data(), raw.size(), &snappy);
  ExpectRoundTrip(CompressionCodec::kSnappy, snappy, raw);
  ExpectRoundTrip(CompressionCodec::kGzip, Gzip(raw), raw);
  std::string zstd(ZSTD_compressBound(raw.size()), '\0');
  zstd.resize(ZSTD_compress(zstd.data(), zstd.size(), raw.data(), raw.size(), 3));
  ExpectRoundTrip(CompressionCodec::kZstd, zstd, raw);
  size_t brotli_size = BrotliEncoderMaxCompressedSize(raw.size());
  std::string brotli(brotli_size, '\0');
  ASSERT_TRUE(BrotliEncoderCompress(5, 22, BROTLI_MODE_GENERIC, raw.size(),
                                    reinterpret_cast<const uint8_t*>(raw.data()), &brotli_size,
                                    reinterpret_cast<uint8_t*>(brotli.data())));
  brotli.resize(brotli_size);
  ExpectRoundTrip(CompressionCodec::kBrotli, brotli, raw);
  ExpectRoundTrip(CompressionCodec::kLz4Raw, Lz4Block(raw), raw);
}

TEST(CodecDecompressTest, GzipConcatenatedMembers) {
  const std::string a = Sample();
  const std::string b = "second member";
  ExpectRoundTrip(CompressionCodec::kGzip, Gzip(a) + Gzip(b), a + b);
}

TEST(CodecDecompressTest, Lz4HadoopFramingAndRawFallback) {
  const std::string a = Sample();
  const std::string b = "tail of the page";
  const std::string la = Lz4Block(a);
  const std::string lb = Lz4Block(b);
  const std::string hadoop = BigEndian32(static_cast<uint32_t>(a.size())) +
                             BigEndian32(static_cast<uint32_t>(la.size())) + la +
                             BigEndian32(static_cast<uint32_t>(b.size())) +
                             BigEndian32(static_cast<uint32_t>(lb.size())) + lb;
  ExpectRoundTrip(CompressionCodec::kLz4, hadoop, a + b);
  ExpectRoundTrip(CompressionCodec::kLz4, Lz4Block(a), a);  // old parquet-cpp: a raw block
}

TEST(CodecDecompressTest, WrongSizesAndGarbageAreErrors) {
  const std::string raw = Sample();
  std::string snappy;
  snappy::Compress(raw.data(), raw.size(), &snappy);
  std::string out;
  absl::Status s = Decompress(CompressionCodec::kSnappy, snappy, 10, &out);
  EXPECT_THAT(std::string(s.message()), HasSubstr("SNAPPY"));
  EXPECT_TRUE(out.empty());
  for (CompressionCodec c : {CompressionCodec::kSnappy, CompressionCodec::kGzip,
                             CompressionCodec::kZstd, CompressionCodec::kBrotli,
                             CompressionCodec::kLz4, CompressionCodec::kLz4Raw}) {
    EXPECT_FALSE(Decompress(c, "not compressed data at all", 100, &out).ok()) << CodecName(c);
  }
  EXPECT_EQ(Decompress(CompressionCodec::kLzo, "x", 1, &out).code(),
            absl::StatusCode::kUnimplemented);
  // Nothing to decompress: no codec is called (an empty snappy stream is invalid).
  EXPECT_TRUE(Decompress(CompressionCodec::kSnappy, "", 0, &out).ok());
}

}  // namespace
}  // namespace strata::io::parquet
