// Generalised linear models fitted in house: binary logistic, multinomial (softmax) logistic
// and linear (least-squares) regression, with an L2 or L1 penalty or none, by L-BFGS (OWL-QN
// for L1).
//
// The objective is scikit-learn's, with its meaning of C:
//   loss = C * sum_i s_i * l_i + penalty,   penalty = 0.5 * ||W||^2 (l2) | ||W||_1 (l1) | 0
// where s_i is the sample weight (1 without weights), W the coefficients (intercepts are never
// penalised) and l_i the per-row loss:
//   binomial:    log(1 + exp(z)) - y z              (y in {0, 1}, z = w.x + b)
//   multinomial: log(sum_k exp(z_k)) - z_y          (K full coefficient rows, as sklearn)
//   gaussian:    0.5 * (z - y)^2                    (so C = 1 / alpha of sklearn's Ridge)
// With penalty none, loss = sum_i s_i l_i (C is ignored).
//
// `tol` has scikit-learn 1.2's lbfgs meaning: stop when the largest gradient component of
// loss / C (sklearn's internal objective: sum of losses + penalty / C) is <= tol, or when the
// relative decrease of one iteration is <= ftol (SciPy's default), or after max_iter. With
// penalty none the gradient is that of the loss itself. A tol too small for float64 (a step's
// decrease falls under the rounding of the loss) ends with stop_reason "line_search" and
// converged false; the coefficients are then the best point found.
//
// Example:
//   GlmData data{.features = x.data(), .rows = n, .cols = f, .labels = y.data()};
//   GlmOptions options{.family = GlmFamily::kBinomial, .C = 1.0};
//   ASSIGN_OR_RETURN(GlmResult fit, FitGlm(data, options));
//   ASSIGN_OR_RETURN(auto predictor, MakeLinearPredictor(fit));  // a models::Predictor
//
// Thread-safety: FitGlm is reentrant; it reads `data` (which must outlive the call) and uses up
// to `threads` threads.
#ifndef STRATA_TRAIN_GLM_H_
#define STRATA_TRAIN_GLM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/models/linear_predictor.h"

namespace strata::train {

enum class GlmFamily {
  kBinomial,     // binary logistic regression; labels 0 or 1
  kMultinomial,  // softmax over num_classes; labels 0..num_classes-1
  kGaussian,     // linear regression; labels are the real-valued targets
};
enum class GlmPenalty { kNone, kL2, kL1 };

std::string_view GlmFamilyName(GlmFamily family);  // "binomial" | "multinomial" | "gaussian"
absl::StatusOr<GlmFamily> ParseGlmFamily(std::string_view name);
std::string_view GlmPenaltyName(GlmPenalty penalty);  // "none" | "l2" | "l1"
absl::StatusOr<GlmPenalty> ParseGlmPenalty(std::string_view name);

// Borrowed views of the training data. Features are float64, row-major, rows x cols (each row
// is read once per pass while it sits in L1, so one pass computes X*w, the loss and X^T r).
struct GlmData {
  const double* features = nullptr;
  int64_t rows = 0;
  int cols = 0;
  // rows values: class ids (0/1 for binomial, 0..K-1 for multinomial, exact integers) or
  // regression targets.
  const double* labels = nullptr;
  const double* sample_weights = nullptr;  // optional: rows values, finite and >= 0
};

struct GlmOptions {
  GlmFamily family = GlmFamily::kBinomial;
  GlmPenalty penalty = GlmPenalty::kL2;
  double C = 1.0;  // inverse regularisation strength, > 0
  bool fit_intercept = true;
  int max_iter = 100;
  double tol = 1e-4;
  double ftol = 2.220446049250313e-09;
  // Multinomial only: 0 means max(label) + 1.
  int num_classes = 0;
  int threads = 0;  // 0: one per core
};

struct GlmResult {
  GlmFamily family = GlmFamily::kBinomial;
  // num_outputs rows of `cols` coefficients, row-major: 1 row for binomial and gaussian,
  // num_classes rows for multinomial.
  std::vector<double> coefficients;
  std::vector<double> intercepts;  // num_outputs values (zeros without fit_intercept)
  int num_outputs = 1;
  int cols = 0;
  double loss = 0;       // the objective above at the solution
  double data_loss = 0;  // sum_i s_i l_i at the solution
  int iterations = 0;
  int evaluations = 0;  // passes over the data (loss + gradient)
  bool converged = false;
  std::string stop_reason;  // "gtol", "ftol", "max_iterations", "line_search"
  // `loss` at the start and after every iteration (the tracked run's per-iteration metric).
  std::vector<double> loss_history;
};

// Fits the model. Errors: INVALID_ARGUMENT naming the first bad input (null pointers, empty
// data, a label that is not a valid class id or not finite with its row, a negative or
// non-finite weight with its row, a non-finite feature with its row and column, C <= 0,
// num_classes < 2, a multinomial label >= num_classes); INTERNAL if the optimizer fails.
absl::StatusOr<GlmResult> FitGlm(const GlmData& data, const GlmOptions& options);

// The predictor of a fit: binomial -> binary (sigmoid), multinomial -> multiclass (softmax),
// gaussian -> regression. Errors: INVALID_ARGUMENT when `fit` is inconsistent (sizes).
absl::StatusOr<std::unique_ptr<models::LinearPredictor>> MakeLinearPredictor(
    const GlmResult& fit);

}  // namespace strata::train

#endif  // STRATA_TRAIN_GLM_H_
