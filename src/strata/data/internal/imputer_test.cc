#include "strata/data/internal/imputer.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/base/strings.h"
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
using testing::Strings;

std::string Spec(std::string_view options) {
  return absl::StrCat(R"({"steps": [{"kind": "imputer", "columns": ["x"])", AsAbsl(options), "}]}");
}

TEST(ImputerTest, NumberStrategies) {
  table::Table t = MakeTable({{"x", Floats({1, std::nullopt, 3, std::nan(""), 10})}});
  EXPECT_THAT(Output(FitSpec(Spec(""), t), t, "x"),
              ElementsAre(Optional(1.0), Optional(14.0 / 3), Optional(3.0), Optional(14.0 / 3),
                          Optional(10.0)));
  EXPECT_THAT(Output(FitSpec(Spec(R"(, "strategy": "median")"), t), t, "x")[1], Optional(3.0));
  table::Table even = MakeTable({{"x", Ints({1, 4, std::nullopt, 10, 3})}});
  EXPECT_THAT(Output(FitSpec(Spec(R"(, "strategy": "median")"), even), even, "x")[2],
              Optional(3.5));  // (3 + 4) / 2; int64 in, float64 out
  table::Table modes = MakeTable({{"x", Ints({2, 1, 1, 2, 3, std::nullopt})}});
  EXPECT_THAT(Output(FitSpec(Spec(R"(, "strategy": "most_frequent")"), modes), modes, "x")[5],
              Optional(1.0));  // a tie between 1 and 2 keeps the smaller
  EXPECT_THAT(Output(FitSpec(Spec(R"(, "strategy": "constant", "fill_value": 7.5)"), modes), modes,
                     "x")[5],
              Optional(7.5));
}

TEST(ImputerTest, StringStrategies) {
  table::Table t = MakeTable({{"x", Strings({"b", "a", std::nullopt, "b", "a"})}});
  absl::StatusOr<table::Table> out =
      FitSpec(Spec(R"(, "strategy": "most_frequent")"), t).Transform(t);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->column(0).type(), table::DataType::kString);
  EXPECT_EQ(out->column(0).StringAt(2), "a");
  EXPECT_EQ(out->column(0).null_count(), 0);
  out = FitSpec(Spec(R"(, "strategy": "constant")"), t).Transform(t);
  EXPECT_EQ(out->column(0).StringAt(2), "missing_value");
  table::Table cat = MakeTable({{"x", Strings({"q", std::nullopt}, table::DataType::kCategory)}});
  out = FitSpec(Spec(R"(, "strategy": "constant", "fill_value": "zz")"), cat).Transform(cat);
  EXPECT_EQ(out->column(0).StringAt(0), "q");
  EXPECT_EQ(out->column(0).StringAt(1), "zz");
}

TEST(ImputerTest, Errors) {
  auto p = TransformPipeline::FromSpecJson(Spec(R"(, "strategy": "median")"));
  ASSERT_TRUE(p.ok());
  EXPECT_THAT(p->Fit(MakeTable({{"x", Strings({"a"})}})).message(),
              HasSubstr("strategy 'median' needs a number column"));
  EXPECT_THAT(TransformPipeline::FromSpecJson(Spec(R"(, "fill_value": 1)")).status().message(),
              HasSubstr("field 'fill_value': only applies to strategy 'constant'"));
  auto c = TransformPipeline::FromSpecJson(Spec(R"(, "strategy": "constant", "fill_value": "z")"));
  ASSERT_TRUE(c.ok());
  EXPECT_THAT(c->Fit(MakeTable({{"x", Floats({1})}})).message(),
              HasSubstr("fill_value must be a number"));
  EXPECT_THAT(TransformPipeline::FromSpecJson(Spec(R"(, "strategy": "mode")")).status().message(),
              HasSubstr("'mode' is not one of mean, median, most_frequent, constant"));
}

TEST(ImputerTest, RowPathFillsTheSame) {
  table::Table t = MakeTable({{"x", Floats({1, 2, 6})}});
  TransformPipeline p = FitSpec(Spec(""), t);
  absl::StatusOr<Row> row = p.TransformRow({{"x", Value()}});
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(std::get<double>((*row)[0].second), 3.0);
  EXPECT_THAT(p.TransformRow({{"x", Value(std::string("a"))}}).status().message(),
              HasSubstr("expected a number, got the string 'a'"));
}

}  // namespace
}  // namespace strata::data
