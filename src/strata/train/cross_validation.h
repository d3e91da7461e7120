// k-fold cross-validation: index splits and a driver that fits and scores each fold.
//
//   ASSIGN_OR_RETURN(auto folds, StratifiedKFold(labels, {.k = 5, .seed = 7}));
//   ASSIGN_OR_RETURN(auto cv, CrossValidate(folds, [&](int fold, const Fold& f)
//       -> absl::StatusOr<FoldMetrics> { ...fit on f.train, score on f.test... }, 2));
//   cv.mean["roc_auc"], cv.stddev["roc_auc"]
//
// Splits are deterministic for a seed. Every row is in exactly one test fold; the test folds
// differ in size by at most one row (stratified: per class, at most one row per class).
// Index lists are sorted ascending so a fold's rows keep the table's order.
//
// Thread-safety: the functions are pure; CrossValidate runs the callback concurrently on up
// to `threads` threads, so the callback must be thread-safe when threads != 1.
#ifndef STRATA_TRAIN_CROSS_VALIDATION_H_
#define STRATA_TRAIN_CROSS_VALIDATION_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace strata::train {

struct Fold {
  std::vector<int64_t> train;
  std::vector<int64_t> test;
};

struct KFoldOptions {
  int k = 5;
  bool shuffle = true;  // off: contiguous blocks in row order
  uint64_t seed = 0;
};

// Errors: INVALID_ARGUMENT when k < 2 or k > rows.
absl::StatusOr<std::vector<Fold>> KFold(int64_t rows, const KFoldOptions& options);

// Each class's rows are spread evenly over the folds. Labels are class ids >= 0.
// Errors: INVALID_ARGUMENT when k < 2, k > rows, or a label is negative.
absl::StatusOr<std::vector<Fold>> StratifiedKFold(absl::Span<const int> labels,
                                                  const KFoldOptions& options);

using FoldMetrics = std::map<std::string, double>;
using FoldCallback = std::function<absl::StatusOr<FoldMetrics>(int fold, const Fold& split)>;

struct CrossValidationResult {
  std::vector<FoldMetrics> folds;        // in fold order
  std::map<std::string, double> mean;    // over the folds reporting the metric
  std::map<std::string, double> stddev;  // population standard deviation (numpy's np.std)
};

// Runs `fit_and_score` once per fold, on up to `threads` threads (1 = the calling thread in
// fold order, 0 = one per core). The first failing fold's error is returned, prefixed with
// the fold number.
absl::StatusOr<CrossValidationResult> CrossValidate(const std::vector<Fold>& folds,
                                                    const FoldCallback& fit_and_score,
                                                    int threads = 1);

}  // namespace strata::train

#endif  // STRATA_TRAIN_CROSS_VALIDATION_H_
