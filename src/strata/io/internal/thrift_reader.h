// A reader of Apache Thrift's COMPACT protocol, the encoding of Parquet's footer and page
// headers. Every read is bounds-checked against the buffer; errors name the absolute file byte
// offset (the buffer's `base_offset` plus the position) so a bad footer can be located.
//
// Thread-safety: a ThriftReader is not thread-safe; it borrows its buffer.
#ifndef STRATA_IO_INTERNAL_THRIFT_READER_H_
#define STRATA_IO_INTERNAL_THRIFT_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "strata/io/internal/thrift_types.h"

namespace strata::io::parquet {


struct ThriftListHeader {
  ThriftType element_type = ThriftType::kStop;
  int64_t size = 0;
};

class ThriftReader {
 public:
  // Structs nested deeper than this are rejected (a hostile footer cannot exhaust the stack).
  static constexpr int kMaxDepth = 64;

  ThriftReader(std::string_view buffer, int64_t base_offset)
      : data_(buffer), base_offset_(base_offset) {}

  // Bytes consumed so far.
  size_t position() const { return pos_; }
  int64_t file_offset() const { return base_offset_ + static_cast<int64_t>(pos_); }

  absl::StatusOr<uint64_t> ReadVarint();
  absl::StatusOr<int64_t> ReadZigzag();  // i16 / i32 / i64 values
  absl::StatusOr<int32_t> ReadI32();     // zigzag varint, range-checked to 32 bits
  absl::StatusOr<int8_t> ReadByte();
  absl::StatusOr<double> ReadDouble();
  absl::StatusOr<std::string_view> ReadBinary();  // a view into the buffer
  // A bool element of a list (one byte); struct fields carry their bool in the header.
  absl::StatusOr<bool> ReadListBool();
  absl::StatusOr<ThriftListHeader> ReadListHeader();

  // Reads one struct: calls `field(id, type)` for each field, which must consume the field's
  // value (or call Skip(type)). Handles the id deltas and the STOP byte; fields of unknown id
  // should be skipped by the callback. `depth` is the caller's nesting depth.
  absl::Status ReadStruct(int depth,
                          const std::function<absl::Status(int16_t id, ThriftType type)>& field);

  // Skips a value of `type` (structs, lists, sets, maps recursively, up to kMaxDepth).
  absl::Status Skip(ThriftType type, int depth = 0);

  // An InvalidArgument "thrift at byte N: <what>".
  absl::Status Error(std::string_view what) const;

 private:
  std::string_view data_;
  int64_t base_offset_ = 0;
  size_t pos_ = 0;
};

// A bool field's value: its wire type is its value.
inline bool ThriftBoolValue(ThriftType type) { return type == ThriftType::kBoolTrue; }

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_THRIFT_READER_H_
