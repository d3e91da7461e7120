#include "strata/stats/frequent_items.h"

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "strata/stats/internal/bytes.h"

namespace strata::stats {
namespace {

constexpr char kMagic[] = "FQI1";
constexpr uint8_t kVersion = 1;

template <typename Key>
constexpr uint8_t KeyKind() {
  return std::is_same_v<Key, std::string> ? 1 : 2;
}

}  // namespace

template <typename Key>
FrequentItems<Key>::FrequentItems(int capacity) : capacity_(std::clamp(capacity, 4, kMaxCapacity)) {
  counts_.reserve(ReserveSize());
}

template <typename Key>
void FrequentItems<Key>::Purge() {
  while (static_cast<int64_t>(counts_.size()) > capacity_) {
    std::vector<int64_t>& values = purge_buffer_;
    values.clear();
    int64_t largest = 0;
    for (const auto& [item, count] : counts_) {
      values.push_back(count);
      largest = std::max(largest, count);
    }
    auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    const int64_t median = *middle;
    if (median == largest) {
      // Every counter drops to zero (the common case on near-unique data): no per-item erase.
      // clear() frees a large table; keep the room so refilling does not rehash step by step.
      counts_.clear();
      counts_.reserve(ReserveSize());
      offset_ += median;
      return;
    }
    for (auto it = counts_.begin(); it != counts_.end();) {
      it->second -= median;
      if (it->second <= 0) {
        counts_.erase(it++);
      } else {
        ++it;
      }
    }
    offset_ += median;
  }
}

template <typename Key>
int64_t FrequentItems<Key>::LargestCountAfterCapacity(absl::Span<const int64_t> weights) {
  std::vector<int64_t>& values = purge_buffer_;
  values.clear();
  int64_t above_one = 0;
  for (const auto& [item, count] : counts_) {
    values.push_back(count);
    above_one += count > 1 ? 1 : 0;
  }
  for (size_t i : pending_) {
    values.push_back(weights[i]);
    above_one += weights[i] > 1 ? 1 : 0;
  }
  // Near-unique data: at most `capacity` counters exceed 1, so the cut is 1 without a select.
  if (above_one <= capacity_) return 1;
  auto nth = values.begin() + capacity_;
  std::nth_element(values.begin(), nth, values.end(), std::greater<int64_t>());
  return *nth;
}

template <typename Key>
absl::Status FrequentItems<Key>::Merge(const FrequentItems& other) {
  for (const auto& [item, count] : other.counts_) {
    counts_[item] += count;
  }
  total_ += other.total_;
  offset_ += other.offset_;
  if (static_cast<int64_t>(counts_.size()) > capacity_) Purge();
  return absl::OkStatus();
}

template <typename Key>
std::vector<typename FrequentItems<Key>::Row> FrequentItems<Key>::Top(int limit) const {
  std::vector<Row> rows;
  for (const auto& [item, count] : counts_) {
    if (count > offset_) rows.push_back(Row{item, count, count + offset_});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.lower_bound != b.lower_bound) return a.lower_bound > b.lower_bound;
    return a.item < b.item;
  });
  if (limit >= 0 && rows.size() > static_cast<size_t>(limit)) rows.resize(static_cast<size_t>(limit));
  return rows;
}

template <typename Key>
typename FrequentItems<Key>::Row FrequentItems<Key>::Estimate(const Key& item) const {
  auto it = counts_.find(item);
  if (it == counts_.end()) return Row{item, 0, offset_};
  return Row{item, it->second, it->second + offset_};
}

// Counters in key order, so equal sketches serialize to equal bytes (the hash map's order
// depends on its insertion history).
template <typename Key>
std::vector<std::pair<Key, int64_t>> SortedCounters(const absl::flat_hash_map<Key, int64_t>& counts) {
  std::vector<std::pair<Key, int64_t>> out(counts.begin(), counts.end());
  std::sort(out.begin(), out.end());
  return out;
}

template <typename Key>
std::string FrequentItems<Key>::Serialize() const {
  internal::ByteWriter w;
  w.PutRaw(kMagic, 4);
  w.Put<uint8_t>(kVersion);
  w.Put<uint8_t>(KeyKind<Key>());
  w.Put<int64_t>(capacity_);
  w.Put<int64_t>(total_);
  w.Put<int64_t>(offset_);
  w.Put<uint64_t>(counts_.size());
  for (const auto& [item, count] : SortedCounters(counts_)) {
    if constexpr (std::is_same_v<Key, std::string>) {
      w.PutBytes(item);
    } else {
      w.Put<int64_t>(item);
    }
    w.Put<int64_t>(count);
  }
  return w.Take();
}

