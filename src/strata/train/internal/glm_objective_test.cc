#include "strata/train/internal/glm_objective.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "strata/train/testing/dense_dataset.h"

namespace strata::train::internal {
namespace {

using Problem = testing::DenseDataset;

// `cols` is odd on purpose: the 4-wide kernel's remainder columns and rows are exercised.
Problem MakeProblem(int64_t rows, int cols, GlmFamily family, int classes, bool weighted,
                    unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Problem p;
  p.rows = rows;
  p.cols = cols;
  for (int64_t i = 0; i < rows * cols; ++i) p.x.push_back(normal(rng));
  for (int64_t i = 0; i < rows; ++i) {
    if (family == GlmFamily::kGaussian) {
      p.y.push_back(normal(rng) * 3);
    } else {
      p.y.push_back(static_cast<double>(rng() % static_cast<unsigned>(classes)));
    }
    if (weighted) p.w.push_back(0.1 + static_cast<double>(rng() % 100) / 25.0);
  }
  return p;
}

// The loss written out directly, one row at a time, as the reference for the fused kernel.
double ReferenceLoss(const Problem& p, GlmFamily family, int k_out, bool intercept, double l2,
                     const std::vector<double>& params) {
  double loss = 0;
  for (int64_t i = 0; i < p.rows; ++i) {
    std::vector<double> z(static_cast<size_t>(k_out), 0.0);
    for (int k = 0; k < k_out; ++k) {
      for (int j = 0; j < p.cols; ++j) z[k] += params[k * p.cols + j] * p.x[i * p.cols + j];
      if (intercept) z[k] += params[k_out * p.cols + k];
    }
    double l;
    if (family == GlmFamily::kBinomial) {
      l = std::log1p(std::exp(z[0])) - p.y[i] * z[0];
    } else if (family == GlmFamily::kGaussian) {
      l = 0.5 * (z[0] - p.y[i]) * (z[0] - p.y[i]);
    } else {
      double sum = 0;
      for (double v : z) sum += std::exp(v);
      l = std::log(sum) - z[static_cast<size_t>(p.y[i])];
    }
    loss += (p.w.empty() ? 1.0 : p.w[i]) * l;
  }
  for (int j = 0; j < k_out * p.cols; ++j) loss += 0.5 * l2 * params[j] * params[j];
  return loss;
}

struct Case {
  GlmFamily family;
  int classes;
  bool intercept;
  bool weighted;
};

class GlmObjectiveTest : public ::testing::TestWithParam<Case> {};

TEST_P(GlmObjectiveTest, LossAndGradientMatchReferenceAndFiniteDifferences) {
  const Case c = GetParam();
  const int k_out = c.family == GlmFamily::kMultinomial ? c.classes : 1;
  // 20,003 rows: several chunks, a partial block and a row remainder of 3.
  Problem p = MakeProblem(20003, 7, c.family, c.classes, c.weighted, 5);
  const double l2 = 0.7;
  GlmObjective objective(p.data(), c.family, k_out, c.intercept, l2, 2);
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal(0, 0.3);
  std::vector<double> params(static_cast<size_t>(objective.num_params()));
  for (double& v : params) v = normal(rng);
  std::vector<double> grad;
  const double loss = objective.Evaluate(params, grad);
  const double reference = ReferenceLoss(p, c.family, k_out, c.intercept, l2, params);
  EXPECT_NEAR(loss, reference, 1e-9 * std::fabs(reference));
  ASSERT_EQ(grad.size(), params.size());
  for (size_t j = 0; j < params.size(); ++j) {
    std::vector<double> plus = params, minus = params;
    const double h = 1e-5;
    plus[j] += h;
    minus[j] -= h;
    const double numeric = (ReferenceLoss(p, c.family, k_out, c.intercept, l2, plus) -
                            ReferenceLoss(p, c.family, k_out, c.intercept, l2, minus)) /
                           (2 * h);
    EXPECT_NEAR(grad[j], numeric, 1e-5 * std::max(1.0, std::fabs(numeric))) << "param " << j;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Families, GlmObjectiveTest,
    ::testing::Values(Case{GlmFamily::kBinomial, 2, true, false},
                      Case{GlmFamily::kBinomial, 2, false, true},
                      Case{GlmFamily::kGaussian, 1, true, true},
                      Case{GlmFamily::kMultinomial, 3, true, false},
                      Case{GlmFamily::kMultinomial, 4, false, true}));

TEST(GlmObjectiveThreadsTest, ResultDoesNotDependOnThreadCount) {
  Problem p = MakeProblem(50000, 9, GlmFamily::kBinomial, 2, true, 3);
  std::vector<double> params(10, 0.05), g1, g2;
  GlmObjective one(p.data(), GlmFamily::kBinomial, 1, true, 1.0, 1);
  GlmObjective two(p.data(), GlmFamily::kBinomial, 1, true, 1.0, 2);
  EXPECT_EQ(one.Evaluate(params, g1), two.Evaluate(params, g2));  // bitwise
  EXPECT_EQ(g1, g2);
}

TEST(GlmObjectiveStabilityTest, ExtremeScoresStayFinite) {
  // |z| = 1000 overflows a naive exp; a wrong label costs |z|, a right one ~0. Four rows, so
  // the vector path (not the scalar remainder) computes them.
  Problem p;
  p.rows = 4;
  p.cols = 1;
  p.x = {1000.0, -1000.0, 1000.0, -1000.0};
  p.y = {0.0, 0.0, 1.0, 1.0};
  GlmObjective objective(p.data(), GlmFamily::kBinomial, 1, false, 0.0, 1);
  std::vector<double> grad;
  const double loss = objective.Evaluate({1.0}, grad);
  EXPECT_DOUBLE_EQ(loss, 2000.0);
  EXPECT_DOUBLE_EQ(grad[0], 2000.0);  // residuals 1, ~0, 0, -1 times x
}

TEST(GlmObjectiveStabilityTest, VectorLogLossMatchesLibmAcrossScores) {
  // Scores from -40 to 40 in steps of 0.01 (8001 rows: groups of four and a remainder). The
  // vector exp / log1p of the kernel must agree with libm's to near rounding.
  Problem p;
  p.cols = 1;
  for (int i = 0; i <= 8000; ++i) {
    p.x.push_back(-40.0 + 0.01 * i);
    p.y.push_back(i % 3 == 0 ? 1.0 : 0.0);
  }
  p.rows = static_cast<int64_t>(p.x.size());
  GlmObjective objective(p.data(), GlmFamily::kBinomial, 1, true, 0.0, 1);
  const std::vector<double> params = {1.0, 0.25};
  std::vector<double> grad;
  const double loss = objective.Evaluate(params, grad);
  double reference = 0, reference_grad = 0;
  for (int64_t i = 0; i < p.rows; ++i) {
    const double z = p.x[i] + 0.25;
    reference += (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - p.y[i] * z;
    reference_grad += (1 / (1 + std::exp(-z)) - p.y[i]) * p.x[i];
  }
  EXPECT_NEAR(loss, reference, 1e-13 * reference);
  EXPECT_NEAR(grad[0], reference_grad, 1e-12 * std::fabs(reference_grad) + 1e-9);
}

}  // namespace
}  // namespace strata::train::internal
