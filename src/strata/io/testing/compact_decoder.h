// Test-only: a generic Thrift compact protocol decoder, so the writer's tests can check the
// page headers and footers it produces field by field without the production reader.
// Every value decodes into a ThriftValue tree; errors set `error` and stop.
#ifndef STRATA_IO_TESTING_COMPACT_DECODER_H_
#define STRATA_IO_TESTING_COMPACT_DECODER_H_

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace strata::io::testing {

struct ThriftValue {
  int type = 0;  // compact type nibble; bools decode as 1 with `b` set
  int64_t i = 0;
  double d = 0;
  bool b = false;
  std::string bin;
  std::vector<ThriftValue> list;
  std::map<int16_t, ThriftValue> fields;

  bool Has(int16_t id) const { return fields.count(id) != 0; }
  const ThriftValue& F(int16_t id) const {
    static const ThriftValue kMissing;
    auto it = fields.find(id);
    return it == fields.end() ? kMissing : it->second;
  }
};

class CompactDecoder {
 public:
  explicit CompactDecoder(std::string_view data) : data_(data) {}

  ThriftValue Struct() {
    ThriftValue v;
    v.type = 12;
    int16_t last = 0;
    while (error.empty()) {
      const uint8_t header = Byte();
      if (header == 0) break;
      const int type = header & 0x0F;
      const int delta = header >> 4;
      const int16_t id = delta != 0 ? static_cast<int16_t>(last + delta)
                                    : static_cast<int16_t>(UnZigZag(Varint()));
      last = id;
      ThriftValue field;
      if (type == 1 || type == 2) {
        field.type = 1;
        field.b = type == 1;
      } else {
        field = Value(type);
      }
      v.fields[id] = std::move(field);
    }
    return v;
  }

  size_t position() const { return pos_; }
  std::string error;

 private:
  ThriftValue Value(int type) {
    ThriftValue v;
    v.type = type;
    switch (type) {
      case 1:
      case 2:
        v.b = Byte() == 1;
        v.type = 1;
        break;
      case 3:
        v.i = static_cast<int8_t>(Byte());
        break;
      case 4:
      case 5:
      case 6:
        v.i = UnZigZag(Varint());
        break;
      case 7: {
        uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) bits |= static_cast<uint64_t>(Byte()) << (8 * k);
        std::memcpy(&v.d, &bits, sizeof(v.d));
        break;
      }
      case 8: {
        const uint64_t n = Varint();
        if (n > data_.size() - pos_) {
          error = "binary past the end";
          break;
        }
        v.bin = std::string(data_.substr(pos_, n));
        pos_ += n;
        break;
      }
      case 9:
      case 10: {
        const uint8_t header = Byte();
        uint64_t n = header >> 4;
        if (n == 15) n = Varint();
        for (uint64_t k = 0; k < n && error.empty(); ++k) v.list.push_back(Value(header & 0x0F));
        break;
      }
      case 12:
        return Struct();
      default:
        error = "unsupported type " + std::to_string(type);
    }
    return v;
  }

  uint8_t Byte() {
    if (pos_ >= data_.size()) {
      error = "unexpected end";
      return 0;
    }
    return static_cast<uint8_t>(data_[pos_++]);
  }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && error.empty(); shift += 7) {
      const uint8_t b = Byte();
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) break;
    }
    return v;
  }
  static int64_t UnZigZag(uint64_t v) {
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace strata::io::testing

#endif  // STRATA_IO_TESTING_COMPACT_DECODER_H_
