#include "strata/stats/tests.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "absl/strings/str_cat.h"

namespace strata::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// scipy.stats.ks_2samp's "auto" picks the exact distribution up to this sample size.
constexpr int64_t kMaxExactKsSize = 10000;

absl::Status CheckSample(absl::Span<const double> values, std::string_view name) {
  if (values.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("sample ", std::string(name), " is empty"));
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("sample ", std::string(name), " holds NaN at position ", i));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCounts(absl::Span<const double> a, absl::Span<const double> b, std::string_view what) {
  if (a.size() != b.size()) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(what), ": ", a.size(), " vs ", b.size(),
                                                   " bins"));
  }
  for (absl::Span<const double> side : {a, b}) {
    for (size_t i = 0; i < side.size(); ++i) {
      if (!(side[i] >= 0) || std::isinf(side[i])) {
        return absl::InvalidArgumentError(
            absl::StrCat(std::string(what), ": bin ", i, " holds ", side[i], ", not a count"));
      }
    }
  }
  return absl::OkStatus();
}

double Sum(absl::Span<const double> values) {
  double total = 0;
  for (double v : values) total += v;
  return total;
}

}  // namespace

double RegularizedGammaQ(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return kNaN;
  if (x == 0) return 1;
  if (std::isinf(x)) return 0;
  constexpr double kEpsilon = 1e-15;
  constexpr double kTiny = 1e-300;
  const double log_prefix = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1) {
    // Series for the lower function P(a, x); Q = 1 - P.
    double term = 1 / a, sum = term, ap = a;
    for (int i = 0; i < 10000; ++i) {
      ap += 1;
      term *= x / ap;
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * kEpsilon) break;
    }
    return std::clamp(1 - sum * std::exp(log_prefix), 0.0, 1.0);
  }
  // Continued fraction for Q (modified Lentz).
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i < 10000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < kEpsilon) break;
  }
  return std::clamp(std::exp(log_prefix) * h, 0.0, 1.0);
}

double ChiSquareSurvival(double statistic, double dof) {
  if (!(dof > 0)) return kNaN;
  if (statistic <= 0) return 1;
  return RegularizedGammaQ(dof / 2, statistic / 2);
}

double KolmogorovSurvival(double lambda) {
  if (!(lambda > 0)) return 1;
  if (lambda < 1) {
    // P(K <= l) = sqrt(2 pi) / l * sum_k exp(-(2k-1)^2 pi^2 / (8 l^2)): converges fast for small l.
    const double pi = std::numbers::pi;
    double cdf = 0;
    for (int k = 1; k <= 100; ++k) {
      const double term = std::exp(-(2.0 * k - 1) * (2.0 * k - 1) * pi * pi / (8 * lambda * lambda));
      cdf += term;
      if (term < 1e-17 * cdf) break;
    }
    cdf *= std::sqrt(2 * pi) / lambda;
    return std::clamp(1 - cdf, 0.0, 1.0);
  }
  double sum = 0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    sum += (k % 2 == 1 ? 2 : -2) * term;
    if (term < 1e-17) break;
  }
  return std::clamp(sum, 0.0, 1.0);
}

double KolmogorovSmirnovExactPValue(int64_t n, int64_t m, double d) {
  if (n <= 0 || m <= 0) return kNaN;
  // D is a multiple of 1/(n m): |i/n - j/m| = |i m - j n| / (n m). A lattice point (i, j) (i
  // values of the first sample, j of the second, in sorted order) is outside when
  // |i m - j n| >= h. Every ordering is equally likely under the null, so the walk steps
  // right or up with the shares of values each sample has left; the mass that reaches an
  // outside point is P(D >= d), summed directly so small p-values keep their digits.
  const int64_t h = std::llround(d * static_cast<double>(n) * static_cast<double>(m));
  if (h <= 0) return 1;
  std::vector<double> row(static_cast<size_t>(m) + 1, 0.0), next(static_cast<size_t>(m) + 1, 0.0);
  row[0] = 1;
  double outside = 0;
  for (int64_t i = 0; i <= n; ++i) {
    for (int64_t j = 0; j <= m; ++j) {
      if (j > 0) {
        const double left = row[static_cast<size_t>(j) - 1];
        const double remaining = static_cast<double>(n - i + m - (j - 1));
        row[static_cast<size_t>(j)] += left * static_cast<double>(m - (j - 1)) / remaining;
      }
      const int64_t gap = i * m - j * n;
      if ((gap < 0 ? -gap : gap) >= h) {
        outside += row[static_cast<size_t>(j)];
        row[static_cast<size_t>(j)] = 0;
      }
    }
    if (i == n) break;
    for (int64_t j = 0; j <= m; ++j) {
      const double remaining = static_cast<double>(n - i + m - j);
      next[static_cast<size_t>(j)] = row[static_cast<size_t>(j)] * static_cast<double>(n - i) / remaining;
    }
    std::swap(row, next);
  }
  return std::clamp(outside, 0.0, 1.0);
}

