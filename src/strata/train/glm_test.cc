#include "strata/train/glm.h"

#include <cmath>
#include <random>
#include <vector>

#include <Eigen/Dense>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/train/testing/dense_dataset.h"

namespace strata::train {
namespace {

using ::testing::HasSubstr;

using Dataset = testing::DenseDataset;

Dataset MakeLogistic(int64_t rows, int cols, int classes, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  Dataset d;
  d.rows = rows;
  d.cols = cols;
  std::vector<double> truth(static_cast<size_t>(classes * cols));
  for (double& v : truth) v = normal(rng) * 0.5;
  for (int64_t i = 0; i < rows; ++i) {
    std::vector<double> z(static_cast<size_t>(classes), 0.0);
    for (int j = 0; j < cols; ++j) {
      const double v = normal(rng);
      d.x.push_back(v);
      for (int k = 0; k < classes; ++k) z[k] += truth[k * cols + j] * v;
    }
    if (classes == 2) {
      d.y.push_back(uniform(rng) < 1 / (1 + std::exp(-(z[1] - z[0]))) ? 1.0 : 0.0);
    } else {
      double sum = 0;
      for (double& v : z) sum += (v = std::exp(v));
      double u = uniform(rng) * sum;
      int label = 0;
      while (label < classes - 1 && (u -= z[label]) > 0) ++label;
      d.y.push_back(label);
    }
  }
  return d;
}

TEST(GlmTest, BinomialL2SatisfiesStationarity) {
  Dataset d = MakeLogistic(4000, 6, 2, 1);
  GlmOptions options;
  options.C = 0.5;
  // tol bounds the gradient of loss / C. Far below ~1e-5 here the line search meets the
  // rounding of f (a step's decrease ~ g^2 / H falls under eps * f) and stops as "line_search".
  options.tol = 1e-4;
  options.ftol = 0;
  auto fit = FitGlm(d.data(), options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_TRUE(fit->converged);
  EXPECT_EQ(fit->stop_reason, "gtol");
  // Gradient of C * sum(logloss) + 0.5 ||w||^2: C X^T (p - y) + w, and C sum(p - y) for b.
  std::vector<double> grad(7, 0.0);
  double data_loss = 0;
  for (int64_t i = 0; i < d.rows; ++i) {
    double z = fit->intercepts[0];
    for (int j = 0; j < 6; ++j) z += fit->coefficients[j] * d.x[i * 6 + j];
    const double p = 1 / (1 + std::exp(-z));
    data_loss += std::log1p(std::exp(z)) - d.y[i] * z;
    for (int j = 0; j < 6; ++j) grad[j] += options.C * (p - d.y[i]) * d.x[i * 6 + j];
    grad[6] += options.C * (p - d.y[i]);
  }
  double squared = 0;
  for (int j = 0; j < 6; ++j) {
    grad[j] += fit->coefficients[j];
    squared += fit->coefficients[j] * fit->coefficients[j];
  }
  for (double g : grad) EXPECT_NEAR(g, 0.0, 1e-4 * options.C);
  EXPECT_NEAR(fit->data_loss, data_loss, 1e-9 * data_loss);
  EXPECT_NEAR(fit->loss, options.C * data_loss + 0.5 * squared, 1e-9 * fit->loss);
  ASSERT_EQ(fit->loss_history.size(), static_cast<size_t>(fit->iterations) + 1);
  EXPECT_NEAR(fit->loss_history.front(), options.C * d.rows * std::log(2.0), 1e-6);
  EXPECT_DOUBLE_EQ(fit->loss_history.back(), fit->loss);
}

TEST(GlmTest, GaussianRidgeMatchesNormalEquations) {
  std::mt19937_64 rng(4);
  std::normal_distribution<double> normal;
  Dataset d;
  d.rows = 1000;
  d.cols = 5;
  for (int64_t i = 0; i < d.rows; ++i) {
    double y = 2.0;
    for (int j = 0; j < 5; ++j) {
      const double v = normal(rng) * (j + 1);
      d.x.push_back(v);
      y += v * (j - 2);
    }
    d.y.push_back(y + normal(rng));
    d.w.push_back(1 + (i % 3));
  }
  GlmOptions options;
  options.family = GlmFamily::kGaussian;
  options.C = 0.01;
  options.tol = 1e-9;
  options.ftol = 0;
  auto fit = FitGlm(d.data(), options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  // Weighted ridge with an unpenalised intercept: [C A^T S A + P] beta = C A^T S y, where A has
  // a column of ones and P is the identity on the coefficients only.
  Eigen::MatrixXd a(d.rows, 6);
  Eigen::VectorXd y(d.rows), s(d.rows);
  for (int64_t i = 0; i < d.rows; ++i) {
    for (int j = 0; j < 5; ++j) a(i, j) = d.x[i * 5 + j];
    a(i, 5) = 1;
    y[i] = d.y[i];
    s[i] = d.w[i];
  }
  Eigen::MatrixXd lhs = options.C * a.transpose() * s.asDiagonal() * a;
  for (int j = 0; j < 5; ++j) lhs(j, j) += 1;
  Eigen::VectorXd beta = lhs.ldlt().solve(options.C * a.transpose() * s.asDiagonal() * y);
  for (int j = 0; j < 5; ++j) EXPECT_NEAR(fit->coefficients[j], beta[j], 1e-7) << j;
  EXPECT_NEAR(fit->intercepts[0], beta[5], 1e-7);
}

TEST(GlmTest, IntegerWeightsEqualDuplicatedRows) {
  Dataset d = MakeLogistic(600, 4, 3, 2);
  Dataset dup;
  dup.cols = 4;
  for (int64_t i = 0; i < d.rows; ++i) {
    const int copies = 1 + static_cast<int>(i % 3);
    d.w.push_back(copies);
    for (int c = 0; c < copies; ++c) {
      dup.x.insert(dup.x.end(), d.x.begin() + i * 4, d.x.begin() + (i + 1) * 4);
      dup.y.push_back(d.y[i]);
    }
  }
  dup.rows = static_cast<int64_t>(dup.y.size());
  GlmOptions options;
  options.family = GlmFamily::kMultinomial;
  options.tol = 1e-9;
  options.ftol = 0;
  auto weighted = FitGlm(d.data(), options);
  auto duplicated = FitGlm(dup.data(), options);
  ASSERT_TRUE(weighted.ok() && duplicated.ok());
  EXPECT_EQ(weighted->num_outputs, 3);
  ASSERT_EQ(weighted->coefficients.size(), 12u);
  for (size_t j = 0; j < 12; ++j) {
    EXPECT_NEAR(weighted->coefficients[j], duplicated->coefficients[j], 1e-6) << j;
  }
  EXPECT_NEAR(weighted->loss, duplicated->loss, 1e-8 * duplicated->loss);
}

TEST(GlmTest, L1ZeroesWeakFeaturesAndBeatsNeighbours) {
  Dataset d = MakeLogistic(3000, 8, 2, 6);
  GlmOptions options;
  options.penalty = GlmPenalty::kL1;
  options.C = 0.01;
  options.tol = 1e-9;
  options.ftol = 0;
  options.max_iter = 1000;
  auto fit = FitGlm(d.data(), options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  int zeros = 0;
  for (double c : fit->coefficients) zeros += c == 0.0;
  EXPECT_GE(zeros, 1);
  EXPECT_LT(zeros, 8);
  // The objective at the solution is below every small perturbation of it.
  auto objective = [&](const std::vector<double>& w, double b) {
    double loss = 0, l1 = 0;
    for (int64_t i = 0; i < d.rows; ++i) {
      double z = b;
      for (int j = 0; j < 8; ++j) z += w[j] * d.x[i * 8 + j];
      loss += std::log1p(std::exp(z)) - d.y[i] * z;
    }
    for (double v : w) l1 += std::fabs(v);
    return options.C * loss + l1;
  };
  const double best = objective(fit->coefficients, fit->intercepts[0]);
  EXPECT_NEAR(fit->loss, best, 1e-9 * best);
  for (int j = 0; j < 8; ++j) {
    for (double delta : {-1e-3, 1e-3}) {
      std::vector<double> w = fit->coefficients;
      w[j] += delta;
      EXPECT_GE(objective(w, fit->intercepts[0]), best - 1e-12) << j << " " << delta;
    }
  }
}

TEST(GlmTest, SameResultWithOneOrTwoThreads) {
  Dataset d = MakeLogistic(30000, 5, 2, 8);
  GlmOptions options;
  options.threads = 1;
  auto one = FitGlm(d.data(), options);
  options.threads = 2;
  auto two = FitGlm(d.data(), options);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->coefficients, two->coefficients);
  EXPECT_EQ(one->loss_history, two->loss_history);
}

TEST(GlmTest, RejectsBadInputNamingTheRow) {
  Dataset d = MakeLogistic(50, 3, 2, 3);
  GlmOptions options;
  d.y[7] = 0.5;
  EXPECT_THAT(FitGlm(d.data(), options).status().message(), HasSubstr("label at row 7"));
  d.y[7] = 1;
  d.x[3 * 12 + 2] = INFINITY;
  EXPECT_THAT(FitGlm(d.data(), options).status().message(), HasSubstr("row 12, column 2"));
  d.x[3 * 12 + 2] = 0;
  d.w.assign(50, 1.0);
  d.w[9] = NAN;
  EXPECT_THAT(FitGlm(d.data(), options).status().message(), HasSubstr("sample weight at row 9"));
  d.w.clear();
  options.C = -1;
  EXPECT_EQ(FitGlm(d.data(), options).status().code(), absl::StatusCode::kInvalidArgument);
  options.C = 1;
  options.family = GlmFamily::kMultinomial;
  options.num_classes = 1;
  EXPECT_THAT(FitGlm(d.data(), options).status().message(), HasSubstr("num_classes"));
  std::fill(d.y.begin(), d.y.end(), 0.0);
  options.num_classes = 0;
  EXPECT_THAT(FitGlm(d.data(), options).status().message(), HasSubstr("single class"));
  GlmData empty = d.data();
  empty.rows = 0;
  EXPECT_EQ(FitGlm(empty, options).status().code(), absl::StatusCode::kInvalidArgument);
  empty.features = nullptr;
  empty.rows = 50;
  EXPECT_EQ(FitGlm(empty, options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(GlmTest, MultinomialHonoursDeclaredClassCount) {
  Dataset d = MakeLogistic(300, 3, 2, 5);  // labels 0/1 only
  GlmOptions options;
  options.family = GlmFamily::kMultinomial;
  options.num_classes = 3;
  auto fit = FitGlm(d.data(), options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  EXPECT_EQ(fit->num_outputs, 3);
  EXPECT_EQ(fit->coefficients.size(), 9u);
  EXPECT_LT(fit->intercepts[2], fit->intercepts[0]);  // the unseen class is pushed down
}

TEST(GlmTest, NamesRoundTrip) {
  for (GlmFamily f : {GlmFamily::kBinomial, GlmFamily::kMultinomial, GlmFamily::kGaussian}) {
    EXPECT_EQ(*ParseGlmFamily(GlmFamilyName(f)), f);
  }
  for (GlmPenalty p : {GlmPenalty::kNone, GlmPenalty::kL2, GlmPenalty::kL1}) {
    EXPECT_EQ(*ParseGlmPenalty(GlmPenaltyName(p)), p);
  }
  EXPECT_THAT(ParseGlmFamily("poisson").status().message(), HasSubstr("poisson"));
  EXPECT_FALSE(ParseGlmPenalty("elasticnet").ok());
}

}  // namespace
}  // namespace strata::train

namespace strata::train {
namespace {

TEST(GlmPredictorTest, PredictorReproducesTheFittedProbabilities) {
  Dataset d = MakeLogistic(2000, 4, 3, 12);
  GlmOptions options;
  options.family = GlmFamily::kMultinomial;
  auto fit = FitGlm(d.data(), options);
  ASSERT_TRUE(fit.ok());
  auto predictor = MakeLinearPredictor(*fit);
  ASSERT_TRUE(predictor.ok()) << predictor.status();
  EXPECT_EQ((*predictor)->task(), models::Task::kMulticlass);
  EXPECT_EQ((*predictor)->num_outputs(), 3);
  // Features that are exact in float32, so the float32 predictor sees the training rows.
  std::vector<float> row = {0.5f, -1.0f, 2.0f, 0.25f};
  double out[3];
  (*predictor)->Predict(row.data(), 1, out);
  double z[3], sum = 0;
  for (int k = 0; k < 3; ++k) {
    z[k] = fit->intercepts[k];
    for (int j = 0; j < 4; ++j) z[k] += fit->coefficients[k * 4 + j] * row[j];
    sum += std::exp(z[k]);
  }
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(out[k], std::exp(z[k]) / sum, 1e-14);

  Dataset b = MakeLogistic(500, 2, 2, 13);
  auto binary = FitGlm(b.data(), GlmOptions{});
  ASSERT_TRUE(binary.ok());
  auto binary_predictor = MakeLinearPredictor(*binary);
  ASSERT_TRUE(binary_predictor.ok());
  EXPECT_EQ((*binary_predictor)->task(), models::Task::kBinary);
  GlmResult broken = *binary;
  broken.coefficients.pop_back();
  EXPECT_FALSE(MakeLinearPredictor(broken).ok());
}

}  // namespace
}  // namespace strata::train
