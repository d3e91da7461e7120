#include "strata/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "strata/base/status_macros.h"

namespace strata::train {
namespace {

absl::Status CheckSameLength(size_t a, size_t b) {
  if (a == 0) return absl::InvalidArgumentError("metric on empty input");
  if (a != b) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric inputs differ in length: ", a, " labels, ", b, " predictions"));
  }
  return absl::OkStatus();
}

absl::Status CheckLabels(absl::Span<const int> labels, int num_classes, const char* what) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes) {
      return absl::InvalidArgumentError(absl::StrCat(what, " row ", i, ": class ", labels[i],
                                                     " outside [0, ", num_classes, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckFinite(absl::Span<const double> values, const char* what) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " row ", i, ": non-finite value ", values[i]));
    }
  }
  return absl::OkStatus();
}

// Per-class true positives, predicted counts and true counts.
struct ClassCounts {
  std::vector<int64_t> true_positive, predicted, actual;
};

absl::StatusOr<ClassCounts> CountClasses(absl::Span<const int> y_true,
                                         absl::Span<const int> y_pred, int num_classes) {
  if (num_classes < 2) {
    return absl::InvalidArgumentError(absl::StrCat("num_classes ", num_classes, " < 2"));
  }
  RETURN_IF_ERROR(CheckSameLength(y_true.size(), y_pred.size()));
  RETURN_IF_ERROR(CheckLabels(y_true, num_classes, "y_true"));
  RETURN_IF_ERROR(CheckLabels(y_pred, num_classes, "y_pred"));
  ClassCounts c;
  c.true_positive.assign(static_cast<size_t>(num_classes), 0);
  c.predicted.assign(static_cast<size_t>(num_classes), 0);
  c.actual.assign(static_cast<size_t>(num_classes), 0);
  for (size_t i = 0; i < y_true.size(); ++i) {
    ++c.actual[static_cast<size_t>(y_true[i])];
    ++c.predicted[static_cast<size_t>(y_pred[i])];
    if (y_true[i] == y_pred[i]) ++c.true_positive[static_cast<size_t>(y_true[i])];
  }
  return c;
}

double SafeRatio(int64_t num, int64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

enum class Kind { kPrecision, kRecall, kF1 };

double ClassScore(const ClassCounts& c, size_t k, Kind kind) {
  switch (kind) {
    case Kind::kPrecision:
      return SafeRatio(c.true_positive[k], c.predicted[k]);
    case Kind::kRecall:
      return SafeRatio(c.true_positive[k], c.actual[k]);
    case Kind::kF1:
      // 2 TP / (2 TP + FP + FN), which is sklearn's F1 with 0/0 -> 0.
      return SafeRatio(2 * c.true_positive[k], c.predicted[k] + c.actual[k]);
  }
  return 0;
}

absl::StatusOr<double> AveragedScore(absl::Span<const int> y_true, absl::Span<const int> y_pred,
                                     int num_classes, Kind kind) {
  ASSIGN_OR_RETURN(ClassCounts c, CountClasses(y_true, y_pred, num_classes));
  if (num_classes == 2) return ClassScore(c, 1, kind);
  // Macro: classes seen in y_true or y_pred, as sklearn's unique_labels.
  double sum = 0;
  int present = 0;
  for (size_t k = 0; k < static_cast<size_t>(num_classes); ++k) {
    if (c.actual[k] == 0 && c.predicted[k] == 0) continue;
    sum += ClassScore(c, k, kind);
    ++present;
  }
  return sum / present;
}

// sklearn's _binary_clf_curve: cumulative true/false positives at each distinct score,
// scores descending.
struct BinaryCounts {
  std::vector<double> tps, fps, thresholds;
};

absl::StatusOr<BinaryCounts> BinaryClfCurve(absl::Span<const int> y_true,
                                            absl::Span<const double> score) {
  RETURN_IF_ERROR(CheckSameLength(y_true.size(), score.size()));
  RETURN_IF_ERROR(CheckLabels(y_true, 2, "y_true"));
  RETURN_IF_ERROR(CheckFinite(score, "score"));
  std::vector<size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return score[a] > score[b]; });
  BinaryCounts out;
  double tp = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    tp += y_true[order[i]];
    const bool last_of_value = i + 1 == order.size() || score[order[i + 1]] != score[order[i]];
    if (!last_of_value) continue;
    out.tps.push_back(tp);
    out.fps.push_back(static_cast<double>(i + 1) - tp);
    out.thresholds.push_back(score[order[i]]);
  }
  return out;
}

nlohmann::json DoublesJson(const std::vector<double>& values) {
  nlohmann::json array = nlohmann::json::array();
  for (double v : values) {
    // JSON has no infinity; sklearn's first ROC threshold is finite (max + 1) so this is
    // only a guard.
    array.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
  }
  return array;
}

