#include "strata/models/predictor.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/parallel.h"
#include "strata/base/strings.h"
#include "strata/models/linear_predictor.h"
#include "strata/models/tree_predictor.h"

namespace strata::models {

std::string_view TaskName(Task task) {
  switch (task) {
    case Task::kRegression:
      return "regression";
    case Task::kBinary:
      return "binary";
    case Task::kMulticlass:
      return "multiclass";
  }
  return "regression";
}

absl::StatusOr<Task> ParseTask(std::string_view name) {
  if (name == "regression") return Task::kRegression;
  if (name == "binary") return Task::kBinary;
  if (name == "multiclass") return Task::kMulticlass;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown task '", AsAbsl(name), "' (expected regression, binary or multiclass)"));
}

void PredictParallel(const Predictor& predictor, const float* features, int64_t rows,
                     double* out, int threads) {
  // Blocks big enough that the per-block hand-off is noise next to the prediction work, small
  // enough that two cores both get several.
  constexpr int64_t kBlockRows = 2048;
  const int workers = ResolveThreads(threads);
  if (workers <= 1 || rows <= kBlockRows) {
    predictor.Predict(features, rows, out);
    return;
  }
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  const int64_t num_features = predictor.num_features();
  const int64_t num_outputs = predictor.num_outputs();
  ParallelFor(blocks, workers, [&](int64_t block) {
    const int64_t begin = block * kBlockRows;
    const int64_t count = std::min(kBlockRows, rows - begin);
    predictor.Predict(features + begin * num_features, count, out + begin * num_outputs);
  });
}

}  // namespace strata::models

namespace strata::models {

absl::StatusOr<std::unique_ptr<Predictor>> PredictorFromJson(std::string_view flavor,
                                                             std::string_view json) {
  if (flavor == "linear") {
    absl::StatusOr<std::unique_ptr<LinearPredictor>> linear = LinearPredictor::FromJson(json);
    if (!linear.ok()) return linear.status();
    return std::unique_ptr<Predictor>(*std::move(linear));
  }
  if (flavor == "trees") {
    absl::StatusOr<std::unique_ptr<TreePredictor>> trees = TreePredictor::FromJson(json);
    if (!trees.ok()) return trees.status();
    return std::unique_ptr<Predictor>(*std::move(trees));
  }
  return absl::UnimplementedError(
      absl::StrCat("unknown model flavor '", AsAbsl(flavor), "'"));
}

}  // namespace strata::models
