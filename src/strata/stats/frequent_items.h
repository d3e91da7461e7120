// Frequent items (heavy hitters) by the Misra-Gries summary with DataSketches-style purging:
// at most `capacity` counters; when a new item would exceed that, the median counter value is
// subtracted from every counter, counters that drop to zero are removed, and the subtracted
// amount is added to `offset()`. Hence for every item
//   lower_bound = stored count <= true count <= stored count + offset() = upper_bound,
// and every item whose true count exceeds offset() is still held. While no purge has
// happened (fewer distinct items than the capacity) the counts are exact.
//
// Example:
//   FrequentItems<std::string> top(64);
//   for (std::string_view city : cities) top.Update(city);
//   for (const auto& row : top.Top(10)) ...   // row.item, row.lower_bound, row.upper_bound
//
// Key is std::string or int64_t (explicitly instantiated in the .cc).
// Thread-safety: not thread-safe; use one sketch per thread and Merge().
#ifndef STRATA_STATS_FREQUENT_ITEMS_H_
#define STRATA_STATS_FREQUENT_ITEMS_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "nlohmann/json.hpp"

namespace strata::stats {

template <typename Key>
class FrequentItems {
 public:
  static constexpr int kDefaultCapacity = 256;
  // Counters beyond this are refused (a corrupt or hostile serialized capacity must not
  // allocate gigabytes).
  static constexpr int kMaxCapacity = 1 << 24;

  struct Row {
    Key item{};
    int64_t lower_bound = 0;
    int64_t upper_bound = 0;
  };

  // `capacity` counters, clamped to [4, kMaxCapacity].
  explicit FrequentItems(int capacity = kDefaultCapacity);

  template <typename K>
  void Update(const K& item, int64_t weight = 1) {
    if (weight <= 0) return;
    total_ += weight;
    // Debian's absl::string_view is not std::string_view: look strings up through it.
    auto [it, inserted] = counts_.try_emplace(LookupKey(item), 0);
    it->second += weight;
    if (inserted && static_cast<int64_t>(counts_.size()) > capacity_) Purge();
  }

  // A batch of distinct items (no item twice) with their weights, as one Misra-Gries merge
  // (Agarwal et al., "Mergeable summaries", 2012): held items' counters grow; when the new
  // items do not all fit, the (capacity + 1)-th largest counter is subtracted from every
  // counter and added to offset(), and counters that reach zero go. The bounds are those of
  // Update: lower_bound <= true count <= lower_bound + offset(). One lookup per distinct item
  // and at most one reduction per batch, instead of a purge every few new items.
  template <typename K>
  void UpdateDistinct(absl::Span<const K> items, absl::Span<const int64_t> weights) {
    pending_.clear();
    const size_t n = std::min(items.size(), weights.size());
    for (size_t i = 0; i < n; ++i) {
      if (weights[i] <= 0) continue;
      total_ += weights[i];
      auto it = counts_.find(LookupKey(items[i]));
      if (it != counts_.end()) {
        it->second += weights[i];
      } else {
        pending_.push_back(i);
      }
    }
    if (static_cast<int64_t>(counts_.size() + pending_.size()) > capacity_) {
      const int64_t cut = LargestCountAfterCapacity(weights);
      offset_ += cut;
      for (auto it = counts_.begin(); it != counts_.end();) {
        it->second -= cut;
        if (it->second <= 0) {
          counts_.erase(it++);
        } else {
          ++it;
        }
      }
      for (size_t i : pending_) {
        if (weights[i] > cut) counts_.emplace(LookupKey(items[i]), weights[i] - cut);
      }
      return;
    }
    for (size_t i : pending_) counts_.emplace(LookupKey(items[i]), weights[i]);
  }

  // Errors: none today (capacities may differ; the result keeps this sketch's capacity).
  absl::Status Merge(const FrequentItems& other);

  // Items whose lower bound exceeds offset() (so they are certainly frequent), by lower bound
  // descending then item, at most `limit`.
  std::vector<Row> Top(int limit) const;
  // Bounds for one item (0 and offset() for an item not held).
  Row Estimate(const Key& item) const;

  int capacity() const { return static_cast<int>(capacity_); }
  int64_t total_weight() const { return total_; }
  // The largest possible undercount of any item; 0 means every count is exact.
  int64_t offset() const { return offset_; }
  int64_t num_counters() const { return static_cast<int64_t>(counts_.size()); }

  // "FQI1" magic, version, key kind, capacity, total, offset, counters.
  std::string Serialize() const;
  // Errors: INVALID_ARGUMENT naming the byte offset (wrong key kind, bad counts, truncation).
  static absl::StatusOr<FrequentItems> Deserialize(std::string_view bytes);
  // {"capacity":.., "total":.., "offset":.., "items": [[item, count], ...]}
  nlohmann::json ToJson() const;
  static absl::StatusOr<FrequentItems> FromJson(const nlohmann::json& json);

 private:
  static absl::string_view LookupKey(std::string_view s) { return absl::string_view(s.data(), s.size()); }
  static absl::string_view LookupKey(const std::string& s) { return absl::string_view(s.data(), s.size()); }
  static int64_t LookupKey(int64_t v) { return v; }
  void Purge();
  // The (capacity + 1)-th largest of the held counters and the pending items' weights.
  int64_t LargestCountAfterCapacity(absl::Span<const int64_t> weights);
  // Room kept for the counters: the capacity, up to a bound (the map grows past it if needed).
  size_t ReserveSize() const { return static_cast<size_t>(std::min<int64_t>(capacity_, 1 << 16)) + 1; }

  int64_t capacity_ = kDefaultCapacity;
  int64_t total_ = 0;
  int64_t offset_ = 0;
  absl::flat_hash_map<Key, int64_t> counts_;
  std::vector<int64_t> purge_buffer_;  // reused by Purge()
  std::vector<size_t> pending_;        // reused by UpdateDistinct(): indexes of new items
};

extern template class FrequentItems<std::string>;
extern template class FrequentItems<int64_t>;

}  // namespace strata::stats

#endif  // STRATA_STATS_FREQUENT_ITEMS_H_
