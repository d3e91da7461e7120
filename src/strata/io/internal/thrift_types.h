// The Thrift compact protocol's wire types, shared by the Parquet footer's reader and writer.
#ifndef STRATA_IO_INTERNAL_THRIFT_TYPES_H_
#define STRATA_IO_INTERNAL_THRIFT_TYPES_H_

#include <cstdint>

namespace strata::io::parquet {

// Compact protocol wire types (the low nibble of a field header).
enum class ThriftType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_THRIFT_TYPES_H_
