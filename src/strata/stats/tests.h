// Two-sample statistical tests and distances for drift detection (monitoring compares a
// reference window with a current one). Each follows scipy's definition so results can be
// checked against it:
//   KolmogorovSmirnov     scipy.stats.ks_2samp(a, b) two-sided: the exact p-value (lattice
//                         path probability) when max(n, m) <= 10,000 as scipy's "auto", else
//                         the asymptotic Kolmogorov distribution at sqrt(nm/(n+m)) D (scipy's
//                         asymptotic mode uses the finite-n kstwo instead; they agree to ~1e-3
//                         at these sizes).
//   ChiSquareGoodnessOfFit scipy.stats.chisquare(observed, expected rescaled to its total)
//   ChiSquareHomogeneity   scipy.stats.chi2_contingency([a, b], correction=False)
//   JensenShannonDistance  scipy.spatial.distance.jensenshannon(p, q, base)
//   WassersteinDistance    scipy.stats.wasserstein_distance(u, v)
//   PopulationStabilityIndex  sum (a_i - e_i) ln(a_i / e_i) over bin shares, empty bins
//                         replaced by `epsilon` (the credit-scoring convention).
// Sketch variants (KS over two KLL sketches) serve windows that kept only sketches.
//
// Thread-safety: pure functions.
#ifndef STRATA_STATS_TESTS_H_
#define STRATA_STATS_TESTS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/stats/kll_sketch.h"

namespace strata::stats {

struct TestResult {
  double statistic = 0;
  double p_value = 1;
  // Degrees of freedom for chi-square; 0 otherwise.
  int64_t dof = 0;
};

// Errors (all tests): INVALID_ARGUMENT for an empty sample or a NaN value, naming the sample
// and the position.
absl::StatusOr<TestResult> KolmogorovSmirnov(absl::Span<const double> a, absl::Span<const double> b);
// D = max |rank_a(x) - rank_b(x)| over the sketches' retained items, asymptotic p-value.
absl::StatusOr<TestResult> KolmogorovSmirnov(const KllSketch& a, const KllSketch& b);

// Errors: INVALID_ARGUMENT when lengths differ, fewer than two bins, negative counts, or an
// expected count of zero where something was observed.
absl::StatusOr<TestResult> ChiSquareGoodnessOfFit(absl::Span<const double> observed,
                                                  absl::Span<const double> expected);
// Bins empty in both samples are dropped (they carry no information); dof = bins left - 1.
absl::StatusOr<TestResult> ChiSquareHomogeneity(absl::Span<const double> counts_a,
                                                absl::Span<const double> counts_b);

// Errors: INVALID_ARGUMENT when lengths differ, a count is negative, or a side sums to zero.
absl::StatusOr<double> PopulationStabilityIndex(absl::Span<const double> expected_counts,
                                                absl::Span<const double> actual_counts,
                                                double epsilon = 1e-4);
// `base` <= 0 means natural logarithm.
absl::StatusOr<double> JensenShannonDistance(absl::Span<const double> p, absl::Span<const double> q,
                                             double base = 0);
absl::StatusOr<double> WassersteinDistance(absl::Span<const double> u, absl::Span<const double> v);

// Building blocks, exposed for tests and for callers with their own statistics.
// Q(a, x) = Gamma(a, x) / Gamma(a), the chi-square survival function is Q(dof/2, x/2).
double RegularizedGammaQ(double a, double x);
double ChiSquareSurvival(double statistic, double dof);
// P(K > lambda) for the limiting Kolmogorov distribution (scipy.stats.kstwobign.sf).
double KolmogorovSurvival(double lambda);
// P(D >= d) for two samples of sizes n and m under the null, by lattice paths; d is the
// observed statistic.
double KolmogorovSmirnovExactPValue(int64_t n, int64_t m, double d);

}  // namespace strata::stats

#endif  // STRATA_STATS_TESTS_H_