// One-vs-rest: column k of the probabilities as the score of "class k".
template <typename Fn>
absl::StatusOr<double> OvrMean(absl::Span<const int> y_true,
                               absl::Span<const double> probabilities, int num_classes, Fn fn) {
  if (num_classes < 2) {
    return absl::InvalidArgumentError(absl::StrCat("num_classes ", num_classes, " < 2"));
  }
  const size_t k_count = static_cast<size_t>(num_classes);
  RETURN_IF_ERROR(CheckSameLength(y_true.size() * k_count, probabilities.size()));
  RETURN_IF_ERROR(CheckLabels(y_true, num_classes, "y_true"));
  std::vector<int> is_class(y_true.size());
  std::vector<double> column(y_true.size());
  double sum = 0;
  for (size_t k = 0; k < k_count; ++k) {
    for (size_t i = 0; i < y_true.size(); ++i) {
      is_class[i] = y_true[i] == static_cast<int>(k) ? 1 : 0;
      column[i] = probabilities[i * k_count + k];
    }
    auto value = fn(is_class, column);
    if (!value.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("class ", k, " vs rest: ", value.status().message()));
    }
    sum += *value;
  }
  return sum / num_classes;
}

}  // namespace

std::string ConfusionMatrix::ToJson(const std::vector<std::string>& labels) const {
  nlohmann::json matrix = nlohmann::json::array();
  for (int t = 0; t < num_classes; ++t) {
    nlohmann::json row = nlohmann::json::array();
    for (int p = 0; p < num_classes; ++p) row.push_back(at(t, p));
    matrix.push_back(std::move(row));
  }
  nlohmann::json out;
  out["labels"] = labels;
  out["matrix"] = std::move(matrix);
  return out.dump();
}

absl::StatusOr<ConfusionMatrix> ComputeConfusionMatrix(absl::Span<const int> y_true,
                                                       absl::Span<const int> y_pred,
                                                       int num_classes) {
  if (num_classes < 1) return absl::InvalidArgumentError("num_classes < 1");
  RETURN_IF_ERROR(CheckSameLength(y_true.size(), y_pred.size()));
  RETURN_IF_ERROR(CheckLabels(y_true, num_classes, "y_true"));
  RETURN_IF_ERROR(CheckLabels(y_pred, num_classes, "y_pred"));
  ConfusionMatrix m;
  m.num_classes = num_classes;
  m.counts.assign(static_cast<size_t>(num_classes * num_classes), 0);
  for (size_t i = 0; i < y_true.size(); ++i) {
    ++m.counts[static_cast<size_t>(y_true[i] * num_classes + y_pred[i])];
  }
  return m;
}

absl::StatusOr<double> Accuracy(absl::Span<const int> y_true, absl::Span<const int> y_pred) {
  RETURN_IF_ERROR(CheckSameLength(y_true.size(), y_pred.size()));
  int64_t correct = 0;
  for (size_t i = 0; i < y_true.size(); ++i) correct += y_true[i] == y_pred[i] ? 1 : 0;
  return static_cast<double>(correct) / static_cast<double>(y_true.size());
}

absl::StatusOr<double> Precision(absl::Span<const int> y_true, absl::Span<const int> y_pred,
                                 int num_classes) {
  return AveragedScore(y_true, y_pred, num_classes, Kind::kPrecision);
}
absl::StatusOr<double> Recall(absl::Span<const int> y_true, absl::Span<const int> y_pred,
                              int num_classes) {
  return AveragedScore(y_true, y_pred, num_classes, Kind::kRecall);
}
absl::StatusOr<double> F1(absl::Span<const int> y_true, absl::Span<const int> y_pred,
                          int num_classes) {
  return AveragedScore(y_true, y_pred, num_classes, Kind::kF1);
}

absl::StatusOr<Curve> RocCurve(absl::Span<const int> y_true, absl::Span<const double> score,
                               bool drop_intermediate) {
  ASSIGN_OR_RETURN(BinaryCounts c, BinaryClfCurve(y_true, score));
  const double positives = c.tps.back();
  const double negatives = c.fps.back();
  if (positives == 0 || negatives == 0) {
    return absl::InvalidArgumentError(
        "ROC needs both classes in y_true; only one class is present");
  }
  std::vector<size_t> keep;
  const size_t n = c.tps.size();
  for (size_t i = 0; i < n; ++i) {
    // Keep the ends and every point where the curve bends (second differences non-zero).
    const bool end = i == 0 || i + 1 == n;
    if (!drop_intermediate || n <= 2 || end ||
        c.fps[i + 1] - 2 * c.fps[i] + c.fps[i - 1] != 0 ||
        c.tps[i + 1] - 2 * c.tps[i] + c.tps[i - 1] != 0) {
      keep.push_back(i);
    }
  }
  Curve curve;
  curve.x.push_back(0);
  curve.y.push_back(0);
  curve.thresholds.push_back(c.thresholds[0] + 1);
  for (size_t i : keep) {
    curve.x.push_back(c.fps[i] / negatives);
    curve.y.push_back(c.tps[i] / positives);
    curve.thresholds.push_back(c.thresholds[i]);
  }
  return curve;
}

