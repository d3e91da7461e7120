#include "strata/stats/tests.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace strata::stats {
namespace {

TEST(StatisticalTestsTest, ChiSquareSurvivalMatchesClosedForms) {
  for (double x : {0.1, 1.0, 3.84, 10.0, 40.0}) {
    EXPECT_NEAR(ChiSquareSurvival(x, 2), std::exp(-x / 2), 1e-13) << x;
    EXPECT_NEAR(ChiSquareSurvival(x, 4), std::exp(-x / 2) * (1 + x / 2), 1e-13) << x;
    EXPECT_NEAR(ChiSquareSurvival(x, 1), std::erfc(std::sqrt(x / 2)), 1e-12) << x;
    EXPECT_NEAR(RegularizedGammaQ(1, x), std::exp(-x), 1e-13) << x;
  }
  EXPECT_EQ(ChiSquareSurvival(0, 3), 1);
  EXPECT_TRUE(std::isnan(RegularizedGammaQ(-1, 1)));
}

TEST(StatisticalTestsTest, ChiSquareByHand) {
  // observed [10, 20, 30] vs uniform: expected 20 each, statistic (100 + 0 + 100) / 20 = 10.
  absl::StatusOr<TestResult> r = ChiSquareGoodnessOfFit(std::vector<double>{10, 20, 30}, std::vector<double>{1, 1, 1});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_DOUBLE_EQ(r->statistic, 10);
  EXPECT_EQ(r->dof, 2);
  EXPECT_NEAR(r->p_value, std::exp(-5.0), 1e-13);
  // 2x2 table [[10, 20], [20, 10]]: every expected count 15, statistic 4 * 25 / 15.
  r = ChiSquareHomogeneity(std::vector<double>{10, 20, 0}, std::vector<double>{20, 10, 0});
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->statistic, 100.0 / 15, 1e-12);
  EXPECT_EQ(r->dof, 1);
  EXPECT_FALSE(ChiSquareGoodnessOfFit(std::vector<double>{1, 2}, std::vector<double>{1}).ok());
  EXPECT_FALSE(ChiSquareGoodnessOfFit(std::vector<double>{1, 2}, std::vector<double>{0, 1}).ok());
  EXPECT_FALSE(ChiSquareHomogeneity(std::vector<double>{1, -2}, std::vector<double>{1, 1}).ok());
}

TEST(StatisticalTestsTest, KolmogorovSmirnovSmallExactCases) {
  // Disjoint samples of 3 and 3: D = 1, and only the two orderings AAABBB / BBBAAA reach it:
  // p = 2 / C(6, 3) = 0.1 (scipy.stats.ks_2samp gives 0.1).
  absl::StatusOr<TestResult> r = KolmogorovSmirnov(std::vector<double>{1, 2, 3}, std::vector<double>{4, 5, 6});
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->statistic, 1);
  EXPECT_NEAR(r->p_value, 0.1, 1e-12);
  EXPECT_NEAR(KolmogorovSmirnovExactPValue(5, 5, 1.0), 2.0 / 252, 1e-14);
  // Same sample: D = 0, p = 1.
  r = KolmogorovSmirnov(std::vector<double>{1, 2, 3}, std::vector<double>{3, 2, 1});
  EXPECT_EQ(r->statistic, 0);
  EXPECT_EQ(r->p_value, 1);
  // n = 1, m = 2, D = 1/2 is reached by every ordering but... only the middle one avoids
  // |i/1 - j/2| >= 1/2 at some point? No ordering does: p = 1.
  EXPECT_NEAR(KolmogorovSmirnovExactPValue(1, 2, 0.5), 1, 1e-15);
  EXPECT_FALSE(KolmogorovSmirnov(std::vector<double>{}, std::vector<double>{1}).ok());
  EXPECT_FALSE(KolmogorovSmirnov(std::vector<double>{NAN}, std::vector<double>{1}).ok());
}

