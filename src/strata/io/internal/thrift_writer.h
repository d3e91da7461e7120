// An encoder for the Thrift compact protocol, the serialization of Parquet's page headers and
// file footer (parquet.thrift). It writes structs field by field in increasing field-id order;
// the caller knows the schema, so nothing here is generated code.
//
// Wire format (Thrift's TCompactProtocol spec): a field header is one byte
// (id delta << 4 | type) when the id grows by 1..15 from the previous field of the same
// struct, else the type byte followed by the zigzag varint id; integers are zigzag varints;
// binary is a varint length and the bytes; a bool field carries its value in the type nibble;
// a list header is (size << 4 | element type), or 0xF0 | type and a varint size from 15 on;
// a struct ends with a 0 (STOP) byte.
//
// Thread-safety: a writer is not thread-safe; separate writers are independent.
#ifndef STRATA_IO_INTERNAL_THRIFT_WRITER_H_
#define STRATA_IO_INTERNAL_THRIFT_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/io/internal/thrift_types.h"

namespace strata::io::thrift {

// Compact protocol type nibbles (one definition with the reader's).
using CompactType = parquet::ThriftType;

// Appends `value` as an unsigned LEB128 varint (7 bits a byte, low first): the compact
// protocol's integers after zigzag, and the headers of Parquet's RLE / bit-packed hybrid.
void AppendUleb128(uint64_t value, std::string* out);

// Appends to a caller-owned string. Usage:
//   CompactWriter w(&out);
//   w.BeginStruct();
//   w.FieldI32(1, 7);
//   w.FieldListBegin(2, CompactType::kI32, 2); w.I32(3); w.I32(4);
//   w.FieldStructBegin(3); w.FieldBool(1, true); w.EndStruct();
//   w.EndStruct();
// IMPORTANT: field ids within one struct must increase (the writer does not sort them), and
// every BeginStruct / FieldStructBegin needs its EndStruct.
class CompactWriter {
 public:
  explicit CompactWriter(std::string* out) : out_(out) {}

  // A top-level struct or a struct element of a list.
  void BeginStruct();
  // Writes the STOP byte and returns to the enclosing struct's field ids.
  void EndStruct();

  void FieldI16(int16_t id, int16_t value);
  void FieldI32(int16_t id, int32_t value);
  void FieldI64(int16_t id, int64_t value);
  void FieldBool(int16_t id, bool value);
  void FieldDouble(int16_t id, double value);
  void FieldBinary(int16_t id, std::string_view value);
  // A struct-valued field; write its fields, then EndStruct().
  void FieldStructBegin(int16_t id);
  // A list-valued field of `size` elements of `element_type`; write them with the element
  // methods below (struct elements with BeginStruct / EndStruct).
  void FieldListBegin(int16_t id, CompactType element_type, int32_t size);

  // List elements.
  void I32(int32_t value);
  void I64(int64_t value);
  void Binary(std::string_view value);

  // Zigzag varints, exposed for the tests.
  void Varint(uint64_t value) { AppendUleb128(value, out_); }
  static uint64_t ZigZag64(int64_t value) {
    return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  }
  static uint32_t ZigZag32(int32_t value) {
    return (static_cast<uint32_t>(value) << 1) ^ static_cast<uint32_t>(value >> 31);
  }

 private:
  void FieldHeader(int16_t id, CompactType type);

  std::string* out_ = nullptr;
  int16_t last_field_id_ = 0;
  std::vector<int16_t> enclosing_field_ids_;
};

}  // namespace strata::io::thrift

#endif  // STRATA_IO_INTERNAL_THRIFT_WRITER_H_