absl::StatusOr<TestResult> KolmogorovSmirnov(absl::Span<const double> a, absl::Span<const double> b) {
  if (absl::Status s = CheckSample(a, "a"); !s.ok()) return s;
  if (absl::Status s = CheckSample(b, "b"); !s.ok()) return s;
  std::vector<double> x(a.begin(), a.end()), y(b.begin(), b.end());
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  const double n = static_cast<double>(x.size()), m = static_cast<double>(y.size());
  size_t i = 0, j = 0;
  double d = 0;
  while (i < x.size() && j < y.size()) {
    const double v = std::min(x[i], y[j]);
    while (i < x.size() && x[i] == v) ++i;
    while (j < y.size() && y[j] == v) ++j;
    d = std::max(d, std::fabs(static_cast<double>(i) / n - static_cast<double>(j) / m));
  }
  TestResult result;
  result.statistic = d;
  const int64_t ni = static_cast<int64_t>(x.size()), mi = static_cast<int64_t>(y.size());
  if (std::max(ni, mi) <= kMaxExactKsSize) {
    result.p_value = KolmogorovSmirnovExactPValue(ni, mi, d);
  } else {
    result.p_value = KolmogorovSurvival(std::sqrt(n * m / (n + m)) * d);
  }
  return result;
}

absl::StatusOr<TestResult> KolmogorovSmirnov(const KllSketch& a, const KllSketch& b) {
  if (a.empty() || b.empty()) return absl::InvalidArgumentError("KS over sketches: a sketch is empty");
  // The supremum of |F_a - F_b| is attained at a retained item of one of the sketches.
  std::vector<double> points;
  for (const KllSketch* s : {&a, &b}) {
    const std::vector<double> qs = [&] {
      std::vector<double> grid;
      const int64_t steps = std::min<int64_t>(s->retained(), 2048);
      for (int64_t i = 0; i <= steps; ++i) grid.push_back(static_cast<double>(i) / static_cast<double>(steps));
      return grid;
    }();
    for (double v : s->Quantiles(qs)) points.push_back(v);
  }
  double d = 0;
  for (double x : points) d = std::max(d, std::fabs(a.Rank(x) - b.Rank(x)));
  const double n = static_cast<double>(a.n()), m = static_cast<double>(b.n());
  TestResult result;
  result.statistic = d;
  result.p_value = KolmogorovSurvival(std::sqrt(n * m / (n + m)) * d);
  return result;
}

absl::StatusOr<TestResult> ChiSquareGoodnessOfFit(absl::Span<const double> observed,
                                                  absl::Span<const double> expected) {
  if (absl::Status s = CheckCounts(observed, expected, "chi-square"); !s.ok()) return s;
  if (observed.size() < 2) return absl::InvalidArgumentError("chi-square: fewer than two bins");
  const double total_observed = Sum(observed), total_expected = Sum(expected);
  if (!(total_expected > 0)) return absl::InvalidArgumentError("chi-square: expected counts sum to zero");
  const double scale = total_observed / total_expected;
  double statistic = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    const double e = expected[i] * scale;
    if (e == 0) {
      if (observed[i] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("chi-square: bin ", i, " expects 0 but observed ", observed[i]));
      }
      continue;
    }
    statistic += (observed[i] - e) * (observed[i] - e) / e;
  }
  TestResult result;
  result.statistic = statistic;
  result.dof = static_cast<int64_t>(observed.size()) - 1;
  result.p_value = ChiSquareSurvival(statistic, static_cast<double>(result.dof));
  return result;
}

