#include "strata/train/internal/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace strata::train::internal {
namespace {

constexpr double kArmijo = 1e-4;    // sufficient decrease (c1)
constexpr double kCurvature = 0.9;  // strong Wolfe curvature (c2), SciPy's value
constexpr double kMaxStep = 1e10;

double Dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

double MaxAbs(const std::vector<double>& a) {
  double m = 0;
  for (double v : a) m = std::max(m, std::fabs(v));
  return m;
}

// The last `memory` (s, y) pairs and the two-loop recursion that applies the inverse Hessian
// approximation they define.
class CurvatureHistory {
 public:
  explicit CurvatureHistory(int memory) : memory_(static_cast<size_t>(memory)) {}

  // Pairs without positive curvature would make H indefinite; they are dropped.
  void Push(std::vector<double> s, std::vector<double> y) {
    const double sy = Dot(s, y);
    const double yy = Dot(y, y);
    if (!(sy > 1e-10 * yy) || !std::isfinite(sy)) return;
    if (pairs_.size() == memory_) pairs_.pop_front();
    pairs_.push_back({std::move(s), std::move(y), 1.0 / sy, sy / yy});
  }
  void Clear() { pairs_.clear(); }
  bool empty() const { return pairs_.empty(); }

  // direction = -H * g.
  void Direction(const std::vector<double>& g, std::vector<double>& direction) {
    direction = g;
    alpha_.resize(pairs_.size());
    for (size_t k = pairs_.size(); k-- > 0;) {
      const Pair& p = pairs_[k];
      alpha_[k] = p.rho * Dot(p.s, direction);
      for (size_t i = 0; i < direction.size(); ++i) direction[i] -= alpha_[k] * p.y[i];
    }
    const double gamma = pairs_.empty() ? 1.0 : pairs_.back().gamma;
    for (double& v : direction) v *= gamma;
    for (size_t k = 0; k < pairs_.size(); ++k) {
      const Pair& p = pairs_[k];
      const double beta = p.rho * Dot(p.y, direction);
      for (size_t i = 0; i < direction.size(); ++i) direction[i] += (alpha_[k] - beta) * p.s[i];
    }
    for (double& v : direction) v = -v;
  }

 private:
  struct Pair {
    std::vector<double> s;
    std::vector<double> y;
    double rho = 0;
    double gamma = 1;
  };
  size_t memory_ = 10;
  std::deque<Pair> pairs_;
  std::vector<double> alpha_;
};

// One evaluated point on the search line x + step * direction.
struct LinePoint {
  double step = 0;
  double f = 0;
  double slope = 0;  // directional derivative g . direction
};

// Minimiser of the cubic through two points with values and slopes, or NaN when it has none.
double CubicMinimizer(const LinePoint& a, const LinePoint& b) {
  const double d1 = a.slope + b.slope - 3 * (a.f - b.f) / (a.step - b.step);
  const double radicand = d1 * d1 - a.slope * b.slope;
  if (!(radicand >= 0)) return std::nan("");
  const double d2 = std::copysign(std::sqrt(radicand), b.step - a.step);
  const double denom = b.slope - a.slope + 2 * d2;
  if (denom == 0) return std::nan("");
  return b.step - (b.step - a.step) * (b.slope + d2 - d1) / denom;
}

class Minimizer {
 public:
  Minimizer(const ObjectiveFn& f, const LbfgsOptions& options)
      : f_(f), options_(options), history_(options.memory) {}

  absl::StatusOr<LbfgsResult> Run(std::vector<double> x0);

 private:
  bool has_l1() const { return !options_.l1.empty(); }
  double L1Term(const std::vector<double>& x) const {
    double sum = 0;
    for (size_t j = 0; j < options_.l1.size(); ++j) sum += options_.l1[j] * std::fabs(x[j]);
    return sum;
  }
  // f + L1 at `x`; writes the smooth gradient. Non-finite values come back as +inf.
  double Evaluate(const std::vector<double>& x, std::vector<double>& grad) {
    ++evaluations_;
    double value = f_(x, grad);
    if (has_l1()) value += L1Term(x);
    if (!std::isfinite(value) || !std::isfinite(MaxAbs(grad))) return HUGE_VAL;
    return value;
  }
  void PseudoGradient(const std::vector<double>& x, const std::vector<double>& g,
                      std::vector<double>& pg) const;
  // Strong-Wolfe search along `direction` from (x_, f_x_, g_x_); on success x_trial_,
  // g_trial_ and f_trial_ hold the accepted point.
  bool WolfeSearch(const std::vector<double>& direction, double first_step);
  bool EvaluateAt(const std::vector<double>& direction, LinePoint& point);
  bool Zoom(const std::vector<double>& direction, LinePoint lo, LinePoint hi, double slope0);
  // Backtracking search constrained to the orthant of OWL-QN.
  bool OrthantSearch(const std::vector<double>& direction, const std::vector<double>& pg,
                     double first_step);

