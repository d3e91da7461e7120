#include "strata/io/internal/thrift_writer.h"

#include <cstring>

namespace strata::io::thrift {

void AppendUleb128(uint64_t value, std::string* out) {
  char buf[10];
  int n = 0;
  while (value >= 0x80) {
    buf[n++] = static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  buf[n++] = static_cast<char>(value);
  out->append(buf, static_cast<size_t>(n));
}

void CompactWriter::BeginStruct() {
  enclosing_field_ids_.push_back(last_field_id_);
  last_field_id_ = 0;
}

void CompactWriter::EndStruct() {
  out_->push_back('\0');
  last_field_id_ = enclosing_field_ids_.back();
  enclosing_field_ids_.pop_back();
}

void CompactWriter::FieldHeader(int16_t id, CompactType type) {
  const int delta = id - last_field_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<int>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    Varint(ZigZag32(id));
  }
  last_field_id_ = id;
}

void CompactWriter::FieldI16(int16_t id, int16_t value) {
  FieldHeader(id, CompactType::kI16);
  Varint(ZigZag32(value));
}

void CompactWriter::FieldI32(int16_t id, int32_t value) {
  FieldHeader(id, CompactType::kI32);
  Varint(ZigZag32(value));
}

void CompactWriter::FieldI64(int16_t id, int64_t value) {
  FieldHeader(id, CompactType::kI64);
  Varint(ZigZag64(value));
}

void CompactWriter::FieldBool(int16_t id, bool value) {
  FieldHeader(id, value ? CompactType::kBoolTrue : CompactType::kBoolFalse);
}

void CompactWriter::FieldDouble(int16_t id, double value) {
  FieldHeader(id, CompactType::kDouble);
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(bits >> (8 * i));
  out_->append(buf, sizeof(buf));
}

void CompactWriter::FieldBinary(int16_t id, std::string_view value) {
  FieldHeader(id, CompactType::kBinary);
  Binary(value);
}

void CompactWriter::FieldStructBegin(int16_t id) {
  FieldHeader(id, CompactType::kStruct);
  BeginStruct();
}

void CompactWriter::FieldListBegin(int16_t id, CompactType element_type, int32_t size) {
  FieldHeader(id, CompactType::kList);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<int>(element_type)));
  } else {
    out_->push_back(static_cast<char>(0xF0 | static_cast<int>(element_type)));
    Varint(static_cast<uint32_t>(size));
  }
}

void CompactWriter::I32(int32_t value) { Varint(ZigZag32(value)); }

void CompactWriter::I64(int64_t value) { Varint(ZigZag64(value)); }

void CompactWriter::Binary(std::string_view value) {
  Varint(value.size());
  out_->append(value.data(), value.size());
}

}  // namespace strata::io::thrift
