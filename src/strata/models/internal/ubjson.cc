// UBJSON reader (Draft 12) for XGBoost model files. Recursive descent bounded by
// kMaxModelNesting; every declared count is checked against the bytes left before any
// allocation, so a few hostile bytes cannot ask for gigabytes.
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/models/internal/model_json.h"

namespace strata::models::internal {
namespace {

using nlohmann::json;

// The fewest bytes one element of `type` can take inside a typed container (0 = types with
// no payload, which XGBoost never writes and which would let a count exceed the input).
int MinElementBytes(char type) {
  switch (type) {
    case 'i': case 'U': case 'C': return 1;
    case 'I': return 2;
    case 'l': case 'd': return 4;
    case 'L': case 'D': return 8;
    case 'S': case 'H': return 2;   // length marker + length
    case '[': case '{': return 1;   // at least the closing marker or a count
    default: return 0;
  }
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if ((c >> 5) == 0x6) { extra = 1; cp = c & 0x1f; }
    else if ((c >> 4) == 0xe) { extra = 2; cp = c & 0x0f; }
    else if ((c >> 3) == 0x1e) { extra = 3; cp = c & 0x07; }
    else return false;
    if (i + static_cast<size_t>(extra) >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += static_cast<size_t>(extra) + 1;
  }
  return true;
}

class UbjsonReader {
 public:
  explicit UbjsonReader(std::string_view in) : in_(in) {}

  absl::StatusOr<json> ReadDocument() {
    ASSIGN_OR_RETURN(char marker, NextMarker());
    json value;
    RETURN_IF_ERROR(ReadValue(marker, 0, &value));
    while (pos_ < in_.size() && in_[pos_] == 'N') ++pos_;
    if (pos_ != in_.size()) return Error(pos_, "trailing bytes after the top-level value");
    return value;
  }

 private:
  absl::Status Error(size_t offset, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("UBJSON byte offset ", offset, ": ", AsAbsl(what)));
  }

  size_t Remaining() const { return in_.size() - pos_; }

  absl::StatusOr<char> Byte() {
    if (pos_ >= in_.size()) return Error(pos_, "unexpected end of input");
    return in_[pos_++];
  }

  // A value's type marker, skipping no-ops.
  absl::StatusOr<char> NextMarker() {
    for (;;) {
      ASSIGN_OR_RETURN(char marker, Byte());
      if (marker != 'N') return marker;
    }
  }

  absl::StatusOr<uint64_t> BigEndian(int bytes) {
    if (Remaining() < static_cast<size_t>(bytes)) {
      return Error(pos_, absl::StrCat("unexpected end of input (need ", bytes, " bytes)"));
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in_[pos_++]);
    return v;
  }

  absl::StatusOr<int64_t> Integer(char marker) {
    const size_t at = pos_ - 1;
    switch (marker) {
      case 'i': { ASSIGN_OR_RETURN(uint64_t v, BigEndian(1)); return static_cast<int8_t>(v); }
      case 'U': { ASSIGN_OR_RETURN(uint64_t v, BigEndian(1)); return static_cast<int64_t>(v); }
      case 'I': { ASSIGN_OR_RETURN(uint64_t v, BigEndian(2)); return static_cast<int16_t>(v); }
      case 'l': { ASSIGN_OR_RETURN(uint64_t v, BigEndian(4)); return static_cast<int32_t>(v); }
      case 'L': { ASSIGN_OR_RETURN(uint64_t v, BigEndian(8)); return static_cast<int64_t>(v); }
      default:
        return Error(at, absl::StrCat("expected an integer type marker, got ", Describe(marker)));
    }
  }

  static std::string Describe(char marker) {
    const auto c = static_cast<unsigned char>(marker);
    if (c >= 0x20 && c < 0x7f) return absl::StrCat("'", std::string(1, marker), "'");
    return absl::StrCat("byte 0x", absl::Hex(c, absl::kZeroPad2));
  }

  // A length or count: an integer marker and value, >= 0 and not beyond the input.
  absl::StatusOr<int64_t> Length(int64_t min_bytes_each) {
    const size_t at = pos_;
    ASSIGN_OR_RETURN(char marker, Byte());
    ASSIGN_OR_RETURN(int64_t n, Integer(marker));
    if (n < 0) return Error(at, absl::StrCat("negative length ", n));
    if (min_bytes_each > 0 && n > static_cast<int64_t>(Remaining()) / min_bytes_each) {
      return Error(at, absl::StrCat("length ", n, " exceeds the ", Remaining(),
                                    " bytes that remain"));
    }
    return n;
  }

