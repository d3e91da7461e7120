#include "strata/train/internal/lbfgs.h"

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace strata::train::internal {
namespace {

// Rosenbrock's valley: a curved, badly scaled problem that a broken line search or curvature
// update does not solve in a few hundred iterations.
double Rosenbrock(const std::vector<double>& x, std::vector<double>& g) {
  double f = 0;
  std::fill(g.begin(), g.end(), 0.0);
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i];
    const double b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * a * x[i] - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
}

TEST(LbfgsTest, SolvesRosenbrock) {
  LbfgsOptions options;
  options.max_iterations = 1000;
  options.gtol = 1e-9;
  options.ftol = 0;
  auto result = MinimizeLbfgs(Rosenbrock, std::vector<double>{-1.2, 1.0, -0.5, 0.8}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->converged);
  EXPECT_EQ(result->stop_reason, "gtol");
  for (double v : result->x) EXPECT_NEAR(v, 1.0, 1e-7);
  EXPECT_LE(result->gradient_max, 1e-9);
  EXPECT_EQ(result->history.size(), static_cast<size_t>(result->iterations) + 1);
  for (size_t i = 1; i < result->history.size(); ++i) {
    EXPECT_LE(result->history[i], result->history[i - 1]);
  }
}

TEST(LbfgsTest, QuadraticNeedsFewIterations) {
  // f = sum_i c_i (x_i - i)^2 with condition number 100.
  auto quadratic = [](const std::vector<double>& x, std::vector<double>& g) {
    double f = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double c = 1.0 + 99.0 * static_cast<double>(i) / (x.size() - 1);
      f += c * (x[i] - i) * (x[i] - i);
      g[i] = 2 * c * (x[i] - i);
    }
    return f;
  };
  LbfgsOptions options;
  options.gtol = 1e-8;
  options.ftol = 0;
  auto result = MinimizeLbfgs(quadratic, std::vector<double>(10, 0.0), options);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->converged);
  EXPECT_LT(result->iterations, 60);
  for (size_t i = 0; i < 10; ++i) EXPECT_NEAR(result->x[i], static_cast<double>(i), 1e-7);
}

TEST(LbfgsTest, OwlqnSoftThresholdsSeparableProblem) {
  // min 0.5 * sum (x_i - t_i)^2 + l1_i |x_i| has the solution sign(t) max(|t| - l1, 0).
  const std::vector<double> target = {3.0, -0.5, 0.2, -4.0, 1.0};
  auto f = [&](const std::vector<double>& x, std::vector<double>& g) {
    double v = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      v += 0.5 * (x[i] - target[i]) * (x[i] - target[i]);
      g[i] = x[i] - target[i];
    }
    return v;
  };
  LbfgsOptions options;
  options.gtol = 1e-10;
  options.ftol = 0;
  options.l1 = {1.0, 1.0, 1.0, 1.0, 0.0};
  auto result = MinimizeLbfgs(f, std::vector<double>(5, 0.0), options);
  ASSERT_TRUE(result.ok());
  const std::vector<double> expected = {2.0, 0.0, 0.0, -3.0, 1.0};
  for (size_t i = 0; i < 5; ++i) EXPECT_NEAR(result->x[i], expected[i], 1e-8) << i;
  EXPECT_EQ(result->x[1], 0.0);  // exactly zero, not merely small
  EXPECT_EQ(result->x[2], 0.0);
  EXPECT_NEAR(result->objective, 0.5 * (1 + 0.25 + 0.04 + 1) + 2 + 3, 1e-9);
}

TEST(LbfgsTest, StopsAtMaxIterations) {
  LbfgsOptions options;
  options.max_iterations = 3;
  options.gtol = 0;
  options.ftol = 0;
  auto result = MinimizeLbfgs(Rosenbrock, std::vector<double>{-1.2, 1.0}, options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->iterations, 3);
  EXPECT_FALSE(result->converged);
  EXPECT_EQ(result->stop_reason, "max_iterations");
}

TEST(LbfgsTest, StartAtOptimumIsConvergedWithoutIterations) {
  auto result = MinimizeLbfgs(Rosenbrock, std::vector<double>{1.0, 1.0}, LbfgsOptions{});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->iterations, 0);
  EXPECT_TRUE(result->converged);
}

TEST(LbfgsTest, NonFiniteTrialPointsShortenTheStep) {
  // f = -log(1 - x) - log(1 + x) is infinite outside (-1, 1); a step of 1 from 0.9 overshoots.
  auto barrier = [](const std::vector<double>& x, std::vector<double>& g) {
    const double v = x[0];
    g[0] = 1 / (1 - v) - 1 / (1 + v);
    return -std::log(1 - v) - std::log(1 + v);
  };
  LbfgsOptions options;
  options.gtol = 1e-10;
  auto result = MinimizeLbfgs(barrier, std::vector<double>{0.9}, options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NEAR(result->x[0], 0.0, 1e-8);
}

TEST(LbfgsTest, RejectsBadOptionsAndStart) {
  LbfgsOptions options;
  options.memory = 0;
  EXPECT_EQ(MinimizeLbfgs(Rosenbrock, {0, 0}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = LbfgsOptions{};
  options.l1 = {1.0};
  EXPECT_EQ(MinimizeLbfgs(Rosenbrock, {0, 0}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.l1 = {1.0, -1.0};
  EXPECT_EQ(MinimizeLbfgs(Rosenbrock, {0, 0}, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto nan_objective = [](const std::vector<double>&, std::vector<double>& g) {
    g.assign(g.size(), 0.0);
    return std::nan("");
  };
  EXPECT_EQ(MinimizeLbfgs(nan_objective, {0, 0}, LbfgsOptions{}).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace strata::train::internal
