// The online store's byte codecs and OpenOnlineStore (the backends are in internal/).
#include "strata/features/online_store.h"

#include <cstring>
#include <filesystem>
#include <limits>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/features/internal/lmdb_online_store.h"
#include "strata/features/internal/redis_online_store.h"

namespace strata::features {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;

enum Tag : uint8_t {
  kTagNull = 0,
  kTagBool = 1,
  kTagInt64 = 2,
  kTagFloat64 = 3,
  kTagString = 4,
  kTagTimestamp = 5,
};

void AppendU64(uint64_t v, std::string* out) {
  char bytes[8];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(bytes, 8);
}

void AppendU32(uint32_t v, std::string* out) {
  char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                   static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(bytes, 4);
}

uint64_t LoadU64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

uint32_t LoadU32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// Sign-flipped big-endian: unsigned byte order equals signed numeric order.
void AppendOrderedInt64(int64_t v, std::string* out) {
  AppendU64(static_cast<uint64_t>(v) ^ kSignBit, out);
}
int64_t LoadOrderedInt64(const unsigned char* p) {
  return static_cast<int64_t>(LoadU64(p) ^ kSignBit);
}

// A bounds-checked reader over a record; every error names the byte offset.
class RecordReader {
 public:
  explicit RecordReader(std::string_view bytes)
      : data_(reinterpret_cast<const unsigned char*>(bytes.data())), size_(bytes.size()) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return size_ - offset_; }

  absl::Status Need(size_t n, std::string_view what) const {
    if (remaining() >= n) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat("online record truncated at byte offset ", offset_,
                                            ": ", AsAbsl(what), " needs ", n, " bytes, ",
                                            remaining(), " left (record is ", size_,
                                            " bytes)"));
  }
  const unsigned char* Take(size_t n) {
    const unsigned char* p = data_ + offset_;
    offset_ += n;
    return p;
  }

 private:
  const unsigned char* data_;
  size_t size_;
  size_t offset_ = 0;
};

}  // namespace

std::string OnlineViewKey(std::string_view project, std::string_view view) {
  std::string key;
  key.reserve(project.size() + 1 + view.size());
  key.append(project);
  key.push_back('/');
  key.append(view);
  return key;
}

void AppendEntityKeyInt64(int64_t value, std::string* key) {
  key->push_back('i');
  AppendOrderedInt64(value, key);
}

void AppendEntityKeyString(std::string_view value, std::string* key) {
  key->push_back('s');
  AppendU32(static_cast<uint32_t>(value.size()), key);
  key->append(value);
}

std::string EncodeOnlineRecord(const OnlineRecord& record) {
  std::string out;
  size_t size = 18;
  for (const OnlineValue& v : record.values) {
    size += 1;
    if (const auto* s = std::get_if<std::string>(&v)) {
      size += 4 + s->size();
    } else if (!std::holds_alternative<std::monostate>(v)) {
      size += std::holds_alternative<bool>(v) ? 1 : 8;
    }
  }
  out.reserve(size);
  AppendOrderedInt64(record.event_ts_micros, &out);
  AppendOrderedInt64(record.created_ts_micros, &out);
  // Callers (Materialize) reject views with more than 65535 features; the count is the
  // number actually encoded so a decoder never reads past what was written.
  size_t count = std::min<size_t>(record.values.size(), std::numeric_limits<uint16_t>::max());
  out.push_back(static_cast<char>(count >> 8));
  out.push_back(static_cast<char>(count & 0xff));
  for (size_t i = 0; i < count; ++i) {
    const OnlineValue& v = record.values[i];
    switch (v.index()) {
      case 0:
        out.push_back(static_cast<char>(kTagNull));
        break;
      case 1:
        out.push_back(static_cast<char>(kTagBool));
        out.push_back(std::get<bool>(v) ? 1 : 0);
        break;
      case 2:
        out.push_back(static_cast<char>(kTagInt64));
        AppendU64(static_cast<uint64_t>(std::get<int64_t>(v)), &out);
        break;
      case 3: {
        out.push_back(static_cast<char>(kTagFloat64));
        uint64_t bits = 0;
        double d = std::get<double>(v);
        std::memcpy(&bits, &d, 8);
        AppendU64(bits, &out);
        break;
      }
      case 4: {
        const std::string& s = std::get<std::string>(v);
        out.push_back(static_cast<char>(kTagString));
        AppendU32(static_cast<uint32_t>(s.size()), &out);
        out.append(s);
        break;
      }
      case 5:
        out.push_back(static_cast<char>(kTagTimestamp));
        AppendU64(static_cast<uint64_t>(std::get<OnlineTimestamp>(v).micros), &out);
        break;
    }
  }
  return out;
}