  const ObjectiveFn& f_;
  const LbfgsOptions& options_;
  CurvatureHistory history_;
  int evaluations_ = 0;
  std::vector<double> x_, g_;
  double fx_ = 0;
  std::vector<double> x_trial_, g_trial_;
  double f_trial_ = 0;
};

void Minimizer::PseudoGradient(const std::vector<double>& x, const std::vector<double>& g,
                               std::vector<double>& pg) const {
  pg = g;
  if (!has_l1()) return;
  for (size_t j = 0; j < x.size(); ++j) {
    const double l1 = options_.l1[j];
    if (l1 == 0) continue;
    if (x[j] > 0) {
      pg[j] = g[j] + l1;
    } else if (x[j] < 0) {
      pg[j] = g[j] - l1;
    } else if (g[j] + l1 < 0) {
      pg[j] = g[j] + l1;
    } else if (g[j] - l1 > 0) {
      pg[j] = g[j] - l1;
    } else {
      pg[j] = 0;
    }
  }
}

bool Minimizer::EvaluateAt(const std::vector<double>& direction, LinePoint& point) {
  for (size_t i = 0; i < x_.size(); ++i) x_trial_[i] = x_[i] + point.step * direction[i];
  point.f = Evaluate(x_trial_, g_trial_);
  f_trial_ = point.f;
  if (!std::isfinite(point.f)) return false;
  point.slope = Dot(g_trial_, direction);
  return true;
}

bool Minimizer::Zoom(const std::vector<double>& direction, LinePoint lo, LinePoint hi,
                     double slope0) {
  // Nocedal & Wright, algorithm 3.6, with a safeguarded cubic step.
  for (int evals = 0; evals < options_.max_line_search; ++evals) {
    const double width = hi.step - lo.step;
    double step = std::isfinite(hi.f) ? CubicMinimizer(lo, hi) : std::nan("");
    const double low_bound = std::min(lo.step, hi.step) + 0.1 * std::fabs(width);
    const double high_bound = std::max(lo.step, hi.step) - 0.1 * std::fabs(width);
    if (!std::isfinite(step) || step < low_bound || step > high_bound) {
      step = lo.step + 0.5 * width;
    }
    LinePoint trial{step, 0, 0};
    const bool finite = EvaluateAt(direction, trial);
    if (!finite || trial.f > fx_ + kArmijo * step * slope0 || trial.f >= lo.f) {
      hi = trial;
      if (!finite) hi.f = HUGE_VAL;
    } else {
      if (std::fabs(trial.slope) <= -kCurvature * slope0) return true;
      if (trial.slope * (hi.step - lo.step) >= 0) hi = lo;
      lo = trial;
    }
    if (std::fabs(hi.step - lo.step) <= 1e-16 * std::max(1.0, lo.step)) break;
  }
  // No strong-Wolfe point found: settle for the best decrease seen, if any.
  if (lo.step > 0 && lo.f < fx_) {
    LinePoint best{lo.step, 0, 0};
    return EvaluateAt(direction, best);
  }
  return false;
}

bool Minimizer::WolfeSearch(const std::vector<double>& direction, double first_step) {
  const double slope0 = Dot(g_, direction);
  LinePoint prev{0, fx_, slope0};
  double step = first_step;
  for (int evals = 0; evals < options_.max_line_search; ++evals) {
    LinePoint trial{step, 0, 0};
    const bool finite = EvaluateAt(direction, trial);
    if (!finite) {
      trial.f = HUGE_VAL;
      return Zoom(direction, prev, trial, slope0);
    }
    if (trial.f > fx_ + kArmijo * step * slope0 || (evals > 0 && trial.f >= prev.f)) {
      return Zoom(direction, prev, trial, slope0);
    }
    if (std::fabs(trial.slope) <= -kCurvature * slope0) return true;
    if (trial.slope >= 0) return Zoom(direction, trial, prev, slope0);
    prev = trial;
    step = std::min(2 * step, kMaxStep);
  }
  return false;
}

bool Minimizer::OrthantSearch(const std::vector<double>& direction, const std::vector<double>& pg,
                              double first_step) {
  std::vector<double> orthant(x_.size());
  for (size_t j = 0; j < x_.size(); ++j) {
    orthant[j] = x_[j] != 0 ? std::copysign(1.0, x_[j]) : (pg[j] != 0 ? -std::copysign(1.0, pg[j]) : 0);
  }
  double step = first_step;
  for (int evals = 0; evals < options_.max_line_search; ++evals, step *= 0.5) {
    for (size_t j = 0; j < x_.size(); ++j) {
      double v = x_[j] + step * direction[j];
      // Coordinates that would cross zero stay on it (the orthant projection).
      if (options_.l1[j] > 0 && v * orthant[j] <= 0) v = 0;
      x_trial_[j] = v;
    }
    f_trial_ = Evaluate(x_trial_, g_trial_);
    if (!std::isfinite(f_trial_)) continue;
    double predicted = 0;
    for (size_t j = 0; j < x_.size(); ++j) predicted += pg[j] * (x_trial_[j] - x_[j]);
    if (f_trial_ <= fx_ + kArmijo * predicted) return true;
  }
  return false;
}

absl::StatusOr<LbfgsResult> Minimizer::Run(std::vector<double> x0) {
  const size_t n = x0.size();
  x_ = std::move(x0);
  g_.assign(n, 0);
  x_trial_.assign(n, 0);
  g_trial_.assign(n, 0);
  fx_ = Evaluate(x_, g_);
  if (!std::isfinite(fx_)) {
    return absl::InternalError("objective or gradient is not finite at the starting point");
  }
  LbfgsResult result;
  result.history.push_back(fx_);
  std::vector<double> pg, direction(n);
  PseudoGradient(x_, g_, pg);
  result.stop_reason = "max_iterations";
  while (true) {
    if (MaxAbs(pg) <= options_.gtol) {
      result.converged = true;
      result.stop_reason = "gtol";
      break;
    }
    if (result.iterations >= options_.max_iterations) break;
    history_.Direction(pg, direction);
    if (has_l1()) {
      // OWL-QN keeps only the components that descend along the pseudo-gradient.
      bool any = false;
      for (size_t j = 0; j < n; ++j) {
        if (direction[j] * pg[j] >= 0) direction[j] = 0;
        any = any || direction[j] != 0;
      }
      if (!any) {
        for (size_t j = 0; j < n; ++j) direction[j] = -pg[j];
      }
    } else if (Dot(direction, g_) >= 0) {
      history_.Clear();  // H lost positive definiteness numerically: restart from -g
      for (size_t j = 0; j < n; ++j) direction[j] = -g_[j];
    }
    double norm = 0;
    for (double v : direction) norm += v * v;
    norm = std::sqrt(norm);
    const double first_step = history_.empty() ? std::min(1.0, 1.0 / norm) : 1.0;
    bool found = has_l1() ? OrthantSearch(direction, pg, first_step)
                          : WolfeSearch(direction, first_step);
    if (!found && !history_.empty()) {
      // A stale curvature model can give a poor direction: retry once along -pg.
      history_.Clear();
      for (size_t j = 0; j < n; ++j) direction[j] = -pg[j];
      norm = std::sqrt(Dot(direction, direction));
      found = has_l1() ? OrthantSearch(direction, pg, 1.0 / norm)
                       : WolfeSearch(direction, 1.0 / norm);
    }
    if (!found) {
      result.stop_reason = "line_search";
      break;
    }
    std::vector<double> s(n), y(n);
    for (size_t j = 0; j < n; ++j) {
      s[j] = x_trial_[j] - x_[j];
      y[j] = g_trial_[j] - g_[j];
    }
    history_.Push(std::move(s), std::move(y));
    const double f_prev = fx_;
    std::swap(x_, x_trial_);
    std::swap(g_, g_trial_);
    fx_ = f_trial_;
    ++result.iterations;
    result.history.push_back(fx_);
    PseudoGradient(x_, g_, pg);
    const double scale = std::max({std::fabs(f_prev), std::fabs(fx_), 1.0});
    if ((f_prev - fx_) / scale <= options_.ftol) {
      result.converged = true;
      result.stop_reason = "ftol";
      break;
    }
  }
  result.x = x_;
  result.objective = fx_;
  result.gradient_max = MaxAbs(pg);
  result.evaluations = evaluations_;
  return result;
}

}  // namespace