  absl::StatusOr<std::string> String() {
    const size_t at = pos_;
    ASSIGN_OR_RETURN(int64_t n, Length(1));
    std::string s(in_.substr(pos_, static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    if (!ValidUtf8(s)) return Error(at, "string is not valid UTF-8");
    return s;
  }

  absl::Status ReadValue(char marker, int depth, json* out) {
    const size_t at = pos_ - 1;
    switch (marker) {
      case 'Z': *out = nullptr; return absl::OkStatus();
      case 'T': *out = true; return absl::OkStatus();
      case 'F': *out = false; return absl::OkStatus();
      case 'i': case 'U': case 'I': case 'l': case 'L': {
        ASSIGN_OR_RETURN(int64_t v, Integer(marker));
        *out = v;
        return absl::OkStatus();
      }
      case 'd': {
        ASSIGN_OR_RETURN(uint64_t bits, BigEndian(4));
        *out = static_cast<double>(std::bit_cast<float>(static_cast<uint32_t>(bits)));
        return absl::OkStatus();
      }
      case 'D': {
        ASSIGN_OR_RETURN(uint64_t bits, BigEndian(8));
        *out = std::bit_cast<double>(bits);
        return absl::OkStatus();
      }
      case 'C': {
        ASSIGN_OR_RETURN(uint64_t c, BigEndian(1));
        if (c >= 0x80) return Error(at, "char value is not ASCII");
        *out = std::string(1, static_cast<char>(c));
        return absl::OkStatus();
      }
      case 'S': {
        ASSIGN_OR_RETURN(std::string s, String());
        *out = std::move(s);
        return absl::OkStatus();
      }
      case 'H': {
        ASSIGN_OR_RETURN(std::string s, String());
        double v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || end != s.data() + s.size()) {
          return Error(at, absl::StrCat("high-precision number '", s, "' is not a number"));
        }
        *out = v;
        return absl::OkStatus();
      }
      case '[': case '{':
        if (depth + 1 > kMaxModelNesting) {
          return Error(at, absl::StrCat("nesting deeper than ", kMaxModelNesting));
        }
        return ReadContainer(marker == '{', depth + 1, out);
      default:
        return Error(at, absl::StrCat("unknown type marker ", Describe(marker)));
    }
  }

  // After '[' or '{': optional '$' type (then '#' count is required), optional '#' count.
  absl::Status ReadContainer(bool object, int depth, json* out) {
    *out = object ? json::object() : json::array();
    char type = 0;
    int64_t count = -1;
    if (pos_ < in_.size() && in_[pos_] == '$') {
      ++pos_;
      const size_t type_at = pos_;
      ASSIGN_OR_RETURN(type, Byte());
      if (MinElementBytes(type) == 0) {
        return Error(type_at, absl::StrCat("unsupported container element type ", Describe(type)));
      }
      if (pos_ >= in_.size() || in_[pos_] != '#') {
        return Error(pos_, "a typed container needs a '#' count");
      }
    }
    if (pos_ < in_.size() && in_[pos_] == '#') {
      ++pos_;
      const int64_t per_element =
          (type != 0 ? MinElementBytes(type) : 1) + (object ? 2 : 0);
      ASSIGN_OR_RETURN(count, Length(per_element));
    }
    if (!object && count > 0) out->get_ref<json::array_t&>().reserve(static_cast<size_t>(count));
    for (int64_t i = 0; count < 0 || i < count; ++i) {
      if (count < 0) {
        // Unbounded container: ends at its closing marker.
        while (pos_ < in_.size() && in_[pos_] == 'N') ++pos_;
        if (pos_ >= in_.size()) return Error(pos_, "unexpected end of input in a container");
        if (in_[pos_] == (object ? '}' : ']')) {
          ++pos_;
          return absl::OkStatus();
        }
      }
      std::string key;
      if (object) {
        ASSIGN_OR_RETURN(key, String());
      }
      char marker = type;
      if (marker == 0) {
        ASSIGN_OR_RETURN(marker, NextMarker());
      }
      json value;
      RETURN_IF_ERROR(ReadValue(marker, depth, &value));
      if (object) {
        (*out)[key] = std::move(value);
      } else {
        out->push_back(std::move(value));
      }
    }
    return absl::OkStatus();
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<nlohmann::json> ParseUbjson(std::string_view bytes) {
  return UbjsonReader(bytes).ReadDocument();
}

}  // namespace strata::models::internal
