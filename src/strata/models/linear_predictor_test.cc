#include "strata/models/linear_predictor.h"

#include <cmath>
#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::models {
namespace {

using ::testing::HasSubstr;

TEST(LinearPredictorTest, RegressionIsTheAffineScore) {
  auto p = LinearPredictor::Create(Task::kRegression, 3, {0.5, -1.25, 2.0}, {0.1});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->flavor(), "linear");
  EXPECT_EQ((*p)->num_features(), 3);
  EXPECT_EQ((*p)->num_outputs(), 1);
  const std::vector<float> x = {1, 2, 3, -4, 0.5f, 0};
  std::vector<double> out(2);
  (*p)->Predict(x.data(), 2, out.data());
  EXPECT_DOUBLE_EQ(out[0], 0.1 + 0.5 - 2.5 + 6.0);
  EXPECT_DOUBLE_EQ(out[1], 0.1 - 2.0 - 0.625);
}

TEST(LinearPredictorTest, BinaryIsSigmoidAndStableAtExtremes) {
  auto p = LinearPredictor::Create(Task::kBinary, 1, {1.0}, {0.0});
  ASSERT_TRUE(p.ok());
  const std::vector<float> x = {0, 2, -2, 800, -800};
  std::vector<double> out(5);
  (*p)->Predict(x.data(), 5, out.data());
  EXPECT_DOUBLE_EQ(out[0], 0.5);
  EXPECT_NEAR(out[1], 1 / (1 + std::exp(-2.0)), 1e-15);
  EXPECT_NEAR(out[1] + out[2], 1.0, 1e-15);
  EXPECT_EQ(out[3], 1.0);
  EXPECT_GE(out[4], 0.0);
  EXPECT_LT(out[4], 1e-300);
  EXPECT_FALSE(std::isnan(out[4]));
}

TEST(LinearPredictorTest, MulticlassIsSoftmax) {
  // Three classes, two features.
  auto p = LinearPredictor::Create(Task::kMulticlass, 2, {1, 0, 0, 1, -1, -1}, {0, 0.5, 0});
  ASSERT_TRUE(p.ok());
  const std::vector<float> x = {1, 2, 300, -300};
  std::vector<double> out(6);
  (*p)->Predict(x.data(), 2, out.data());
  const double z[3] = {1, 2.5, -3};
  const double sum = std::exp(z[0]) + std::exp(z[1]) + std::exp(z[2]);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(out[k], std::exp(z[k]) / sum, 1e-15);
  EXPECT_NEAR(out[3] + out[4] + out[5], 1.0, 1e-15);  // scores of +-300 do not overflow
  EXPECT_NEAR(out[3], 1.0, 1e-15);
}

TEST(LinearPredictorTest, NanFeatureGivesNanOutput) {
  auto p = LinearPredictor::Create(Task::kMulticlass, 1, {1, 2}, {0, 0});
  ASSERT_TRUE(p.ok());
  const float x = std::numeric_limits<float>::quiet_NaN();
  double out[2];
  (*p)->Predict(&x, 1, out);
  EXPECT_TRUE(std::isnan(out[0]) && std::isnan(out[1]));
}

TEST(LinearPredictorTest, JsonRoundTripsExactly) {
  auto p = LinearPredictor::Create(Task::kMulticlass, 2, {0.1, 1.0 / 3, -2e-17, 7.5, 1e300, -0.0},
                                   {0.2, -0.7, 1.0 / 7});
  ASSERT_TRUE(p.ok());
  const std::string json = (*p)->ToJson();
  EXPECT_THAT(json, HasSubstr("\"task\":\"multiclass\""));
  auto back = LinearPredictor::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ((*back)->task(), Task::kMulticlass);
  EXPECT_EQ((*back)->num_features(), 2);
  EXPECT_EQ((*back)->weights(), (*p)->weights());  // bit-exact doubles
  EXPECT_EQ((*back)->intercepts(), (*p)->intercepts());
  EXPECT_EQ((*back)->ToJson(), json);
}

TEST(LinearPredictorTest, ReadsTheDocumentedForm) {
  auto p = LinearPredictor::FromJson(
      R"({"task": "binary", "num_features": 3, "weights": [[0.5, -1.25, 2.0]], "intercepts": [0.1]})");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->task(), Task::kBinary);
  EXPECT_EQ((*p)->weights(), (std::vector<double>{0.5, -1.25, 2.0}));
}

TEST(LinearPredictorTest, FromJsonNamesTheBadField) {
  struct Bad {
    const char* json;
    const char* expected;
  };
  const Bad cases[] = {
      {"{", "malformed JSON"},
      {"[1]", "not a JSON object"},
      {R"({"num_features":1,"weights":[[1]],"intercepts":[0]})", "'task'"},
      {R"({"task":"ranking","num_features":1,"weights":[[1]],"intercepts":[0]})", "ranking"},
      {R"({"task":"binary","num_features":"1","weights":[[1]],"intercepts":[0]})",
       "'num_features'"},
      {R"({"task":"binary","num_features":0,"weights":[[]],"intercepts":[0]})", "'num_features'"},
      {R"({"task":"binary","num_features":2,"weights":[[1]],"intercepts":[0]})", "row 0"},
      {R"({"task":"binary","num_features":1,"weights":[["a"]],"intercepts":[0]})",
       "value [0][0] is not a number"},
      {R"({"task":"binary","num_features":1,"weights":{"a":1},"intercepts":[0]})", "'weights'"},
      {R"({"task":"binary","num_features":1,"weights":[[1]]})", "'intercepts'"},
      {R"({"task":"binary","num_features":1,"weights":[[1]],"intercepts":[0,1]})",
       "'intercepts'"},
      {R"({"task":"binary","num_features":1,"weights":[[1],[2]],"intercepts":[0,1]})",
       "1 output"},
      {R"({"task":"multiclass","num_features":1,"weights":[[1]],"intercepts":[0]})", ">= 2"},
      {R"({"task":"regression","num_features":1,"weights":[[1e999]],"intercepts":[0]})", ""},
  };
  for (const Bad& c : cases) {
    auto p = LinearPredictor::FromJson(c.json);
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(p.status().message(), HasSubstr(c.expected)) << c.json;
  }
}

TEST(LinearPredictorTest, CreateRejectsInconsistentSizesAndNonFiniteValues) {
  EXPECT_FALSE(LinearPredictor::Create(Task::kRegression, 2, {1}, {0}).ok());
  EXPECT_FALSE(LinearPredictor::Create(Task::kRegression, 0, {}, {0}).ok());
  EXPECT_THAT(LinearPredictor::Create(Task::kBinary, 1, {NAN}, {0}).status().message(),
              HasSubstr("'weights'"));
  EXPECT_THAT(LinearPredictor::Create(Task::kBinary, 1, {1}, {INFINITY}).status().message(),
              HasSubstr("'intercepts'"));
}

}  // namespace
}  // namespace strata::models