absl::StatusOr<LbfgsResult> MinimizeLbfgs(const ObjectiveFn& f, std::vector<double> x0,
                                          const LbfgsOptions& options) {
  if (options.memory < 1) {
    return absl::InvalidArgumentError(absl::StrCat("lbfgs memory must be >= 1, got ", options.memory));
  }
  if (options.max_iterations < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_iterations must be >= 0, got ", options.max_iterations));
  }
  if (!(options.gtol >= 0) || !(options.ftol >= 0)) {
    return absl::InvalidArgumentError("gtol and ftol must be >= 0");
  }
  if (options.max_line_search < 1) {
    return absl::InvalidArgumentError("max_line_search must be >= 1");
  }
  if (!options.l1.empty()) {
    if (options.l1.size() != x0.size()) {
      return absl::InvalidArgumentError(absl::StrCat("l1 has ", options.l1.size(),
                                                     " strengths for ", x0.size(), " variables"));
    }
    for (size_t j = 0; j < options.l1.size(); ++j) {
      if (!(options.l1[j] >= 0) || !std::isfinite(options.l1[j])) {
        return absl::InvalidArgumentError(absl::StrCat("l1[", j, "] must be finite and >= 0"));
      }
    }
  }
  Minimizer minimizer(f, options);
  return minimizer.Run(std::move(x0));
}

}  // namespace strata::train::internal