absl::StatusOr<std::pair<int64_t, int64_t>> OnlineRecordTimestamps(std::string_view bytes) {
  if (bytes.size() < 16) {
    return absl::DataLossError(absl::StrCat("online record truncated at byte offset ",
                                            bytes.size(), ": the timestamps need 16 bytes"));
  }
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  return std::make_pair(LoadOrderedInt64(p), LoadOrderedInt64(p + 8));
}

absl::StatusOr<OnlineRecord> DecodeOnlineRecord(std::string_view bytes) {
  RecordReader in(bytes);
  OnlineRecord record;
  if (absl::Status s = in.Need(16, "the event and created timestamps"); !s.ok()) return s;
  record.event_ts_micros = LoadOrderedInt64(in.Take(8));
  record.created_ts_micros = LoadOrderedInt64(in.Take(8));
  if (absl::Status s = in.Need(2, "the feature count"); !s.ok()) return s;
  const unsigned char* c = in.Take(2);
  size_t count = (size_t{c[0]} << 8) | c[1];
  // Each value takes at least its tag byte: a count larger than what is left is malformed,
  // and checking it first keeps a hostile count from reserving memory it does not back.
  if (count > in.remaining()) {
    return absl::DataLossError(absl::StrCat("online record malformed at byte offset 16: "
                                            "feature count ", count, " but only ",
                                            in.remaining(), " bytes follow"));
  }
  record.values.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    size_t tag_offset = in.offset();
    if (absl::Status s = in.Need(1, absl::StrCat("the tag of feature ", i)); !s.ok()) return s;
    uint8_t tag = *in.Take(1);
    switch (tag) {
      case kTagNull:
        record.values.emplace_back(std::monostate{});
        break;
      case kTagBool: {
        if (absl::Status s = in.Need(1, absl::StrCat("bool feature ", i)); !s.ok()) return s;
        uint8_t b = *in.Take(1);
        if (b > 1) {
          return absl::DataLossError(absl::StrCat("online record malformed at byte offset ",
                                                  in.offset() - 1, ": bool feature ", i,
                                                  " has byte ", b, " (expected 0 or 1)"));
        }
        record.values.emplace_back(b == 1);
        break;
      }
      case kTagInt64:
        if (absl::Status s = in.Need(8, absl::StrCat("int64 feature ", i)); !s.ok()) return s;
        record.values.emplace_back(static_cast<int64_t>(LoadU64(in.Take(8))));
        break;
      case kTagFloat64: {
        if (absl::Status s = in.Need(8, absl::StrCat("float64 feature ", i)); !s.ok()) return s;
        uint64_t bits = LoadU64(in.Take(8));
        double d = 0;
        std::memcpy(&d, &bits, 8);
        record.values.emplace_back(d);
        break;
      }
      case kTagString: {
        if (absl::Status s = in.Need(4, absl::StrCat("the length of string feature ", i));
            !s.ok()) {
          return s;
        }
        uint32_t length = LoadU32(in.Take(4));
        if (absl::Status s = in.Need(length, absl::StrCat("string feature ", i)); !s.ok()) {
          return s;
        }
        const unsigned char* p = in.Take(length);
        record.values.emplace_back(std::string(reinterpret_cast<const char*>(p), length));
        break;
      }
      case kTagTimestamp:
        if (absl::Status s = in.Need(8, absl::StrCat("timestamp feature ", i)); !s.ok()) {
          return s;
        }
        record.values.emplace_back(OnlineTimestamp{static_cast<int64_t>(LoadU64(in.Take(8)))});
        break;
      default:
        return absl::DataLossError(absl::StrCat("online record malformed at byte offset ",
                                                tag_offset, ": feature ", i,
                                                " has unknown type tag ", tag));
    }
  }
  if (in.remaining() != 0) {
    return absl::DataLossError(absl::StrCat("online record malformed at byte offset ",
                                            in.offset(), ": ", in.remaining(),
                                            " trailing bytes after ", count, " features"));
  }
  return record;
}

void OnlineStore::ReadAsync(std::string view_key, std::vector<std::string> entity_keys,
                            OnlineReadDone done) {
  std::vector<std::optional<std::string>> records;
  absl::Status status = Read(view_key, entity_keys, &records);
  done(std::move(status), std::move(records));
}

std::string LmdbStoreDirectory(std::string_view home, std::string_view project) {
  return (std::filesystem::path(home) / "online.lmdb" / project).string();
}

absl::StatusOr<std::unique_ptr<OnlineStore>> OpenOnlineStore(const StoreConfig& config,
                                                             const std::string& lmdb_directory) {
  if (config.type == "lmdb" || config.type.empty()) {
    if (lmdb_directory.empty()) {
      return absl::InvalidArgumentError("online store lmdb: no directory given");
    }
    return internal::OpenLmdbOnlineStore(lmdb_directory);
  }
  if (config.type == "redis") return internal::OpenRedisOnlineStore(config.connection_string);
  return absl::InvalidArgumentError(
      absl::StrCat("online store type '", config.type, "' is unknown (expected lmdb or redis)"));
}

}  // namespace strata::features
