#include "strata/train/glm.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/parallel.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/train/internal/glm_objective.h"
#include "strata/train/internal/lbfgs.h"

namespace strata::train {
namespace {

// Finds the first non-finite feature in parallel: blocks are scanned independently and the
// lowest offending row wins, so the error names the same cell whatever the thread count.
absl::Status CheckFeaturesFinite(const GlmData& data, int threads) {
  constexpr int64_t kScanRows = 16384;
  const int64_t blocks = (data.rows + kScanRows - 1) / kScanRows;
  std::vector<int64_t> bad_in_block(static_cast<size_t>(blocks), -1);
  ParallelFor(blocks, threads, [&](int64_t b) {
    const int64_t begin = b * kScanRows * data.cols;
    const int64_t end = std::min(data.rows, (b + 1) * kScanRows) * data.cols;
    // Summing x * 0 is NaN exactly when some x is NaN or infinite: a branch-free scan.
    double probe = 0;
    for (int64_t i = begin; i < end; ++i) probe += data.features[i] * 0.0;
    if (probe == 0) return;
    for (int64_t i = begin; i < end; ++i) {
      if (!std::isfinite(data.features[i])) {
        bad_in_block[static_cast<size_t>(b)] = i;
        return;
      }
    }
  });
  for (int64_t bad : bad_in_block) {
    if (bad >= 0) {
      return absl::InvalidArgumentError(absl::StrCat("feature at row ", bad / data.cols,
                                                     ", column ", bad % data.cols,
                                                     " is not finite: ", data.features[bad]));
    }
  }
  return absl::OkStatus();
}

// Checks labels and weights; returns the number of outputs (1, or the class count).
absl::StatusOr<int> CheckLabels(const GlmData& data, const GlmOptions& options) {
  int max_label = 0;
  for (int64_t i = 0; i < data.rows; ++i) {
    const double y = data.labels[i];
    if (!std::isfinite(y)) {
      return absl::InvalidArgumentError(absl::StrCat("label at row ", i, " is not finite"));
    }
    if (options.family == GlmFamily::kGaussian) continue;
    if (y != std::floor(y) || y < 0 ||
        (options.family == GlmFamily::kBinomial && y > 1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "label at row ", i, " is ", y, ": ", AsAbsl(GlmFamilyName(options.family)),
          options.family == GlmFamily::kBinomial ? " labels must be 0 or 1"
                                                 : " labels must be class ids 0..K-1"));
    }
    if (y > 1e6) {
      return absl::InvalidArgumentError(
          absl::StrCat("label at row ", i, " is ", y, ": more than 1e6 classes"));
    }
    max_label = std::max(max_label, static_cast<int>(y));
  }
  if (data.sample_weights) {
    for (int64_t i = 0; i < data.rows; ++i) {
      const double w = data.sample_weights[i];
      if (!std::isfinite(w) || w < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("sample weight at row ", i, " is ", w, ": must be finite and >= 0"));
      }
    }
  }
  if (options.family != GlmFamily::kMultinomial) return 1;
  if (options.num_classes == 0) {
    if (max_label < 1) {
      return absl::InvalidArgumentError(
          "multinomial labels hold a single class (0): need at least 2");
    }
    return max_label + 1;
  }
  if (options.num_classes < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_classes must be >= 2, got ", options.num_classes));
  }
  if (max_label >= options.num_classes) {
    return absl::InvalidArgumentError(absl::StrCat("label ", max_label,
                                                   " is not below num_classes ",
                                                   options.num_classes));
  }
  return options.num_classes;
}

