// Enumerations of the Apache Parquet format (parquet.thrift), shared by the reader and the
// writer. Values are the format's own wire numbers.
#ifndef STRATA_IO_INTERNAL_PARQUET_FORMAT_H_
#define STRATA_IO_INTERNAL_PARQUET_FORMAT_H_

#include <cstdint>

namespace strata::io::parquet {

inline constexpr char kMagic[4] = {'P', 'A', 'R', '1'};
// Files whose footer starts with this magic are encrypted (not supported).
inline constexpr char kEncryptedMagic[4] = {'P', 'A', 'R', 'E'};

enum class PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class ConvertedType : int32_t {
  kUtf8 = 0,
  kMap = 1,
  kMapKeyValue = 2,
  kList = 3,
  kEnum = 4,
  kDecimal = 5,
  kDate = 6,
  kTimeMillis = 7,
  kTimeMicros = 8,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kUint8 = 11,
  kUint16 = 12,
  kUint32 = 13,
  kUint64 = 14,
  kInt8 = 15,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
  kJson = 19,
  kBson = 20,
  kInterval = 21,
};

enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

enum class CompressionCodec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,  // Hadoop's framed LZ4 (deprecated), sometimes raw LZ4 in old writers
  kZstd = 6,
  kLz4Raw = 7,
};

enum class PageType : int32_t {
  kDataPage = 0,
  kIndexPage = 1,
  kDictionaryPage = 2,
  kDataPageV2 = 3,
};

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_PARQUET_FORMAT_H_
