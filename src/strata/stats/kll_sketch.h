// KLL quantile sketch (Karnin, Lang, Liberty 2016) over doubles: a stack of compactors whose
// capacities shrink geometrically (factor 2/3) from the top level (k items) down. An item at
// level h stands for 2^h input values; when the sketch is full, the lowest full level is
// sorted and every other item (random offset) moves up one level. Retained weight always
// equals N exactly, so Quantile() and Rank() are unbiased with normalized rank error about
// 1.7/k^0.93 (~0.6% typical, under 1.5% worst quantile at k = 200 for a million values).
//
// Example:
//   KllSketch sketch;                        // k = 200
//   for (double x : values) sketch.Update(x);
//   double median = sketch.Quantile(0.5);
//   ASSIGN_OR_RETURN(KllSketch copy, KllSketch::Deserialize(sketch.Serialize()));
//
// NaN is ignored by Update (callers count it themselves); ±inf are ordinary values.
// Randomness comes from a seeded generator, so a given sequence of calls is reproducible.
//
// Thread-safety: not thread-safe; use one sketch per thread and Merge().
#ifndef STRATA_STATS_KLL_SKETCH_H_
#define STRATA_STATS_KLL_SKETCH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nlohmann/json.hpp"

namespace strata::stats {

class KllSketch {
 public:
  static constexpr int kDefaultK = 200;
  static constexpr int kMinK = 8;
  static constexpr int kMaxK = 65535;

  // `k` is clamped to [kMinK, kMaxK]; `seed` makes compaction choices reproducible.
  explicit KllSketch(int k = kDefaultK, uint64_t seed = 0x9e3779b97f4a7c15ULL);

  void Update(double value);
  // A batch: its non-NaN values are sorted once (radix sort) and enter as one sorted run
  // (see UpdateSorted), instead of being sorted again in every small level-0 compaction.
  void Update(absl::Span<const double> values);
  // A run in ascending order without NaN (checked only in debug builds). The run is halved
  // (every other item, random offset, as a compaction) level by level until it fits the
  // capacity of the level it reaches, and lands there; an odd item out stays at the level it
  // was halved from, so the retained weight still equals n. Each halving of a sorted run
  // moves any rank by at most the level's weight, as an ordinary compaction does, so the
  // error guarantee is the same; larger runs mean fewer compactions at the low levels.
  void UpdateSorted(absl::Span<const double> sorted);
  // Errors: INVALID_ARGUMENT when the sketches' k differ.
  absl::Status Merge(const KllSketch& other);

  int k() const { return k_; }
  // Values seen (NaN excluded).
  int64_t n() const { return n_; }
  bool empty() const { return n_ == 0; }
  // Exact extremes; NaN when empty.
  double min() const;
  double max() const;
  // The value whose normalized rank is q in [0, 1] (clamped); Quantile(0) = min(),
  // Quantile(1) = max(). NaN when empty.
  double Quantile(double q) const;
  // Several quantiles with one sort of the retained items.
  std::vector<double> Quantiles(absl::Span<const double> qs) const;
  // Estimated fraction of values <= x (inclusive) or < x, in [0, 1]. 0 when empty.
  double Rank(double x, bool inclusive = true) const;
  // Items retained (the sketch's memory, in values).
  int64_t retained() const;

  // Binary form: "KLL1" magic, version, k, n, min, max, level sizes, items.
  std::string Serialize() const;
  // Errors: INVALID_ARGUMENT naming the byte offset for truncated, inconsistent or foreign
  // bytes (bad k, level weights that do not add up to n, NaN items, items outside [min, max]).
  static absl::StatusOr<KllSketch> Deserialize(std::string_view bytes);
  // {"k": .., "n": .., "min": .., "max": .., "levels": [[items of level 0], [level 1], ...]}
  nlohmann::json ToJson() const;
  // Errors: INVALID_ARGUMENT as Deserialize, naming the field.
  static absl::StatusOr<KllSketch> FromJson(const nlohmann::json& json);

 private:
  int NumLevels() const { return static_cast<int>(levels_.size()); }
  int64_t LevelCapacity(int level) const;
  int64_t TotalCapacity() const;
  // Recomputes the cached capacities after the level count changed.
  void RefreshCapacities();
  void CompressWhileFull();
  void CompactLevel(int level);
  uint64_t NextRandom();
  // Sorted (value, weight) pairs of every retained item.
  std::vector<std::pair<double, uint64_t>> SortedView() const;
  absl::Status Validate() const;

  int k_ = kDefaultK;
  int64_t n_ = 0;
  double min_ = 0;
  double max_ = 0;
  uint64_t rng_ = 0;
  int64_t size_ = 0;               // items held over all levels
  int64_t capacity_ = 0;           // TotalCapacity(), cached
  std::vector<int64_t> level_capacities_;  // LevelCapacity(h) for the current level count
  std::vector<std::vector<double>> levels_;
};

}  // namespace strata::stats

#endif  // STRATA_STATS_KLL_SKETCH_H_