absl::StatusOr<TestResult> ChiSquareHomogeneity(absl::Span<const double> counts_a,
                                                absl::Span<const double> counts_b) {
  if (absl::Status s = CheckCounts(counts_a, counts_b, "chi-square homogeneity"); !s.ok()) return s;
  const double total_a = Sum(counts_a), total_b = Sum(counts_b), total = total_a + total_b;
  if (!(total_a > 0) || !(total_b > 0)) {
    return absl::InvalidArgumentError("chi-square homogeneity: a sample has no counts");
  }
  double statistic = 0;
  int64_t bins = 0;
  for (size_t i = 0; i < counts_a.size(); ++i) {
    const double column = counts_a[i] + counts_b[i];
    if (column == 0) continue;
    ++bins;
    const double ea = total_a * column / total, eb = total_b * column / total;
    statistic += (counts_a[i] - ea) * (counts_a[i] - ea) / ea + (counts_b[i] - eb) * (counts_b[i] - eb) / eb;
  }
  if (bins < 2) return absl::InvalidArgumentError("chi-square homogeneity: fewer than two non-empty bins");
  TestResult result;
  result.statistic = statistic;
  result.dof = bins - 1;
  result.p_value = ChiSquareSurvival(statistic, static_cast<double>(result.dof));
  return result;
}

absl::StatusOr<double> PopulationStabilityIndex(absl::Span<const double> expected_counts,
                                                absl::Span<const double> actual_counts, double epsilon) {
  if (absl::Status s = CheckCounts(expected_counts, actual_counts, "PSI"); !s.ok()) return s;
  const double total_e = Sum(expected_counts), total_a = Sum(actual_counts);
  if (!(total_e > 0) || !(total_a > 0)) return absl::InvalidArgumentError("PSI: a side has no counts");
  double psi = 0;
  for (size_t i = 0; i < expected_counts.size(); ++i) {
    const double e = std::max(expected_counts[i] / total_e, epsilon);
    const double a = std::max(actual_counts[i] / total_a, epsilon);
    psi += (a - e) * std::log(a / e);
  }
  return psi;
}

absl::StatusOr<double> JensenShannonDistance(absl::Span<const double> p, absl::Span<const double> q,
                                             double base) {
  if (absl::Status s = CheckCounts(p, q, "Jensen-Shannon"); !s.ok()) return s;
  const double total_p = Sum(p), total_q = Sum(q);
  if (!(total_p > 0) || !(total_q > 0)) {
    return absl::InvalidArgumentError("Jensen-Shannon: a distribution sums to zero");
  }
  double divergence = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double pi = p[i] / total_p, qi = q[i] / total_q, mi = (pi + qi) / 2;
    if (pi > 0) divergence += pi * std::log(pi / mi);
    if (qi > 0) divergence += qi * std::log(qi / mi);
  }
  divergence /= 2;
  if (base > 0) divergence /= std::log(base);
  return std::sqrt(std::max(divergence, 0.0));
}

absl::StatusOr<double> WassersteinDistance(absl::Span<const double> u, absl::Span<const double> v) {
  if (absl::Status s = CheckSample(u, "u"); !s.ok()) return s;
  if (absl::Status s = CheckSample(v, "v"); !s.ok()) return s;
  std::vector<double> x(u.begin(), u.end()), y(v.begin(), v.end());
  std::sort(x.begin(), x.end());
  std::sort(y.begin(), y.end());
  std::vector<double> all;
  all.reserve(x.size() + y.size());
  std::merge(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(all));
  // The area between the two empirical CDFs, step by step over the pooled sorted values.
  double distance = 0;
  size_t i = 0, j = 0;
  for (size_t k = 0; k + 1 < all.size(); ++k) {
    while (i < x.size() && x[i] <= all[k]) ++i;
    while (j < y.size() && y[j] <= all[k]) ++j;
    const double fu = static_cast<double>(i) / static_cast<double>(x.size());
    const double fv = static_cast<double>(j) / static_cast<double>(y.size());
    distance += std::fabs(fu - fv) * (all[k + 1] - all[k]);
  }
  return distance;
}

}  // namespace strata::stats
