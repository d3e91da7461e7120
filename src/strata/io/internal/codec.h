// Block compression codecs used by Parquet pages. Decompress() lives in codec_decompress.cc
// (the reader's side), Compress() in codec_compress.cc (the writer's side).
#ifndef STRATA_IO_INTERNAL_CODEC_H_
#define STRATA_IO_INTERNAL_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "strata/io/internal/parquet_format.h"

namespace strata::io::parquet {

// Decompresses `input` into exactly `uncompressed_size` bytes appended to `out`. A codec that
// yields another size, or fails, is InvalidArgument naming the codec; kLzo is Unimplemented.
absl::Status Decompress(CompressionCodec codec, std::string_view input, int64_t uncompressed_size,
                        std::string* out);

// Compresses `input` with `codec` (kUncompressed, kSnappy, kGzip, kZstd, kBrotli, kLz4Raw),
// appending to `out`. `level` is the codec's own level (0 = its default).
absl::Status Compress(CompressionCodec codec, std::string_view input, int level, std::string* out);

// "UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW".
std::string_view CodecName(CompressionCodec codec);

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_CODEC_H_