TEST(StatisticalTestsTest, KolmogorovSurvivalKnownValues) {
  // The 5% and 1% critical values of the limiting distribution.
  EXPECT_NEAR(KolmogorovSurvival(1.3581), 0.05, 2e-4);
  EXPECT_NEAR(KolmogorovSurvival(1.6276), 0.01, 1e-4);
  // Both series agree where they switch.
  EXPECT_NEAR(KolmogorovSurvival(0.999999), KolmogorovSurvival(1.000001), 1e-5);
  EXPECT_EQ(KolmogorovSurvival(0), 1);
}

TEST(StatisticalTestsTest, KolmogorovSmirnovOverSketchesFollowsTheSamples) {
  std::mt19937_64 rng(2);
  std::normal_distribution<double> a_dist(0, 1), b_dist(0.2, 1);
  std::vector<double> a(50000), b(50000);
  KllSketch sa, sb;
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = a_dist(rng);
    b[i] = b_dist(rng);
    sa.Update(a[i]);
    sb.Update(b[i]);
  }
  absl::StatusOr<TestResult> exact = KolmogorovSmirnov(a, b);
  absl::StatusOr<TestResult> sketched = KolmogorovSmirnov(sa, sb);
  ASSERT_TRUE(exact.ok() && sketched.ok());
  EXPECT_NEAR(sketched->statistic, exact->statistic, 0.02);
  EXPECT_LT(sketched->p_value, 1e-6);
}

TEST(StatisticalTestsTest, DistancesByHand) {
  // PSI of shares (0.5, 0.5) -> (0.25, 0.75): 0.25 ln 0.5 ... = (-0.25) ln(0.5) + 0.25 ln(1.5).
  absl::StatusOr<double> psi = PopulationStabilityIndex(std::vector<double>{50, 50}, std::vector<double>{25, 75});
  ASSERT_TRUE(psi.ok());
  EXPECT_NEAR(*psi, -0.25 * std::log(0.5) + 0.25 * std::log(1.5), 1e-14);
  EXPECT_NEAR(*PopulationStabilityIndex(std::vector<double>{1, 2}, std::vector<double>{2, 4}), 0, 1e-15);
  // Jensen-Shannon: disjoint supports are 1 in base 2, identical ones 0.
  EXPECT_NEAR(*JensenShannonDistance(std::vector<double>{1, 0}, std::vector<double>{0, 1}, 2), 1, 1e-15);
  EXPECT_NEAR(*JensenShannonDistance(std::vector<double>{1, 3}, std::vector<double>{2, 6}), 0, 1e-8);
  // scipy.spatial.distance.jensenshannon's doc example: ([1, 0, 0], [0, 1, 0], 2.0) = 1.0 and
  // ([1, 0], [1, 0]) = 0; the natural-log version of disjoint supports is sqrt(ln 2).
  EXPECT_NEAR(*JensenShannonDistance(std::vector<double>{1, 0, 0}, std::vector<double>{0, 1, 0}),
              std::sqrt(std::log(2.0)), 1e-15);
  // Wasserstein: a shift by 5 moves every unit of mass 5 (scipy's doc example).
  EXPECT_NEAR(*WassersteinDistance(std::vector<double>{0, 1, 3}, std::vector<double>{5, 6, 8}), 5, 1e-12);
  EXPECT_NEAR(*WassersteinDistance(std::vector<double>{0}, std::vector<double>{0, 1}), 0.5, 1e-15);
  EXPECT_FALSE(JensenShannonDistance(std::vector<double>{0, 0}, std::vector<double>{1, 1}).ok());
  EXPECT_FALSE(PopulationStabilityIndex(std::vector<double>{1}, std::vector<double>{1, 2}).ok());
}

