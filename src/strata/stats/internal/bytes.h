// Little-endian byte encoding for the sketches' Serialize()/Deserialize(): a writer that
// appends fixed-width values and a reader that checks every read against the buffer's end,
// so a truncated or corrupt buffer becomes an error naming the byte offset, never a crash.
#ifndef STRATA_STATS_INTERNAL_BYTES_H_
#define STRATA_STATS_INTERNAL_BYTES_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace strata::stats::internal {

class ByteWriter {
 public:
  template <typename T>
  void Put(T value) {
    char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T));
    out_.append(raw, sizeof(T));
  }
  void PutBytes(std::string_view bytes) {
    Put<uint64_t>(bytes.size());
    out_.append(bytes.data(), bytes.size());
  }
  void PutRaw(const void* data, size_t size) { out_.append(static_cast<const char*>(data), size); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  // `what` names the sketch in error messages ("KLL sketch").
  ByteReader(std::string_view bytes, std::string_view what) : bytes_(bytes), what_(what) {}

  template <typename T>
  absl::Status Get(T* value) {
    if (bytes_.size() - pos_ < sizeof(T)) return Truncated(sizeof(T));
    std::memcpy(value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return absl::OkStatus();
  }
  absl::Status GetRaw(void* data, size_t size) {
    if (bytes_.size() - pos_ < size) return Truncated(size);
    if (size > 0) std::memcpy(data, bytes_.data() + pos_, size);
    pos_ += size;
    return absl::OkStatus();
  }
  absl::Status GetBytes(std::string* out) {
    uint64_t size = 0;
    if (absl::Status s = Get(&size); !s.ok()) return s;
    if (bytes_.size() - pos_ < size) return Truncated(size);
    out->assign(bytes_.data() + pos_, size);
    pos_ += size;
    return absl::OkStatus();
  }
  // Checks a leading 4-byte magic tag and a 1-byte format version.
  absl::Status ExpectHeader(std::string_view magic, uint8_t version) {
    if (bytes_.size() < magic.size() + 1 || bytes_.substr(0, magic.size()) != magic) {
      return Error(0, absl::StrCat("missing magic '", std::string(magic), "'"));
    }
    pos_ = magic.size();
    uint8_t got = 0;
    if (absl::Status s = Get(&got); !s.ok()) return s;
    if (got != version) {
      return Error(magic.size(), absl::StrCat("unsupported version ", static_cast<int>(got), " (expected ",
                                              static_cast<int>(version), ")"));
    }
    return absl::OkStatus();
  }
  absl::Status ExpectEnd() const {
    if (pos_ != bytes_.size()) {
      return Error(pos_, absl::StrCat(bytes_.size() - pos_, " trailing bytes"));
    }
    return absl::OkStatus();
  }
  size_t remaining() const { return bytes_.size() - pos_; }
  size_t offset() const { return pos_; }
  absl::Status Error(size_t offset, std::string_view message) const {
    // std::string copies: Debian's absl::StrCat does not take std::string_view.
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what_), ": byte offset ", offset, ": ", std::string(message)));
  }

 private:
  absl::Status Truncated(size_t wanted) const {
    return Error(pos_, absl::StrCat("truncated (needs ", wanted, " bytes, ", bytes_.size() - pos_,
                                    " left)"));
  }

  std::string_view bytes_;
  std::string_view what_;
  size_t pos_ = 0;
};

}  // namespace strata::stats::internal

#endif  // STRATA_STATS_INTERNAL_BYTES_H_
