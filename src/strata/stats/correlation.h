// Mergeable Pearson correlation. PearsonAccumulator keeps, over the pairs (x, y) where both
// are present, the count, both means, both M2 and the co-moment C = sum (x - mx)(y - my),
// combined across chunks with Chan et al.'s update, so r = C / sqrt(M2x M2y) is as accurate
// merged as computed in one piece. CorrelationMatrix holds one accumulator per column pair
// (pairwise-complete, like pandas' DataFrame.corr()).
//
// Thread-safety: not thread-safe; merge per-thread instances.
#ifndef STRATA_STATS_CORRELATION_H_
#define STRATA_STATS_CORRELATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nlohmann/json.hpp"

namespace strata::stats {

class PearsonAccumulator {
 public:
  void Update(double x, double y);
  // A batch of pairs (equal lengths): centred sums in two passes, then one merge.
  void Update(absl::Span<const double> xs, absl::Span<const double> ys);
  void Merge(const PearsonAccumulator& other);
  // The accumulator of `count` pairs given their sums after shifting x by `shift_x` and y by
  // `shift_y` (sum x', sum y', sum x'^2, sum y'^2, sum x'y'). Shifts near the means keep the
  // digits that raw sums of squares would cancel away.
  static PearsonAccumulator FromShiftedSums(int64_t count, double shift_x, double shift_y, double sum_x,
                                            double sum_y, double sum_xx, double sum_yy, double sum_xy);

  int64_t count() const { return count_; }
  // NaN with fewer than two pairs or when either side is constant.
  double Correlation() const;
  // Sample covariance (n - 1); NaN with fewer than two pairs.
  double Covariance() const;

  nlohmann::json ToJson() const;
  static absl::StatusOr<PearsonAccumulator> FromJson(const nlohmann::json& json);

 private:
  friend class CorrelationMatrix;
  int64_t count_ = 0;
  double mean_x_ = 0;
  double mean_y_ = 0;
  double m2_x_ = 0;
  double m2_y_ = 0;
  double co_moment_ = 0;
};

class CorrelationMatrix {
 public:
  CorrelationMatrix() = default;
  explicit CorrelationMatrix(std::vector<std::string> columns);

  const std::vector<std::string>& columns() const { return columns_; }
  int size() const { return static_cast<int>(columns_.size()); }
  // The accumulator of columns i and j (i != j; order does not matter).
  PearsonAccumulator& pair(int i, int j);
  const PearsonAccumulator& pair(int i, int j) const;
  // r for (i, j); 1 on the diagonal when the column has two distinct values, NaN when undefined.
  double Correlation(int i, int j) const;

  // One block of rows of every column: columns[c] points at `rows` values of column c (as
  // many pointers as columns(); otherwise nothing is added). A NaN or +-inf value is missing:
  // a pair uses the rows where both sides are present (pairwise-complete, as pandas' corr()).
  // One pass of sums per column and one dot product per pair; the rows a pair drops are
  // subtracted from the column sums through the list of missing rows, so sparse nulls cost
  // little.
  void UpdateColumns(absl::Span<const double* const> columns, size_t rows);

  // Errors: INVALID_ARGUMENT when the column lists differ.
  absl::Status Merge(const CorrelationMatrix& other);

  std::string Serialize() const;
  // Errors: INVALID_ARGUMENT naming the byte offset.
  static absl::StatusOr<CorrelationMatrix> Deserialize(std::string_view bytes);
  // {"columns": [...], "pairs": [[count, mean_x, mean_y, m2_x, m2_y, c], ...]} (i < j order).
  nlohmann::json ToJson() const;
  static absl::StatusOr<CorrelationMatrix> FromJson(const nlohmann::json& json);

 private:
  size_t PairIndex(int i, int j) const;

  std::vector<std::string> columns_;
  std::vector<PearsonAccumulator> pairs_;   // i < j, row-major over the upper triangle
  std::vector<PearsonAccumulator> diagonal_;  // each column with itself: its variance
};

}  // namespace strata::stats

#endif  // STRATA_STATS_CORRELATION_H_
