// Gradient-boosted trees and random forests trained through XGBoost's C API.
//
//   DenseMatrix train{features.data(), rows, cols, labels};
//   XgboostTrainOptions options;
//   options.task = models::Task::kBinary;
//   options.num_rounds = 200;
//   options.early_stopping_rounds = 10;
//   ASSIGN_OR_RETURN(XgboostModel model, TrainXgboost(train, &valid, options));
//   // model.json: XGBoost's JSON model, truncated to the best iteration, for
//   // models/xgboost_import.h.
//
// GBDT (`booster=gbtree`): `num_rounds` boosting rounds, optionally stopped early when the
// validation set's last eval metric has not improved for `early_stopping_rounds` rounds; the
// returned model keeps rounds [0, best_iteration] only, so it predicts as XGBoost's
// `iteration_range=(0, best_iteration + 1)` does.
// Random forest: XGBoost's documented recipe — one round of `num_parallel_tree` trees
// (default 100) with row subsample 0.8, colsample_bynode 0.8 and learning rate 1; `params`
// may override any of them.
//
// Features are float32 row-major with NaN = missing (XGBoost's own convention). Labels are
// the target (regression) or class ids 0..num_classes-1.
//
// Thread-safety: functions may run concurrently (each has its own booster); `threads` is
// XGBoost's nthread for this call, so concurrent callers should split the cores.
#ifndef STRATA_TRAIN_XGBOOST_TRAINER_H_
#define STRATA_TRAIN_XGBOOST_TRAINER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/models/predictor.h"

namespace strata::train {

// A borrowed dense matrix: rows x cols float32, row-major, plus one label per row.
struct DenseMatrix {
  const float* features = nullptr;
  int64_t rows = 0;
  int cols = 0;
  absl::Span<const float> labels;
};

enum class EnsembleKind { kGbdt, kRandomForest };

struct XgboostTrainOptions {
  EnsembleKind kind = EnsembleKind::kGbdt;
  models::Task task = models::Task::kRegression;
  int num_classes = 0;  // kMulticlass: >= 3 (also accepted: 2); other tasks: ignored
  int num_rounds = 100;  // GBDT rounds; a random forest always trains one
  // > 0: stop when the validation metric has not improved for this many rounds. Needs a
  // validation matrix.
  int early_stopping_rounds = 0;
  // XGBoost eval_metric; empty = rmse / logloss / mlogloss by task. Early stopping watches it.
  std::string eval_metric;
  // Passed to XGBoosterSetParam after Strata's defaults (max_depth, eta, subsample, lambda,
  // ...). Keys Strata sets itself (objective, num_class) are refused here.
  std::map<std::string, std::string> params;
  int threads = 0;  // XGBoost nthread; 0 = XGBoost's default (all cores)
  uint64_t seed = 0;
};

// Evaluation after one boosting round, as XGBoosterEvalOneIter reports it.
struct IterationMetrics {
  int iteration = 0;
  std::map<std::string, double> train;  // metric name -> value ("logloss" -> 0.41)
  std::map<std::string, double> valid;  // empty without a validation matrix
};

struct XgboostModel {
  std::string json;          // XGBoosterSaveModelToBuffer {"format":"json"}, truncated
  int rounds_trained = 0;    // rounds run before stopping
  int best_iteration = 0;    // 0-based; the last round kept in `json`
  std::string eval_metric;   // the metric early stopping watched
  double best_score = 0;     // its validation value at best_iteration (train's without valid)
  std::vector<IterationMetrics> history;  // one per round trained
  // The truncated model's outputs on the validation matrix (rows, or rows x num_classes),
  // empty without one: callers score them without loading the model again.
  std::vector<double> valid_predictions;
};

// Errors: INVALID_ARGUMENT for inconsistent shapes, labels, options or a parameter XGBoost
// refuses (with XGBoost's message); INTERNAL for other XGBoost failures.
absl::StatusOr<XgboostModel> TrainXgboost(const DenseMatrix& train, const DenseMatrix* valid,
                                          const XgboostTrainOptions& options);

// Predicts with a JSON model through XGBoost itself (used to cross-check Strata's own tree
// predictor and to score folds). Output layout as XgboostModel::valid_predictions.
absl::StatusOr<std::vector<double>> PredictWithXgboost(const std::string& model_json,
                                                       const float* features, int64_t rows,
                                                       int cols, int threads = 0);

// The objective Strata uses for a task ("reg:squarederror", "binary:logistic",
// "multi:softprob").
std::string XgboostObjective(models::Task task);

}  // namespace strata::train

#endif  // STRATA_TRAIN_XGBOOST_TRAINER_H_
