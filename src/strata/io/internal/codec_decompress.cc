// The reader's side of the page codecs. Each decompressor writes into exactly the size the
// page header declares; a codec yielding any other size is an error, never a short page.
#include <brotli/decode.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/io/internal/codec.h"

namespace strata::io::parquet {
namespace {

absl::Status CodecError(CompressionCodec codec, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(AsAbsl(CodecName(codec)), " decompression failed: ", AsAbsl(what)));
}

std::string SizeMismatch(int64_t got, int64_t want) {
  return absl::StrCat("produced ", got, " bytes, the page header says ", want);
}

// gzip or zlib streams (inflate detects the header), several concatenated members allowed.
absl::Status Inflate(std::string_view in, char* out, int64_t size) {
  z_stream z;
  std::memset(&z, 0, sizeof(z));
  if (inflateInit2(&z, 15 + 32) != Z_OK) return CodecError(CompressionCodec::kGzip, "init");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out);
  z.avail_out = static_cast<uInt>(size);
  absl::Status status;
  while (true) {
    const int rc = inflate(&z, Z_FINISH);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0 || z.avail_out == 0) break;
      if (inflateReset(&z) != Z_OK) {
        status = CodecError(CompressionCodec::kGzip, "reset between members");
        break;
      }
      continue;
    }
    if (rc == Z_OK) continue;  // more input was consumed; loop until end or error
    status = CodecError(CompressionCodec::kGzip, z.msg != nullptr ? z.msg : "corrupt stream");
    break;
  }
  const int64_t produced = size - static_cast<int64_t>(z.avail_out);
  inflateEnd(&z);
  if (!status.ok()) return status;
  if (produced != size) return CodecError(CompressionCodec::kGzip, SizeMismatch(produced, size));
  return absl::OkStatus();
}

uint32_t LoadBigEndian32(const char* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

// Hadoop's framing: [u32 BE uncompressed length][u32 BE compressed length][LZ4 block]...
bool TryHadoopLz4(std::string_view in, char* out, int64_t size) {
  size_t pos = 0;
  int64_t written = 0;
  while (pos < in.size()) {
    if (in.size() - pos < 8) return false;
    const uint32_t raw_len = LoadBigEndian32(in.data() + pos);
    const uint32_t block_len = LoadBigEndian32(in.data() + pos + 4);
    pos += 8;
    if (block_len > in.size() - pos || raw_len > size - written) return false;
    const int got = LZ4_decompress_safe(in.data() + pos, out + written, static_cast<int>(block_len),
                                        static_cast<int>(raw_len));
    if (got < 0 || static_cast<uint32_t>(got) != raw_len) return false;
    pos += block_len;
    written += raw_len;
  }
  return written == size;
}

bool TryLz4Frame(std::string_view in, char* out, int64_t size) {
  if (in.size() < 4 || LoadBigEndian32(in.data()) != 0x04224D18) return false;  // LE 0x184D2204
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) return false;
  size_t in_pos = 0;
  size_t out_pos = 0;
  bool ok = true;
  while (in_pos < in.size()) {
    size_t out_avail = static_cast<size_t>(size) - out_pos;
    size_t in_avail = in.size() - in_pos;
    const size_t rc = LZ4F_decompress(ctx, out + out_pos, &out_avail, in.data() + in_pos,
                                      &in_avail, nullptr);
    if (LZ4F_isError(rc)) {
      ok = false;
      break;
    }
    in_pos += in_avail;
    out_pos += out_avail;
    if (rc == 0) break;
    if (in_avail == 0 && out_avail == 0) {
      ok = false;  // no progress
      break;
    }
  }
  LZ4F_freeDecompressionContext(ctx);
  return ok && out_pos == static_cast<size_t>(size);
}

}  // namespace

std::string_view CodecName(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::kUncompressed:
      return "UNCOMPRESSED";
    case CompressionCodec::kSnappy:
      return "SNAPPY";
    case CompressionCodec::kGzip:
      return "GZIP";
    case CompressionCodec::kLzo:
      return "LZO";
    case CompressionCodec::kBrotli:
      return "BROTLI";
    case CompressionCodec::kLz4:
      return "LZ4";
    case CompressionCodec::kZstd:
      return "ZSTD";
    case CompressionCodec::kLz4Raw:
      return "LZ4_RAW";
  }
  return "UNKNOWN_CODEC";
}

