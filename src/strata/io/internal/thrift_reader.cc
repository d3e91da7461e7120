#include "strata/io/internal/thrift_reader.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"

namespace strata::io::parquet {

absl::Status ThriftReader::Error(std::string_view what) const {
  return absl::InvalidArgumentError(
      absl::StrCat("thrift at byte ", file_offset(), ": ", AsAbsl(what)));
}

absl::StatusOr<uint64_t> ThriftReader::ReadVarint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos_ >= data_.size()) return Error("truncated varint");
    const auto byte = static_cast<uint8_t>(data_[pos_++]);
    if (shift == 63 && (byte & 0x7e) != 0) return Error("varint overflows 64 bits");
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return Error("varint longer than 10 bytes");
}

absl::StatusOr<int64_t> ThriftReader::ReadZigzag() {
  ASSIGN_OR_RETURN(uint64_t raw, ReadVarint());
  return static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);
}

absl::StatusOr<int32_t> ThriftReader::ReadI32() {
  ASSIGN_OR_RETURN(int64_t v, ReadZigzag());
  if (v < INT32_MIN || v > INT32_MAX) return Error("i32 value out of range");
  return static_cast<int32_t>(v);
}

absl::StatusOr<int8_t> ThriftReader::ReadByte() {
  if (pos_ >= data_.size()) return Error("truncated byte");
  return static_cast<int8_t>(data_[pos_++]);
}

absl::StatusOr<bool> ThriftReader::ReadListBool() {
  ASSIGN_OR_RETURN(int8_t b, ReadByte());
  return b == 1;
}

absl::StatusOr<double> ThriftReader::ReadDouble() {
  if (data_.size() - pos_ < 8) return Error("truncated double");
  double v = 0;
  std::memcpy(&v, data_.data() + pos_, 8);  // little-endian on the wire, as on our targets
  pos_ += 8;
  return v;
}

absl::StatusOr<std::string_view> ThriftReader::ReadBinary() {
  ASSIGN_OR_RETURN(uint64_t len, ReadVarint());
  if (len > data_.size() - pos_) {
    return Error(absl::StrCat("binary of ", len, " bytes runs past the end (", data_.size() - pos_,
                              " left)"));
  }
  std::string_view out = data_.substr(pos_, len);
  pos_ += len;
  return out;
}

absl::StatusOr<ThriftListHeader> ThriftReader::ReadListHeader() {
  ASSIGN_OR_RETURN(int8_t b, ReadByte());
  const auto byte = static_cast<uint8_t>(b);
  ThriftListHeader h;
  h.element_type = static_cast<ThriftType>(byte & 0x0f);
  uint64_t size = byte >> 4;
  if (size == 15) {
    ASSIGN_OR_RETURN(size, ReadVarint());
  }
  // Every element takes at least one byte, so a longer list is a lie.
  if (size > data_.size() - pos_) {
    return Error(absl::StrCat("list of ", size, " elements longer than the remaining ",
                              data_.size() - pos_, " bytes"));
  }
  h.size = static_cast<int64_t>(size);
  return h;
}

absl::Status ThriftReader::ReadStruct(
    int depth, const std::function<absl::Status(int16_t id, ThriftType type)>& field) {
  if (depth > kMaxDepth) return Error("structs nested too deeply");
  int16_t last_id = 0;
  while (true) {
    ASSIGN_OR_RETURN(int8_t b, ReadByte());
    const auto byte = static_cast<uint8_t>(b);
    const auto type = static_cast<ThriftType>(byte & 0x0f);
    if (type == ThriftType::kStop) return absl::OkStatus();
    if (static_cast<uint8_t>(type) > static_cast<uint8_t>(ThriftType::kStruct)) {
      return Error(absl::StrCat("unknown field type ", static_cast<int>(type)));
    }
    const int delta = byte >> 4;
    int16_t id = 0;
    if (delta != 0) {
      id = static_cast<int16_t>(last_id + delta);
    } else {
      ASSIGN_OR_RETURN(int64_t raw, ReadZigzag());
      if (raw < INT16_MIN || raw > INT16_MAX) return Error("field id out of range");
      id = static_cast<int16_t>(raw);
    }
    last_id = id;
    RETURN_IF_ERROR(field(id, type));
  }
}

absl::Status ThriftReader::Skip(ThriftType type, int depth) {
  if (depth > kMaxDepth) return Error("values nested too deeply");
  switch (type) {
    case ThriftType::kBoolTrue:
    case ThriftType::kBoolFalse:
      return absl::OkStatus();  // the value was in the field header
    case ThriftType::kByte:
      return ReadByte().status();
    case ThriftType::kI16:
    case ThriftType::kI32:
    case ThriftType::kI64:
      return ReadVarint().status();
    case ThriftType::kDouble:
      return ReadDouble().status();
    case ThriftType::kBinary:
      return ReadBinary().status();
    case ThriftType::kList:
    case ThriftType::kSet: {
      ASSIGN_OR_RETURN(ThriftListHeader h, ReadListHeader());
      for (int64_t i = 0; i < h.size; ++i) {
        // Inside a list a bool is one byte.
        if (h.element_type == ThriftType::kBoolTrue || h.element_type == ThriftType::kBoolFalse) {
          RETURN_IF_ERROR(ReadByte().status());
        } else {
          RETURN_IF_ERROR(Skip(h.element_type, depth + 1));
        }
      }
      return absl::OkStatus();
    }
    case ThriftType::kMap: {
      ASSIGN_OR_RETURN(uint64_t size, ReadVarint());
      if (size == 0) return absl::OkStatus();
      if (size > data_.size() - pos_) return Error("map longer than the remaining bytes");
      ASSIGN_OR_RETURN(int8_t kv, ReadByte());
      const auto key = static_cast<ThriftType>((static_cast<uint8_t>(kv) >> 4) & 0x0f);
      const auto value = static_cast<ThriftType>(static_cast<uint8_t>(kv) & 0x0f);
      for (uint64_t i = 0; i < size; ++i) {
        for (ThriftType t : {key, value}) {
          if (t == ThriftType::kBoolTrue || t == ThriftType::kBoolFalse) {
            RETURN_IF_ERROR(ReadByte().status());
          } else {
            RETURN_IF_ERROR(Skip(t, depth + 1));
          }
        }
      }
      return absl::OkStatus();
    }
    case ThriftType::kStruct:
      return ReadStruct(depth + 1,
                        [&](int16_t, ThriftType t) { return Skip(t, depth + 1); });
    case ThriftType::kStop:
      break;
  }
  return Error(absl::StrCat("cannot skip a value of type ", static_cast<int>(type)));
}

}  // namespace strata::io::parquet
