// A fixed-bin histogram over [lo, hi]: `bins` equal-width bins, each [edge_i, edge_i+1) and
// the last closed, as numpy.histogram; values outside the range are counted as underflow or
// overflow, NaN is ignored. Histograms over the same range merge exactly, which is what
// monitoring needs (reference bins fixed once, current windows binned the same way).
//
// EstimateFromKll() builds the bins from a KLL sketch's min and max and estimates the counts
// from its ranks: the one-pass profiler cannot know the range before it has seen the data.
// Those counts are approximate (each edge off by at most the sketch's rank error times n) but
// add up exactly to the sketch's n.
//
// Thread-safety: not thread-safe.
#ifndef STRATA_STATS_HISTOGRAM_H_
#define STRATA_STATS_HISTOGRAM_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "strata/stats/kll_sketch.h"

namespace strata::stats {

class Histogram {
 public:
  // An empty histogram (no bins).
  Histogram() = default;
  // Errors: INVALID_ARGUMENT when bins < 1 or > 1e6, lo or hi is not finite, or lo > hi.
  static absl::StatusOr<Histogram> Make(double lo, double hi, int bins);
  // Bins over [sketch.min(), sketch.max()] with counts estimated from the sketch's ranks.
  // An empty sketch gives an empty histogram. Errors: as Make (an infinite min or max).
  static absl::StatusOr<Histogram> EstimateFromKll(const KllSketch& sketch, int bins);

  void Update(double value, int64_t weight = 1);
  // Errors: INVALID_ARGUMENT when the ranges or bin counts differ.
  absl::Status Merge(const Histogram& other);

  double lo() const { return lo_; }
  double hi() const { return hi_; }
  int bins() const { return static_cast<int>(counts_.size()); }
  const std::vector<int64_t>& counts() const { return counts_; }
  double edge(int i) const;
  int64_t underflow() const { return underflow_; }
  int64_t overflow() const { return overflow_; }
  int64_t total() const;

  std::string Serialize() const;
  // Errors: INVALID_ARGUMENT naming the byte offset.
  static absl::StatusOr<Histogram> Deserialize(std::string_view bytes);
  // {"lo": .., "hi": .., "counts": [..]} plus "underflow"/"overflow" when non-zero.
  nlohmann::json ToJson() const;
  static absl::StatusOr<Histogram> FromJson(const nlohmann::json& json);

 private:
  double lo_ = 0;
  double hi_ = 0;
  std::vector<int64_t> counts_;
  int64_t underflow_ = 0;
  int64_t overflow_ = 0;
};

}  // namespace strata::stats

#endif  // STRATA_STATS_HISTOGRAM_H_