absl::Status Decompress(CompressionCodec codec, std::string_view input, int64_t uncompressed_size,
                        std::string* out) {
  if (uncompressed_size < 0 || uncompressed_size > INT32_MAX) {
    return CodecError(codec, absl::StrCat("invalid uncompressed size ", uncompressed_size));
  }
  if (codec == CompressionCodec::kUncompressed) {
    if (static_cast<int64_t>(input.size()) != uncompressed_size) {
      return CodecError(codec, SizeMismatch(static_cast<int64_t>(input.size()), uncompressed_size));
    }
    out->append(input.data(), input.size());
    return absl::OkStatus();
  }
  // An empty page needs no codec (some writers store zero bytes, an invalid stream for most).
  if (uncompressed_size == 0) return absl::OkStatus();
  if (codec == CompressionCodec::kLzo) {
    return absl::UnimplementedError("unsupported: LZO compression");
  }
  // Sizes the codecs cannot produce from this input are refused before anything is
  // allocated, so a lying page header costs nothing (LZ4 expands at most ~255x, deflate
  // ~1032x; snappy and zstd frames state their size).
  const auto in_size = static_cast<int64_t>(input.size());
  const bool lz4 = codec == CompressionCodec::kLz4 || codec == CompressionCodec::kLz4Raw;
  if ((lz4 && uncompressed_size > in_size * 256 + 64) ||
      (codec == CompressionCodec::kGzip && uncompressed_size > in_size * 1032 + 1024)) {
    return CodecError(codec, absl::StrCat(input.size(), " bytes cannot expand to ",
                                          uncompressed_size));
  }
  if (codec == CompressionCodec::kSnappy) {
    size_t len = 0;
    if (!snappy::GetUncompressedLength(input.data(), input.size(), &len)) {
      return CodecError(codec, "corrupt length header");
    }
    if (static_cast<int64_t>(len) != uncompressed_size) {
      return CodecError(codec, SizeMismatch(static_cast<int64_t>(len), uncompressed_size));
    }
  }
  if (codec == CompressionCodec::kZstd) {
    const unsigned long long declared = ZSTD_getFrameContentSize(input.data(), input.size());
    if (declared == ZSTD_CONTENTSIZE_ERROR) return CodecError(codec, "not a zstd frame");
    if (declared != ZSTD_CONTENTSIZE_UNKNOWN &&
        declared > static_cast<unsigned long long>(uncompressed_size)) {
      return CodecError(codec, SizeMismatch(static_cast<int64_t>(declared), uncompressed_size));
    }
  }
  const size_t base = out->size();
  out->resize(base + static_cast<size_t>(uncompressed_size));
  char* dst = out->data() + base;
  absl::Status status;
  switch (codec) {
    case CompressionCodec::kSnappy:
      if (!snappy::RawUncompress(input.data(), input.size(), dst)) {
        status = CodecError(codec, "corrupt stream");
      }
      break;
    case CompressionCodec::kGzip:
      status = Inflate(input, dst, uncompressed_size);
      break;
    case CompressionCodec::kZstd: {
      const size_t rc = ZSTD_decompress(dst, static_cast<size_t>(uncompressed_size), input.data(),
                                        input.size());
      if (ZSTD_isError(rc)) {
        status = CodecError(codec, ZSTD_getErrorName(rc));
      } else if (static_cast<int64_t>(rc) != uncompressed_size) {
        status = CodecError(codec, SizeMismatch(static_cast<int64_t>(rc), uncompressed_size));
      }
      break;
    }
    case CompressionCodec::kBrotli: {
      size_t len = static_cast<size_t>(uncompressed_size);
      if (BrotliDecoderDecompress(input.size(), reinterpret_cast<const uint8_t*>(input.data()),
                                  &len, reinterpret_cast<uint8_t*>(dst)) !=
          BROTLI_DECODER_RESULT_SUCCESS) {
        status = CodecError(codec, "corrupt stream or wrong size");
      } else if (static_cast<int64_t>(len) != uncompressed_size) {
        status = CodecError(codec, SizeMismatch(static_cast<int64_t>(len), uncompressed_size));
      }
      break;
    }
    case CompressionCodec::kLz4Raw: {
      const int got = LZ4_decompress_safe(input.data(), dst, static_cast<int>(input.size()),
                                          static_cast<int>(uncompressed_size));
      if (got < 0) {
        status = CodecError(codec, "corrupt block");
      } else if (got != uncompressed_size) {
        status = CodecError(codec, SizeMismatch(got, uncompressed_size));
      }
      break;
    }
    case CompressionCodec::kLz4: {
      // Codec LZ4 is Hadoop-framed in parquet-mr files, a raw block in old parquet-cpp
      // files and occasionally an LZ4 frame: try each, as parquet-cpp does.
      if (TryHadoopLz4(input, dst, uncompressed_size)) break;
      if (TryLz4Frame(input, dst, uncompressed_size)) break;
      const int got = LZ4_decompress_safe(input.data(), dst, static_cast<int>(input.size()),
                                          static_cast<int>(uncompressed_size));
      if (got != uncompressed_size) {
        status = CodecError(codec, "neither Hadoop-framed, LZ4 frame nor raw LZ4 block data");
      }
      break;
    }
    default:
      status = absl::UnimplementedError(
          absl::StrCat("unsupported: compression codec ", static_cast<int>(codec)));
  }
  if (!status.ok()) out->resize(base);
  return status;
}

}  // namespace strata::io::parquet
