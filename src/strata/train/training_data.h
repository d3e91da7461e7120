// From a table to what trainers take: a float32 feature matrix (NaN = missing) and encoded
// labels, plus the task the target implies.
//
// Features must be numeric by the time they get here (bool, int64, float64, timestamp);
// string and category columns are refused with the column named — encode them with a
// transforms spec (data/transforms.h) first. Label encoding for classification: the target's
// distinct values sorted (numbers numerically, strings bytewise) are the classes 0..K-1.
//
// Thread-safety: pure functions.
#ifndef STRATA_TRAIN_TRAINING_DATA_H_
#define STRATA_TRAIN_TRAINING_DATA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/models/predictor.h"
#include "strata/table/table.h"

namespace strata::train {

struct EncodedTarget {
  models::Task task = models::Task::kRegression;
  std::vector<double> values;              // regression: the target; else class ids
  std::vector<std::string> class_labels;   // classification: label of each class id
  int num_classes() const { return static_cast<int>(class_labels.size()); }
};

// `task` absent: float64 -> regression; bool, string, category -> classification; int64 ->
// classification with at most 20 distinct values, else regression. Classification with two
// classes is kBinary, more is kMulticlass.
// Errors: NOT_FOUND (no such column), INVALID_ARGUMENT naming the row of a null/NaN target,
// a classification target with fewer than 2 classes, or a string target for regression.
absl::StatusOr<EncodedTarget> EncodeTarget(const table::Table& table, const std::string& target,
                                           std::optional<models::Task> task = std::nullopt);

struct FeatureMatrix {
  std::vector<std::string> names;  // column order
  std::vector<float> values;       // rows x names.size(), row-major
  int64_t rows = 0;
  int cols() const { return static_cast<int>(names.size()); }
};

// Every column except `exclude` (the target), in table order. Nulls become NaN.
// Errors: INVALID_ARGUMENT naming a string/category column; INVALID_ARGUMENT when no feature
// column is left.
absl::StatusOr<FeatureMatrix> BuildFeatureMatrix(const table::Table& table,
                                                 const std::string& exclude);

// The rows at `rows` of a matrix / a value list, in that order.
FeatureMatrix TakeRows(const FeatureMatrix& matrix, absl::Span<const int64_t> rows);
std::vector<double> TakeValues(absl::Span<const double> values, absl::Span<const int64_t> rows);

// A seeded shuffle split: `fraction` of the rows (at least one when fraction > 0) go to
// `second`, the rest to `first`; both sorted. Stratified by `labels` when given.
struct RowSplit {
  std::vector<int64_t> first, second;
};
RowSplit SplitRows(int64_t rows, double fraction, uint64_t seed,
                   absl::Span<const double> class_labels = {});

}  // namespace strata::train

#endif  // STRATA_TRAIN_TRAINING_DATA_H_
