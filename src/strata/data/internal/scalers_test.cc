#include "strata/data/internal/scalers.h"

#include <cmath>
#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/data/testing/transform_tables.h"

namespace strata::data {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using testing::FitSpec;
using testing::Floats;
using testing::Ints;
using testing::MakeTable;
using testing::Output;

using Opt = std::vector<std::optional<double>>;

TEST(StandardScalerTest, PopulationStdAndNullsPropagate) {
  // mean 2.5, var (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25 (ddof = 0, as StandardScaler).
  table::Table t = MakeTable({{"x", Floats({1, 2, 3, 4, std::nullopt})}});
  TransformPipeline p = FitSpec(R"({"steps": [{"kind": "standard_scaler", "columns": ["x"]}]})", t);
  const double s = std::sqrt(1.25);
  EXPECT_THAT(Output(p, t, "x"), ElementsAre(Optional((1 - 2.5) / s), Optional((2 - 2.5) / s),
                                             Optional((3 - 2.5) / s), Optional((4 - 2.5) / s),
                                             std::nullopt));
  ASSERT_EQ(p.Summaries().size(), 1u);
  EXPECT_EQ(p.Summaries()[0].lines[0], "x: mean=2.5 scale=1.118033988749895 (n=4)");
}

TEST(StandardScalerTest, WithoutMeanOrStdAndIntInput) {
  table::Table t = MakeTable({{"x", Ints({1, 2, 3, 4})}});
  TransformPipeline no_mean = FitSpec(
      R"({"steps": [{"kind": "standard_scaler", "columns": ["x"], "with_mean": false}]})", t);
  EXPECT_THAT(Output(no_mean, t, "x")[1], Optional(2 / std::sqrt(1.25)));
  TransformPipeline no_std = FitSpec(
      R"({"steps": [{"kind": "standard_scaler", "columns": ["x"], "with_std": false}]})", t);
  EXPECT_THAT(Output(no_std, t, "x"), ElementsAre(Optional(-1.5), Optional(-0.5), Optional(0.5),
                                                  Optional(1.5)));
}

TEST(StandardScalerTest, ConstantColumnGetsScaleOne) {
  table::Table t = MakeTable({{"x", Floats({2.5, 2.5, 2.5})}});
  TransformPipeline p = FitSpec(R"({"steps": [{"kind": "standard_scaler", "columns": ["x"]}]})", t);
  EXPECT_THAT(Output(p, t, "x"), ElementsAre(Optional(0.0), Optional(0.0), Optional(0.0)));
  // 0.1 three times: the computed variance is rounding noise, within the error bound.
  table::Table tenths = MakeTable({{"x", Floats({0.1, 0.1, 0.1})}});
  TransformPipeline q = FitSpec(R"({"steps": [{"kind": "standard_scaler", "columns": ["x"]}]})", tenths);
  EXPECT_THAT(q.Summaries()[0].lines[0], HasSubstr("scale=1 "));
}

TEST(StandardScalerTest, FitErrors) {
  auto p = TransformPipeline::FromSpecJson(
      R"({"steps": [{"kind": "standard_scaler", "columns": ["x"]}]})");
  ASSERT_TRUE(p.ok());
  absl::Status s = p->Fit(MakeTable({{"x", Floats({std::nullopt, std::nan("")})}}));
  EXPECT_THAT(s.message(), HasSubstr("step 1 (standard_scaler) column 'x': no non-null values"));
  s = p->Fit(MakeTable({{"x", testing::Strings({"a"})}}));
  EXPECT_THAT(s.message(), HasSubstr("needs a number column"));
  s = p->Fit(MakeTable({{"x", Floats({1, INFINITY})}}));
  EXPECT_THAT(s.message(), HasSubstr("non-finite statistics"));
  s = p->Fit(MakeTable({{"y", Floats({1})}}));
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("column 'x' is not in the input (columns: y)"));
}

