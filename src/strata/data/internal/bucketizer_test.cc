#include "strata/data/internal/bucketizer.h"

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
using testing::MakeTable;
using testing::Output;

TEST(BucketizerTest, GivenBoundaries) {
  table::Table t = MakeTable({{"x", Floats({-5, 0, 5, 10, 15, std::nullopt})}});
  TransformPipeline p = FitSpec(
      R"({"steps": [{"kind": "bucketize", "columns": ["x"], "boundaries": [0, 10]}]})", t);
  EXPECT_THAT(Output(p, t, "x"), ElementsAre(Optional(0.0), Optional(1.0), Optional(1.0),
                                             Optional(2.0), Optional(2.0), std::nullopt));
  absl::StatusOr<table::Table> out = p.Transform(t);
  EXPECT_EQ(out->column(0).type(), table::DataType::kInt64);
  EXPECT_THAT(TransformPipeline::FromSpecJson(
                  R"({"steps": [{"kind": "bucketize", "columns": ["x"], "boundaries": [3, 1]}]})")
                  .status()
                  .message(),
              HasSubstr("field 'boundaries': must be strictly increasing"));
}

TEST(BucketizerTest, UniformBins) {
  // edges 0, 2, 4, 6, 8: inner 2, 4, 6.
  table::Table t = MakeTable({{"x", Floats({0, 2, 4, 6, 8})}});
  TransformPipeline p = FitSpec(
      R"({"steps": [{"kind": "bucketize", "columns": ["x"], "strategy": "uniform", "n_bins": 4}]})",
      t);
  EXPECT_THAT(Output(p, MakeTable({{"x", Floats({0, 2, 3, 8, 100, -1})}}), "x"),
              ElementsAre(Optional(0.0), Optional(1.0), Optional(1.0), Optional(3.0),
                          Optional(3.0), Optional(0.0)));
}

TEST(BucketizerTest, QuantileBinsAndNarrowBinsRemoved) {
  table::Table t = MakeTable({{"x", Floats({1, 2, 3, 4, 100})}});
  TransformPipeline p = FitSpec(
      R"({"steps": [{"kind": "bucketize", "columns": ["x"], "strategy": "quantile", "n_bins": 2}]})",
      t);
  EXPECT_THAT(Output(p, t, "x"), ElementsAre(Optional(0.0), Optional(0.0), Optional(1.0),
                                             Optional(1.0), Optional(1.0)));
  EXPECT_EQ(p.Summaries()[0].lines[0], "x: 2 bins, inner edges [3]");
  // Percentiles 0, 25, 50, 75 are all 1: only [1, 2] survives, so one bin.
  table::Table ties = MakeTable({{"x", Floats({1, 1, 1, 1, 2})}});
  TransformPipeline q = FitSpec(
      R"({"steps": [{"kind": "bucketize", "columns": ["x"], "n_bins": 4}]})", ties);
  EXPECT_THAT(Output(q, ties, "x"), ElementsAre(Optional(0.0), Optional(0.0), Optional(0.0),
                                                Optional(0.0), Optional(0.0)));
}

TEST(BucketizerTest, EdgesFollowNumpy) {
  EXPECT_THAT(internal::UniformEdges(0, 1, 3), ElementsAre(0.0, 1.0 / 3, 2.0 / 3, 1.0));
  // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 75, 100]) = 1, 1.75, 2.5, 3.25, 4.
  EXPECT_THAT(internal::QuantileEdges({1, 2, 3, 4}, 4), ElementsAre(1.0, 1.75, 2.5, 3.25, 4.0));
}

}  // namespace
}  // namespace strata::data