absl::Status CheckOptions(const GlmData& data, const GlmOptions& options) {
  if (data.features == nullptr || data.labels == nullptr) {
    return absl::InvalidArgumentError("features and labels must not be null");
  }
  if (data.rows <= 0 || data.cols <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("data must have rows and columns, got ", data.rows, " x ", data.cols));
  }
  if (options.penalty != GlmPenalty::kNone && !(options.C > 0 && std::isfinite(options.C))) {
    return absl::InvalidArgumentError(absl::StrCat("C must be finite and > 0, got ", options.C));
  }
  if (options.max_iter < 0) {
    return absl::InvalidArgumentError(absl::StrCat("max_iter must be >= 0, got ", options.max_iter));
  }
  if (!(options.tol >= 0) || !(options.ftol >= 0)) {
    return absl::InvalidArgumentError("tol and ftol must be >= 0");
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view GlmFamilyName(GlmFamily family) {
  switch (family) {
    case GlmFamily::kBinomial:
      return "binomial";
    case GlmFamily::kMultinomial:
      return "multinomial";
    case GlmFamily::kGaussian:
      return "gaussian";
  }
  return "unknown";
}

absl::StatusOr<GlmFamily> ParseGlmFamily(std::string_view name) {
  for (GlmFamily f : {GlmFamily::kBinomial, GlmFamily::kMultinomial, GlmFamily::kGaussian}) {
    if (name == GlmFamilyName(f)) return f;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown GLM family '", AsAbsl(name), "' (known: binomial, multinomial, gaussian)"));
}

std::string_view GlmPenaltyName(GlmPenalty penalty) {
  switch (penalty) {
    case GlmPenalty::kNone:
      return "none";
    case GlmPenalty::kL2:
      return "l2";
    case GlmPenalty::kL1:
      return "l1";
  }
  return "unknown";
}

absl::StatusOr<GlmPenalty> ParseGlmPenalty(std::string_view name) {
  for (GlmPenalty p : {GlmPenalty::kNone, GlmPenalty::kL2, GlmPenalty::kL1}) {
    if (name == GlmPenaltyName(p)) return p;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown GLM penalty '", AsAbsl(name), "' (known: none, l2, l1)"));
}

absl::StatusOr<GlmResult> FitGlm(const GlmData& data, const GlmOptions& options) {
  RETURN_IF_ERROR(CheckOptions(data, options));
  ASSIGN_OR_RETURN(const int num_outputs, CheckLabels(data, options));

  // The optimizer sees sklearn 1.2's objective, loss / C, so `tol` means what sklearn's does.
  const bool penalised = options.penalty != GlmPenalty::kNone;
  const double inv_c = penalised ? 1.0 / options.C : 0.0;
  internal::GlmObjective objective(data, options.family, num_outputs, options.fit_intercept,
                                   options.penalty == GlmPenalty::kL2 ? inv_c : 0.0,
                                   options.threads);
  const size_t param_count = static_cast<size_t>(objective.num_params());
  const size_t coefficient_count = static_cast<size_t>(num_outputs) * data.cols;
  internal::LbfgsOptions lbfgs;
  lbfgs.max_iterations = options.max_iter;
  lbfgs.gtol = options.tol;
  lbfgs.ftol = options.ftol;
  if (options.penalty == GlmPenalty::kL1) {
    lbfgs.l1.assign(param_count, 0.0);
    std::fill(lbfgs.l1.begin(), lbfgs.l1.begin() + static_cast<int64_t>(coefficient_count), inv_c);
  }
  auto evaluate = [&](const std::vector<double>& x, std::vector<double>& grad) {
    return objective.Evaluate(x, grad);
  };
  auto minimum = internal::MinimizeLbfgs(evaluate, std::vector<double>(param_count, 0.0), lbfgs);
  if (!minimum.ok() && minimum.status().code() == absl::StatusCode::kInternal) {
    // A NaN or infinite feature makes the gradient at the start non-finite (it adds r * x with
    // r != 0, or inf * 0 = NaN), so the features are scanned only then, to name the cell: no
    // separate validation pass over the data on the good path.
    RETURN_IF_ERROR(CheckFeaturesFinite(data, options.threads));
  }
  if (!minimum.ok()) {
    return absl::InternalError(absl::StrCat("GLM optimizer failed: ", minimum.status().message()));
  }
  const double scale = penalised ? options.C : 1.0;
  GlmResult result;
  result.family = options.family;
  result.num_outputs = num_outputs;
  result.cols = data.cols;
  result.coefficients.assign(minimum->x.begin(),
                             minimum->x.begin() + static_cast<int64_t>(coefficient_count));
  result.intercepts.assign(static_cast<size_t>(num_outputs), 0.0);
  if (options.fit_intercept) {
    std::copy(minimum->x.begin() + static_cast<int64_t>(coefficient_count), minimum->x.end(),
              result.intercepts.begin());
  }
  result.loss = minimum->objective * scale;
  // The penalty is recomputed here rather than by another pass over the data.
  double penalty = 0;
  for (size_t j = 0; j < coefficient_count; ++j) {
    const double w = minimum->x[j];
    penalty += options.penalty == GlmPenalty::kL2 ? 0.5 * w * w : std::fabs(w);
  }
  result.data_loss = minimum->objective - (penalised ? inv_c * penalty : 0.0);
  result.iterations = minimum->iterations;
  result.evaluations = minimum->evaluations;
  result.converged = minimum->converged;
  result.stop_reason = minimum->stop_reason;
  result.loss_history.reserve(minimum->history.size());
  for (double v : minimum->history) result.loss_history.push_back(v * scale);
  return result;
}

absl::StatusOr<std::unique_ptr<models::LinearPredictor>> MakeLinearPredictor(
    const GlmResult& fit) {
  models::Task task = models::Task::kRegression;
  if (fit.family == GlmFamily::kBinomial) task = models::Task::kBinary;
  if (fit.family == GlmFamily::kMultinomial) task = models::Task::kMulticlass;
  return models::LinearPredictor::Create(task, fit.cols, fit.coefficients, fit.intercepts);
}

}  // namespace strata::train
