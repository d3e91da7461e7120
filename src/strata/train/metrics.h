// Evaluation metrics for classification and regression, defined as scikit-learn defines them
// (sklearn 1.2) so a Strata figure and a scikit-learn figure for the same predictions agree to
// rounding:
//   - precision / recall / F1: binary = of class 1; multiclass = unweighted mean over the
//     classes present in y_true or y_pred (average="macro"); 0/0 counts as 0 (zero_division).
//   - ROC AUC: trapezoids over the curve with one point per distinct score, so tied scores
//     form one diagonal step (roc_auc_score); multiclass = one-vs-rest macro mean.
//   - PR AUC: average precision, sum over thresholds of (R_n - R_{n-1}) * P_n (no
//     interpolation; average_precision_score).
//   - log loss: probabilities clipped to [eps, 1 - eps] with eps the double epsilon and rows
//     renormalised (log_loss with eps="auto").
//   - R²: 1 - SS_res / SS_tot; a constant y_true gives 1 for a perfect fit, else 0 (r2_score).
//
// Labels are class ids 0..num_classes-1. Scores for binary tasks are P(class 1); multiclass
// probabilities are rows x num_classes, row-major.
//
// Every function is pure and thread-safe. Errors: INVALID_ARGUMENT for empty input,
// mismatched lengths, a label outside [0, num_classes), a non-finite score, or a metric that
// is undefined on the data (ROC AUC with one class present) — the message says which.
#ifndef STRATA_TRAIN_METRICS_H_
#define STRATA_TRAIN_METRICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace strata::train {

// counts[t * num_classes + p]: rows of true class t predicted as p.
struct ConfusionMatrix {
  int num_classes = 0;
  std::vector<int64_t> counts;

  int64_t at(int true_class, int predicted_class) const {
    return counts[static_cast<size_t>(true_class * num_classes + predicted_class)];
  }
  // {"labels": [...], "matrix": [[...], ...]} with rows = true class.
  std::string ToJson(const std::vector<std::string>& labels) const;
};

absl::StatusOr<ConfusionMatrix> ComputeConfusionMatrix(absl::Span<const int> y_true,
                                                       absl::Span<const int> y_pred,
                                                       int num_classes);

absl::StatusOr<double> Accuracy(absl::Span<const int> y_true, absl::Span<const int> y_pred);
// num_classes == 2: of class 1; > 2: macro mean (see the file comment).
absl::StatusOr<double> Precision(absl::Span<const int> y_true, absl::Span<const int> y_pred,
                                 int num_classes);
absl::StatusOr<double> Recall(absl::Span<const int> y_true, absl::Span<const int> y_pred,
                              int num_classes);
absl::StatusOr<double> F1(absl::Span<const int> y_true, absl::Span<const int> y_pred,
                          int num_classes);

// Binary: y_true in {0, 1}, score = P(class 1) or any monotone score.
absl::StatusOr<double> RocAuc(absl::Span<const int> y_true, absl::Span<const double> score);
absl::StatusOr<double> AveragePrecision(absl::Span<const int> y_true,
                                        absl::Span<const double> score);
// Multiclass one-vs-rest macro means over `probabilities` (rows x num_classes).
absl::StatusOr<double> RocAucOvr(absl::Span<const int> y_true,
                                 absl::Span<const double> probabilities, int num_classes);
absl::StatusOr<double> AveragePrecisionOvr(absl::Span<const int> y_true,
                                           absl::Span<const double> probabilities,
                                           int num_classes);

// `probabilities`: rows x num_classes; for num_classes == 2 a rows-long P(class 1) is also
// accepted.
absl::StatusOr<double> LogLoss(absl::Span<const int> y_true,
                               absl::Span<const double> probabilities, int num_classes);

absl::StatusOr<double> Rmse(absl::Span<const double> y_true, absl::Span<const double> y_pred);
absl::StatusOr<double> Mae(absl::Span<const double> y_true, absl::Span<const double> y_pred);
absl::StatusOr<double> R2(absl::Span<const double> y_true, absl::Span<const double> y_pred);

// Curve points, first to last, as sklearn returns them.
struct Curve {
  std::vector<double> x;           // ROC: false positive rate; PR: recall
  std::vector<double> y;           // ROC: true positive rate;  PR: precision
  std::vector<double> thresholds;  // ROC: one per point; PR: one fewer than points
  // {"x_name": [...], "y_name": [...], "thresholds": [...]}
  std::string ToJson(const std::string& x_name, const std::string& y_name) const;
};

// roc_curve: starts at (0, 0) with threshold max score + 1; with drop_intermediate, points
// on a straight segment between their neighbours are dropped (sklearn's default).
absl::StatusOr<Curve> RocCurve(absl::Span<const int> y_true, absl::Span<const double> score,
                               bool drop_intermediate = true);
// precision_recall_curve: one point per distinct score, recall descending, then a last point
// (recall 0, precision 1) that has no threshold.
absl::StatusOr<Curve> PrCurve(absl::Span<const int> y_true, absl::Span<const double> score);

// The standard metric set of a task, by name.
//   classification (num_classes >= 2): accuracy, precision, recall, f1, roc_auc, pr_auc,
//     log_loss (AUCs are skipped when only one class is present in y_true);
//   regression: rmse, mae, r2.
// `outputs` are the predictor's outputs: rows (regression, binary) or rows x num_classes.
// Predicted class = argmax (binary: P(class 1) >= 0.5).
absl::StatusOr<std::map<std::string, double>> ClassificationMetrics(
    absl::Span<const int> y_true, absl::Span<const double> outputs, int num_classes);
absl::StatusOr<std::map<std::string, double>> RegressionMetrics(absl::Span<const double> y_true,
                                                                absl::Span<const double> y_pred);

// Class ids from predictor outputs (argmax; binary threshold 0.5).
std::vector<int> PredictedClasses(absl::Span<const double> outputs, int num_classes);

// Whether a larger value of the named metric is better (accuracy, auc, f1, r2, ...) or a
// smaller one (rmse, mae, log_loss, error, ...). Unknown names are treated as "smaller".
bool HigherIsBetter(const std::string& metric);

}  // namespace strata::train

#endif  // STRATA_TRAIN_METRICS_H_