template <typename Key>
absl::StatusOr<FrequentItems<Key>> FrequentItems<Key>::Deserialize(std::string_view bytes) {
  internal::ByteReader r(bytes, "frequent items");
  if (absl::Status s = r.ExpectHeader(std::string_view(kMagic, 4), kVersion); !s.ok()) return s;
  uint8_t kind = 0;
  int64_t capacity = 0, total = 0, offset = 0;
  uint64_t n = 0;
  absl::Status s = r.Get(&kind);
  if (s.ok() && kind != KeyKind<Key>()) {
    return r.Error(5, absl::StrCat("key kind ", static_cast<int>(kind), ", expected ",
                                   static_cast<int>(KeyKind<Key>())));
  }
  if (s.ok()) s = r.Get(&capacity);
  if (s.ok()) s = r.Get(&total);
  if (s.ok()) s = r.Get(&offset);
  if (s.ok()) s = r.Get(&n);
  if (!s.ok()) return s;
  if (capacity < 4 || capacity > kMaxCapacity || total < 0 || offset < 0 || offset > total) {
    return r.Error(6, "capacity, total or offset out of range");
  }
  if (n > static_cast<uint64_t>(capacity) || n > r.remaining() / 16) {
    return r.Error(r.offset() - 8, absl::StrCat(n, " counters: more than the capacity or the bytes left"));
  }
  FrequentItems sketch(static_cast<int>(capacity));
  sketch.total_ = total;
  sketch.offset_ = offset;
  int64_t held = 0;
  for (uint64_t i = 0; i < n; ++i) {
    Key item{};
    const size_t at = r.offset();
    if constexpr (std::is_same_v<Key, std::string>) {
      s = r.GetBytes(&item);
    } else {
      s = r.Get(&item);
    }
    int64_t count = 0;
    if (s.ok()) s = r.Get(&count);
    if (!s.ok()) return s;
    if (count <= 0 || count > total - held) return r.Error(at, absl::StrCat("counter ", i, " has a bad count"));
    held += count;
    if (!sketch.counts_.emplace(std::move(item), count).second) {
      return r.Error(at, absl::StrCat("counter ", i, " repeats an item"));
    }
  }
  if (s = r.ExpectEnd(); !s.ok()) return s;
  return sketch;
}

template <typename Key>
nlohmann::json FrequentItems<Key>::ToJson() const {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [item, count] : SortedCounters(counts_)) items.push_back({item, count});
  return {{"capacity", capacity_}, {"total", total_}, {"offset", offset_}, {"items", std::move(items)}};
}

template <typename Key>
absl::StatusOr<FrequentItems<Key>> FrequentItems<Key>::FromJson(const nlohmann::json& json) {
  auto bad = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("frequent items JSON: ", std::string(what)));
  };
  if (!json.is_object()) return bad("not an object");
  for (const char* key : {"capacity", "total", "offset"}) {
    if (!json.contains(key) || !json[key].is_number_integer()) {
      return bad(absl::StrCat("'", key, "' must be an integer"));
    }
  }
  if (!json.contains("items") || !json["items"].is_array()) return bad("'items' must be an array");
  const int64_t capacity = json["capacity"].get<int64_t>();
  const int64_t total = json["total"].get<int64_t>();
  const int64_t offset = json["offset"].get<int64_t>();
  if (capacity < 4 || capacity > kMaxCapacity || total < 0 || offset < 0 || offset > total) {
    return bad("capacity, total or offset out of range");
  }
  if (json["items"].size() > static_cast<size_t>(capacity)) return bad("more items than the capacity");
  FrequentItems sketch(static_cast<int>(capacity));
  sketch.total_ = total;
  sketch.offset_ = offset;
  int64_t held = 0;
  for (size_t i = 0; i < json["items"].size(); ++i) {
    const nlohmann::json& row = json["items"][i];
    const bool shape_ok = row.is_array() && row.size() == 2;
    const bool key_ok = shape_ok && (std::is_same_v<Key, std::string> ? row[0].is_string()
                                                                      : row[0].is_number_integer());
    if (!key_ok || !row[1].is_number_integer()) {
      return bad(absl::StrCat("items[", i, "] must be [item, count]"));
    }
    const int64_t count = row[1].get<int64_t>();
    if (count <= 0 || count > total - held) return bad(absl::StrCat("items[", i, "] has a bad count"));
    held += count;
    if (!sketch.counts_.emplace(row[0].get<Key>(), count).second) {
      return bad(absl::StrCat("items[", i, "] repeats an item"));
    }
  }
  return sketch;
}

template class FrequentItems<std::string>;
template class FrequentItems<int64_t>;

}  // namespace strata::stats
