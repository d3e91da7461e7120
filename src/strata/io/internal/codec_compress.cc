// The writer's half of codec.h: Compress() for the codecs Strata writes.
#include <brotli/encode.h>
#include <lz4.h>
#include <lz4hc.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <climits>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/io/internal/codec.h"

namespace strata::io::parquet {
namespace {

// One zstd context per thread: creating one per page would re-allocate its tables each time.
struct ZstdContextDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

ZSTD_CCtx* ThreadZstdContext() {
  thread_local std::unique_ptr<ZSTD_CCtx, ZstdContextDeleter> context(ZSTD_createCCtx());
  return context.get();
}

// Grows `out` by `bound` bytes and returns where the codec may write them.
char* Grow(std::string* out, size_t bound) {
  const size_t start = out->size();
  out->resize(start + bound);
  return out->data() + start;
}

absl::Status CompressZstd(std::string_view input, int level, std::string* out) {
  const size_t start = out->size();
  char* dst = Grow(out, ZSTD_compressBound(input.size()));
  ZSTD_CCtx* context = ThreadZstdContext();
  if (context == nullptr) return absl::ResourceExhaustedError("zstd: cannot create a context");
  const size_t n = ZSTD_compressCCtx(context, dst, ZSTD_compressBound(input.size()), input.data(),
                                     input.size(), level == 0 ? ZSTD_CLEVEL_DEFAULT : level);
  if (ZSTD_isError(n)) {
    out->resize(start);
    return absl::InternalError(absl::StrCat("zstd compression failed: ", ZSTD_getErrorName(n)));
  }
  out->resize(start + n);
  return absl::OkStatus();
}

absl::Status CompressSnappy(std::string_view input, std::string* out) {
  const size_t start = out->size();
  char* dst = Grow(out, snappy::MaxCompressedLength(input.size()));
  size_t n = 0;
  snappy::RawCompress(input.data(), input.size(), dst, &n);
  out->resize(start + n);
  return absl::OkStatus();
}

// Parquet's GZIP is the gzip container (RFC 1952) around deflate.
absl::Status CompressGzip(std::string_view input, int level, std::string* out) {
  if (input.size() > UINT_MAX) return absl::InvalidArgumentError("gzip: page over 4 GiB");
  z_stream stream{};
  constexpr int kGzipWindowBits = 15 + 16;
  if (deflateInit2(&stream, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, kGzipWindowBits,
                   8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InvalidArgumentError(absl::StrCat("gzip: bad compression level ", level));
  }
  const size_t start = out->size();
  const uLong bound = deflateBound(&stream, static_cast<uLong>(input.size()));
  char* dst = Grow(out, bound);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(dst);
  stream.avail_out = static_cast<uInt>(bound);
  const int rc = deflate(&stream, Z_FINISH);
  const uLong written = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) {
    out->resize(start);
    return absl::InternalError(absl::StrCat("gzip compression failed (zlib code ", rc, ")"));
  }
  out->resize(start + written);
  return absl::OkStatus();
}

absl::Status CompressBrotli(std::string_view input, int level, std::string* out) {
  // Quality 11 (brotli's own default) is an order of magnitude slower; 8 is what Parquet
  // writers commonly default to.
  constexpr int kDefaultQuality = 8;
  const size_t start = out->size();
  size_t n = BrotliEncoderMaxCompressedSize(input.size());
  if (n == 0) n = input.size() + 1024;
  char* dst = Grow(out, n);
  if (!BrotliEncoderCompress(level == 0 ? kDefaultQuality : level, BROTLI_DEFAULT_WINDOW,
                             BROTLI_MODE_GENERIC, input.size(),
                             reinterpret_cast<const uint8_t*>(input.data()), &n,
                             reinterpret_cast<uint8_t*>(dst))) {
    out->resize(start);
    return absl::InternalError("brotli compression failed");
  }
  out->resize(start + n);
  return absl::OkStatus();
}

absl::Status CompressLz4Raw(std::string_view input, int level, std::string* out) {
  if (input.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    return absl::InvalidArgumentError("lz4: page over LZ4's input limit");
  }
  const size_t start = out->size();
  const int bound = LZ4_compressBound(static_cast<int>(input.size()));
  char* dst = Grow(out, static_cast<size_t>(bound));
  const int n =
      level > 0 ? LZ4_compress_HC(input.data(), dst, static_cast<int>(input.size()), bound, level)
                : LZ4_compress_default(input.data(), dst, static_cast<int>(input.size()), bound);
  if (n <= 0) {
    out->resize(start);
    return absl::InternalError("lz4 compression failed");
  }
  out->resize(start + static_cast<size_t>(n));
  return absl::OkStatus();
}

}  // namespace

absl::Status Compress(CompressionCodec codec, std::string_view input, int level, std::string* out) {
  switch (codec) {
    case CompressionCodec::kUncompressed:
      out->append(input.data(), input.size());
      return absl::OkStatus();
    case CompressionCodec::kSnappy:
      return CompressSnappy(input, out);
    case CompressionCodec::kGzip:
      return CompressGzip(input, level, out);
    case CompressionCodec::kZstd:
      return CompressZstd(input, level, out);
    case CompressionCodec::kBrotli:
      return CompressBrotli(input, level, out);
    case CompressionCodec::kLz4Raw:
      return CompressLz4Raw(input, level, out);
    case CompressionCodec::kLzo:
    case CompressionCodec::kLz4:
      break;
  }
  return absl::UnimplementedError(absl::StrCat(
      "writing with compression codec ", static_cast<int>(codec),
      " is not supported (supported: uncompressed, snappy, gzip, zstd, brotli, lz4_raw)"));
}

}  // namespace strata::io::parquet