absl::StatusOr<double> RocAuc(absl::Span<const int> y_true, absl::Span<const double> score) {
  ASSIGN_OR_RETURN(Curve curve, RocCurve(y_true, score, /*drop_intermediate=*/true));
  double area = 0;
  for (size_t i = 1; i < curve.x.size(); ++i) {
    area += (curve.x[i] - curve.x[i - 1]) * (curve.y[i] + curve.y[i - 1]) / 2;
  }
  return area;
}

absl::StatusOr<Curve> PrCurve(absl::Span<const int> y_true, absl::Span<const double> score) {
  ASSIGN_OR_RETURN(BinaryCounts c, BinaryClfCurve(y_true, score));
  const double positives = c.tps.back();
  if (positives == 0) {
    return absl::InvalidArgumentError("precision-recall needs a positive in y_true; none found");
  }
  Curve curve;
  for (size_t j = c.tps.size(); j-- > 0;) {
    const double predicted = c.tps[j] + c.fps[j];
    curve.y.push_back(predicted == 0 ? 0 : c.tps[j] / predicted);
    curve.x.push_back(c.tps[j] / positives);
    curve.thresholds.push_back(c.thresholds[j]);
  }
  curve.y.push_back(1);
  curve.x.push_back(0);
  return curve;
}

absl::StatusOr<double> AveragePrecision(absl::Span<const int> y_true,
                                        absl::Span<const double> score) {
  ASSIGN_OR_RETURN(Curve curve, PrCurve(y_true, score));
  // -sum(diff(recall) * precision[:-1]) with recall descending.
  double ap = 0;
  for (size_t i = 0; i + 1 < curve.x.size(); ++i) {
    ap += (curve.x[i] - curve.x[i + 1]) * curve.y[i];
  }
  return ap;
}

absl::StatusOr<double> RocAucOvr(absl::Span<const int> y_true,
                                 absl::Span<const double> probabilities, int num_classes) {
  return OvrMean(y_true, probabilities, num_classes,
                 [](absl::Span<const int> t, absl::Span<const double> s) { return RocAuc(t, s); });
}

absl::StatusOr<double> AveragePrecisionOvr(absl::Span<const int> y_true,
                                           absl::Span<const double> probabilities,
                                           int num_classes) {
  return OvrMean(y_true, probabilities, num_classes,
                 [](absl::Span<const int> t, absl::Span<const double> s) {
                   return AveragePrecision(t, s);
                 });
}

absl::StatusOr<double> LogLoss(absl::Span<const int> y_true,
                               absl::Span<const double> probabilities, int num_classes) {
  if (num_classes < 2) {
    return absl::InvalidArgumentError(absl::StrCat("num_classes ", num_classes, " < 2"));
  }
  RETURN_IF_ERROR(CheckLabels(y_true, num_classes, "y_true"));
  RETURN_IF_ERROR(CheckFinite(probabilities, "probability"));
  const size_t k_count = static_cast<size_t>(num_classes);
  const bool binary_column = num_classes == 2 && probabilities.size() == y_true.size();
  if (!binary_column) RETURN_IF_ERROR(CheckSameLength(y_true.size() * k_count, probabilities.size()));
  if (y_true.empty()) return absl::InvalidArgumentError("metric on empty input");
  const double eps = std::numeric_limits<double>::epsilon();
  auto clip = [eps](double p) { return std::clamp(p, eps, 1 - eps); };
  double total = 0;
  std::vector<double> row(k_count);
  for (size_t i = 0; i < y_true.size(); ++i) {
    if (binary_column) {
      // sklearn clips the single column, then builds [1 - p, p].
      const double p = clip(probabilities[i]);
      row[0] = 1 - p;
      row[1] = p;
    } else {
      for (size_t k = 0; k < k_count; ++k) row[k] = clip(probabilities[i * k_count + k]);
    }
    double sum = 0;
    for (double p : row) sum += p;
    total += -std::log(row[static_cast<size_t>(y_true[i])] / sum);
  }
  return total / static_cast<double>(y_true.size());
}

absl::StatusOr<double> Rmse(absl::Span<const double> y_true, absl::Span<const double> y_pred) {
  RETURN_IF_ERROR(CheckSameLength(y_true.size(), y_pred.size()));
  double sum = 0;
  for (size_t i = 0; i < y_true.size(); ++i) sum += (y_true[i] - y_pred[i]) * (y_true[i] - y_pred[i]);
  return std::sqrt(sum / static_cast<double>(y_true.size()));
}