TEST(MinMaxScalerTest, RangeClipAndConstant) {
  table::Table t = MakeTable({{"x", Floats({1, 3, 5})}});
  TransformPipeline p = FitSpec(R"({"steps": [{"kind": "min_max_scaler", "columns": ["x"]}]})", t);
  EXPECT_THAT(Output(p, t, "x"), ElementsAre(Optional(0.0), Optional(0.5), Optional(1.0)));
  table::Table wide = MakeTable({{"x", Floats({9, -3, std::nullopt})}});
  EXPECT_THAT(Output(p, wide, "x"), ElementsAre(Optional(2.0), Optional(-1.0), std::nullopt));
  TransformPipeline clip = FitSpec(
      R"({"steps": [{"kind": "min_max_scaler", "columns": ["x"], "feature_range": [-1, 1],
          "clip": true}]})", t);
  EXPECT_THAT(Output(clip, t, "x"), ElementsAre(Optional(-1.0), Optional(0.0), Optional(1.0)));
  EXPECT_THAT(Output(clip, wide, "x"), ElementsAre(Optional(1.0), Optional(-1.0), std::nullopt));
  // A constant column: range treated as 1, so x * 1 + (0 - 7) = 0.
  table::Table same = MakeTable({{"x", Floats({7, 7})}});
  TransformPipeline c = FitSpec(R"({"steps": [{"kind": "min_max_scaler", "columns": ["x"]}]})", same);
  EXPECT_THAT(Output(c, same, "x"), ElementsAre(Optional(0.0), Optional(0.0)));
  auto bad = TransformPipeline::FromSpecJson(
      R"({"steps": [{"kind": "min_max_scaler", "columns": ["x"], "feature_range": [1, 0]}]})");
  EXPECT_THAT(bad.status().message(), HasSubstr("field 'feature_range': expected [low, high]"));
}

TEST(LogTransformTest, Log1pLogOffsetAndInvalid) {
  table::Table t = MakeTable({{"x", Floats({0, std::exp(1.0) - 1, std::nullopt})}});
  TransformPipeline p = FitSpec(R"({"steps": [{"kind": "log", "columns": ["x"]}]})", t);
  EXPECT_THAT(Output(p, t, "x"), ElementsAre(Optional(0.0), Optional(std::log1p(std::exp(1.0) - 1)),
                                             std::nullopt));
  absl::StatusOr<table::Table> neg = p.Transform(MakeTable({{"x", Floats({1, -2})}}));
  EXPECT_THAT(neg.status().message(), HasSubstr("column 'x': row 1: -2 is negative"));
  TransformPipeline lenient = FitSpec(
      R"({"steps": [{"kind": "log", "columns": ["x"], "on_invalid": "null"}]})", t);
  EXPECT_THAT(Output(lenient, MakeTable({{"x", Floats({-2})}}), "x"), ElementsAre(std::nullopt));
  TransformPipeline offset = FitSpec(
      R"({"steps": [{"kind": "log", "columns": ["x"], "base": "log", "offset": 1}]})", t);
  EXPECT_THAT(Output(offset, MakeTable({{"x", Floats({std::exp(2.0) - 1})}}), "x"),
              ElementsAre(Optional(std::log(std::exp(2.0)))));
  absl::StatusOr<table::Table> zero = offset.Transform(MakeTable({{"x", Floats({-1})}}));
  EXPECT_THAT(zero.status().message(), HasSubstr("is not positive"));
  absl::StatusOr<Row> row = p.TransformRow({{"x", Value(-1.0)}});
  EXPECT_THAT(row.status().message(), HasSubstr("-1 is negative"));
}

TEST(CompensatedSumTest, KeepsSmallTermsBesideLargeOnes) {
  internal::CompensatedSum s;
  s.Add(1e16);
  for (int i = 0; i < 10; ++i) s.Add(1.0);
  s.Add(-1e16);
  EXPECT_EQ(s.value(), 10.0);
}

}  // namespace
}  // namespace strata::data
