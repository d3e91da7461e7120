#include "strata/train/cross_validation.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>

#include "absl/strings/str_cat.h"
#include "strata/base/parallel.h"

namespace strata::train {
namespace {

absl::Status CheckK(int k, int64_t rows) {
  if (k < 2) return absl::InvalidArgumentError(absl::StrCat("cv folds k=", k, " must be >= 2"));
  if (k > rows) {
    return absl::InvalidArgumentError(
        absl::StrCat("cv folds k=", k, " exceeds the ", rows, " rows"));
  }
  return absl::OkStatus();
}

// Turns a row -> fold assignment into folds with sorted index lists.
std::vector<Fold> FoldsFromAssignment(const std::vector<int>& fold_of_row, int k) {
  std::vector<Fold> folds(static_cast<size_t>(k));
  for (size_t row = 0; row < fold_of_row.size(); ++row) {
    for (int f = 0; f < k; ++f) {
      auto& list = f == fold_of_row[row] ? folds[static_cast<size_t>(f)].test
                                         : folds[static_cast<size_t>(f)].train;
      list.push_back(static_cast<int64_t>(row));
    }
  }
  return folds;
}

}  // namespace

absl::StatusOr<std::vector<Fold>> KFold(int64_t rows, const KFoldOptions& options) {
  if (absl::Status s = CheckK(options.k, rows); !s.ok()) return s;
  std::vector<int64_t> order(static_cast<size_t>(rows));
  std::iota(order.begin(), order.end(), 0);
  if (options.shuffle) {
    std::mt19937_64 rng(options.seed);
    std::shuffle(order.begin(), order.end(), rng);
  }
  // Contiguous blocks of the (shuffled) order; the first rows % k folds get one extra row.
  std::vector<int> fold_of_row(static_cast<size_t>(rows));
  const int64_t base = rows / options.k, extra = rows % options.k;
  size_t position = 0;
  for (int f = 0; f < options.k; ++f) {
    const int64_t size = base + (f < extra ? 1 : 0);
    for (int64_t i = 0; i < size; ++i) fold_of_row[static_cast<size_t>(order[position++])] = f;
  }
  return FoldsFromAssignment(fold_of_row, options.k);
}

absl::StatusOr<std::vector<Fold>> StratifiedKFold(absl::Span<const int> labels,
                                                  const KFoldOptions& options) {
  const int64_t rows = static_cast<int64_t>(labels.size());
  if (absl::Status s = CheckK(options.k, rows); !s.ok()) return s;
  int num_classes = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("stratified k-fold: row ", i, " has negative class ", labels[i]));
    }
    num_classes = std::max(num_classes, labels[i] + 1);
  }
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(num_classes));
  for (size_t i = 0; i < labels.size(); ++i) {
    by_class[static_cast<size_t>(labels[i])].push_back(static_cast<int64_t>(i));
  }
  std::mt19937_64 rng(options.seed);
  std::vector<int> fold_of_row(labels.size());
  // Dealing rows round-robin and carrying the position on from class to class keeps each
  // class within one row per fold of even and the folds' totals within one row of each other.
  int next_fold = 0;
  for (auto& members : by_class) {
    if (options.shuffle) std::shuffle(members.begin(), members.end(), rng);
    for (int64_t row : members) {
      fold_of_row[static_cast<size_t>(row)] = next_fold;
      next_fold = (next_fold + 1) % options.k;
    }
  }
  return FoldsFromAssignment(fold_of_row, options.k);
}

absl::StatusOr<CrossValidationResult> CrossValidate(const std::vector<Fold>& folds,
                                                    const FoldCallback& fit_and_score,
                                                    int threads) {
  if (folds.empty()) return absl::InvalidArgumentError("cross-validation with no folds");
  std::vector<std::optional<absl::StatusOr<FoldMetrics>>> results(folds.size());
  ParallelFor(static_cast<int64_t>(folds.size()), threads, [&](int64_t f) {
    results[static_cast<size_t>(f)] =
        fit_and_score(static_cast<int>(f), folds[static_cast<size_t>(f)]);
  });
  CrossValidationResult out;
  for (size_t f = 0; f < results.size(); ++f) {
    const auto& r = *results[f];
    if (!r.ok()) {
      return absl::Status(r.status().code(),
                          absl::StrCat("fold ", f, ": ", r.status().message()));
    }
    out.folds.push_back(*r);
  }
  std::map<std::string, std::vector<double>> values;
  for (const FoldMetrics& m : out.folds) {
    for (const auto& [name, v] : m) values[name].push_back(v);
  }
  for (const auto& [name, list] : values) {
    double mean = 0;
    for (double v : list) mean += v;
    mean /= static_cast<double>(list.size());
    double var = 0;
    for (double v : list) var += (v - mean) * (v - mean);
    out.mean[name] = mean;
    out.stddev[name] = std::sqrt(var / static_cast<double>(list.size()));
  }
  return out;
}

}  // namespace strata::train
