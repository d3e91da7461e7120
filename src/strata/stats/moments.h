// Running moments of a numeric stream: count, sum, mean, M2 (sum of squared deviations), min
// and max, mergeable by Chan et al.'s parallel update, so chunks of a column can be summarized
// on separate threads and combined without losing accuracy (no naive sum of squares).
//
// Example:
//   Moments m;
//   m.Update(values);              // a batch: two passes over the batch, no per-value divide
//   double sd = m.stddev();        // sample standard deviation (n - 1), as pandas
//
// NaN is the caller's to filter (Update does not skip it).
// Thread-safety: not thread-safe; merge per-thread instances.
#ifndef STRATA_STATS_MOMENTS_H_
#define STRATA_STATS_MOMENTS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nlohmann/json.hpp"

namespace strata::stats {

class Moments {
 public:
  Moments() = default;

  // Welford's update for one value.
  void Update(double value);
  // A batch: its own mean and M2 in two passes, then one Chan merge.
  void Update(absl::Span<const double> values);
  // `count` copies of `value` at once (counted categories, string lengths per code).
  void UpdateRepeated(double value, int64_t count);
  void Merge(const Moments& other);

  int64_t count() const { return count_; }
  double sum() const { return sum_; }
  // NaN when empty.
  double mean() const;
  double m2() const { return m2_; }
  // Population (n) and sample (n - 1) variance; NaN when undefined.
  double variance_population() const;
  double variance_sample() const;
  // Sample standard deviation; NaN with fewer than two values.
  double stddev() const;
  double min() const;
  double max() const;

  // "MOM1" magic, version, count, sum, mean, m2, min, max.
  std::string Serialize() const;
  // Errors: INVALID_ARGUMENT naming the byte offset (negative count or m2, min > max, length).
  static absl::StatusOr<Moments> Deserialize(std::string_view bytes);
  nlohmann::json ToJson() const;
  static absl::StatusOr<Moments> FromJson(const nlohmann::json& json);

 private:
  absl::Status Validate() const;

  int64_t count_ = 0;
  double sum_ = 0;
  double mean_ = 0;
  double m2_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace strata::stats

#endif  // STRATA_STATS_MOMENTS_H_
