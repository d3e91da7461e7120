// Limited-memory quasi-Newton minimisation: L-BFGS with a strong-Wolfe line search for smooth
// objectives, and OWL-QN (Andrew & Gao, 2007) when an L1 term sum_j l1[j] * |x_j| is added.
//
// The stopping rules follow SciPy's L-BFGS-B, which scikit-learn's lbfgs solver calls, so a
// `gtol` means the same thing here as sklearn's `tol`:
//   * max_j |g_j| <= gtol  (g is the gradient, or OWL-QN's pseudo-gradient), or
//   * (f_prev - f) / max(|f_prev|, |f|, 1) <= ftol after an iteration, or
//   * max_iterations iterations.
//
// Thread-safety: MinimizeLbfgs is reentrant; the objective is called from the calling thread
// only (it may itself use threads).
#ifndef STRATA_TRAIN_INTERNAL_LBFGS_H_
#define STRATA_TRAIN_INTERNAL_LBFGS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace strata::train::internal {

// Returns f(x) and writes the gradient of f at x to `grad` (same length as x). The smooth part
// only: an L1 term is handled by the optimizer.
using ObjectiveFn = std::function<double(const std::vector<double>& x, std::vector<double>& grad)>;

struct LbfgsOptions {
  int memory = 10;           // correction pairs kept (SciPy's maxcor)
  int max_iterations = 100;  // SciPy's maxiter
  double gtol = 1e-4;        // SciPy's gtol (sklearn's tol)
  double ftol = 2.220446049250313e-09;  // SciPy's default: factr 1e7 * machine epsilon
  int max_line_search = 50;  // function evaluations per line search (SciPy's maxls)
  // Per-coordinate L1 strengths (empty: no L1 term; else same length as x, entries >= 0).
  std::vector<double> l1;
};

struct LbfgsResult {
  std::vector<double> x;
  double objective = 0;      // f(x) + sum_j l1[j] * |x_j|
  double gradient_max = 0;   // max_j |g_j| (pseudo-gradient with L1) at x
  int iterations = 0;
  int evaluations = 0;
  bool converged = false;    // stopped by gtol or ftol, not by max_iterations
  std::string stop_reason;   // "gtol", "ftol", "max_iterations", "line_search"
  // objective after each iteration; [0] is the starting point.
  std::vector<double> history;
};

// Minimises f (+ the L1 term) from `x0`. Errors: INVALID_ARGUMENT for bad options or an l1 of
// the wrong length; INTERNAL when f or its gradient is not finite at x0 (a later non-finite
// trial point just shortens the step).
absl::StatusOr<LbfgsResult> MinimizeLbfgs(const ObjectiveFn& f, std::vector<double> x0,
                                          const LbfgsOptions& options);

}  // namespace strata::train::internal

#endif  // STRATA_TRAIN_INTERNAL_LBFGS_H_