// One cross-check against scipy computed at test time: the samples are written to a file,
// /usr/bin/python3 runs scipy on them, and both answers are compared.
TEST(StatisticalTestsTest, AgreesWithScipy) {
  if (std::system("/usr/bin/python3 -c 'import scipy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with scipy is not installed";
  }
  std::mt19937_64 rng(21);
  std::normal_distribution<double> a_dist(0, 1), b_dist(0.4, 1.3);
  std::vector<double> a(70), b(45), big_a(20000), big_b(15000);
  for (double& v : a) v = std::round(a_dist(rng) * 1e6) / 1e6;
  for (double& v : b) v = std::round(b_dist(rng) * 1e6) / 1e6;
  for (double& v : big_a) v = std::round(a_dist(rng) * 1e6) / 1e6;
  for (double& v : big_b) v = std::round(b_dist(rng) * 1e6) / 1e6;
  const std::vector<double> observed = {18, 25, 31, 12, 14}, expected = {20, 20, 20, 20, 20};
  const std::vector<double> counts_b = {30, 20, 25, 15, 10};
  const std::string dir = ::testing::TempDir();
  auto write = [&](const std::string& name, const std::vector<double>& v) {
    std::ofstream out(dir + "/" + name);
    out.precision(17);
    for (double x : v) out << x << "\n";
  };
  write("a.txt", a);
  write("b.txt", b);
  write("big_a.txt", big_a);
  write("big_b.txt", big_b);
  const std::string script = dir + "/scipy_check.py";
  {
    std::ofstream py(script);
    py << "import sys, numpy as np\n"
          "from scipy import stats\n"
          "from scipy.spatial import distance\n"
          "d = sys.argv[1]\n"
          "load = lambda n: np.loadtxt(d + '/' + n)\n"
          "a, b, ba, bb = load('a.txt'), load('b.txt'), load('big_a.txt'), load('big_b.txt')\n"
          "r = stats.ks_2samp(a, b)\n"
          "print(repr(r.statistic), repr(r.pvalue))\n"
          "r = stats.ks_2samp(ba, bb, method='asymp')\n"
          "print(repr(r.statistic), repr(stats.kstwobign.sf(np.sqrt(len(ba)*len(bb)/(len(ba)+len(bb)))*r.statistic)))\n"
          "r = stats.chisquare([18, 25, 31, 12, 14], [20, 20, 20, 20, 20])\n"
          "print(repr(r.statistic), repr(r.pvalue))\n"
          "c = stats.chi2_contingency([[18, 25, 31, 12, 14], [30, 20, 25, 15, 10]], correction=False)\n"
          "print(repr(c[0]), repr(c[1]))\n"
          "print(repr(distance.jensenshannon([18, 25, 31, 12, 14], [30, 20, 25, 15, 10])), 0)\n"
          "print(repr(stats.wasserstein_distance(a, b)), 0)\n";
  }
  const std::string out_path = dir + "/scipy_out.txt";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + script + " " + dir + " > " + out_path).c_str()), 0);
  std::ifstream in(out_path);
  std::vector<std::pair<double, double>> want;
  double x = 0, y = 0;
  while (in >> x >> y) want.emplace_back(x, y);
  ASSERT_EQ(want.size(), 6u);

  absl::StatusOr<TestResult> ks = KolmogorovSmirnov(a, b);
  EXPECT_NEAR(ks->statistic, want[0].first, 1e-12);
  EXPECT_NEAR(ks->p_value, want[0].second, 1e-9 + 1e-7 * want[0].second);
  absl::StatusOr<TestResult> big = KolmogorovSmirnov(big_a, big_b);
  EXPECT_NEAR(big->statistic, want[1].first, 1e-12);
  EXPECT_NEAR(big->p_value, want[1].second, 1e-12 + 1e-8 * want[1].second);
  absl::StatusOr<TestResult> gof = ChiSquareGoodnessOfFit(observed, expected);
  EXPECT_NEAR(gof->statistic, want[2].first, 1e-10);
  EXPECT_NEAR(gof->p_value, want[2].second, 1e-12);
  absl::StatusOr<TestResult> homogeneity = ChiSquareHomogeneity(observed, counts_b);
  EXPECT_NEAR(homogeneity->statistic, want[3].first, 1e-10);
  EXPECT_NEAR(homogeneity->p_value, want[3].second, 1e-12);
  EXPECT_NEAR(*JensenShannonDistance(observed, counts_b), want[4].first, 1e-12);
  EXPECT_NEAR(*WassersteinDistance(a, b), want[5].first, 1e-10);
}

}  // namespace
}  // namespace strata::stats