absl::StatusOr<double> Mae(absl::Span<const double> y_true, absl::Span<const double> y_pred) {
  RETURN_IF_ERROR(CheckSameLength(y_true.size(), y_pred.size()));
  double sum = 0;
  for (size_t i = 0; i < y_true.size(); ++i) sum += std::abs(y_true[i] - y_pred[i]);
  return sum / static_cast<double>(y_true.size());
}

absl::StatusOr<double> R2(absl::Span<const double> y_true, absl::Span<const double> y_pred) {
  RETURN_IF_ERROR(CheckSameLength(y_true.size(), y_pred.size()));
  double mean = 0;
  for (double v : y_true) mean += v;
  mean /= static_cast<double>(y_true.size());
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < y_true.size(); ++i) {
    ss_res += (y_true[i] - y_pred[i]) * (y_true[i] - y_pred[i]);
    ss_tot += (y_true[i] - mean) * (y_true[i] - mean);
  }
  if (ss_tot == 0) return ss_res == 0 ? 1.0 : 0.0;
  return 1 - ss_res / ss_tot;
}

std::string Curve::ToJson(const std::string& x_name, const std::string& y_name) const {
  nlohmann::json out;
  out[x_name] = DoublesJson(x);
  out[y_name] = DoublesJson(y);
  out["thresholds"] = DoublesJson(thresholds);
  return out.dump();
}

std::vector<int> PredictedClasses(absl::Span<const double> outputs, int num_classes) {
  std::vector<int> classes;
  if (num_classes <= 2) {
    // Binary predictors output one P(class 1) per row.
    classes.reserve(outputs.size());
    for (double p : outputs) classes.push_back(p >= 0.5 ? 1 : 0);
    return classes;
  }
  const size_t k_count = static_cast<size_t>(num_classes);
  for (size_t i = 0; i + k_count <= outputs.size(); i += k_count) {
    const auto row = outputs.subspan(i, k_count);
    classes.push_back(static_cast<int>(std::max_element(row.begin(), row.end()) - row.begin()));
  }
  return classes;
}

absl::StatusOr<std::map<std::string, double>> ClassificationMetrics(
    absl::Span<const int> y_true, absl::Span<const double> outputs, int num_classes) {
  const std::vector<int> predicted = PredictedClasses(outputs, num_classes);
  std::map<std::string, double> m;
  ASSIGN_OR_RETURN(m["accuracy"], Accuracy(y_true, predicted));
  ASSIGN_OR_RETURN(m["precision"], Precision(y_true, predicted, num_classes));
  ASSIGN_OR_RETURN(m["recall"], Recall(y_true, predicted, num_classes));
  ASSIGN_OR_RETURN(m["f1"], F1(y_true, predicted, num_classes));
  ASSIGN_OR_RETURN(m["log_loss"], LogLoss(y_true, outputs, num_classes));
  std::vector<int64_t> seen(static_cast<size_t>(num_classes), 0);
  for (int t : y_true) ++seen[static_cast<size_t>(t)];
  const bool all_present = std::all_of(seen.begin(), seen.end(), [](int64_t n) { return n > 0; });
  if (!all_present) return m;  // AUCs are undefined for an absent class
  if (num_classes == 2) {
    ASSIGN_OR_RETURN(m["roc_auc"], RocAuc(y_true, outputs));
    ASSIGN_OR_RETURN(m["pr_auc"], AveragePrecision(y_true, outputs));
  } else {
    ASSIGN_OR_RETURN(m["roc_auc"], RocAucOvr(y_true, outputs, num_classes));
    ASSIGN_OR_RETURN(m["pr_auc"], AveragePrecisionOvr(y_true, outputs, num_classes));
  }
  return m;
}

absl::StatusOr<std::map<std::string, double>> RegressionMetrics(absl::Span<const double> y_true,
                                                                absl::Span<const double> y_pred) {
  std::map<std::string, double> m;
  ASSIGN_OR_RETURN(m["rmse"], Rmse(y_true, y_pred));
  ASSIGN_OR_RETURN(m["mae"], Mae(y_true, y_pred));
  ASSIGN_OR_RETURN(m["r2"], R2(y_true, y_pred));
  return m;
}

bool HigherIsBetter(const std::string& metric) {
  // XGBoost's eval names carry a prefix ("valid-auc"); look at the metric part.
  const size_t dash = metric.rfind('-');
  const std::string name = dash == std::string::npos ? metric : metric.substr(dash + 1);
  for (const char* higher : {"accuracy", "precision", "recall", "f1", "auc", "roc_auc",
                             "pr_auc", "aucpr", "r2", "map", "ndcg"}) {
    if (name == higher || name.rfind(std::string(higher) + "@", 0) == 0) return true;
  }
  return false;
}

}  // namespace strata::train
