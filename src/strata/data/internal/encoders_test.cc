#include "strata/data/internal/encoders.h"

#include <optional>
#include <string>
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
using testing::NumbersOf;
using testing::Output;
using testing::Strings;

std::vector<std::string> Names(const table::Table& t) {
  std::vector<std::string> out;
  for (const table::Field& f : t.schema().fields()) out.push_back(f.name);
  return out;
}

// Rows as 0/1 strings over the one-hot columns, e.g. "010".
std::vector<std::string> Hot(const table::Table& t, int first, int count) {
  std::vector<std::string> rows(static_cast<size_t>(t.num_rows()));
  for (int c = first; c < first + count; ++c) {
    for (int64_t r = 0; r < t.num_rows(); ++r) rows[r] += t.column(c).Float64s()[r] == 1.0 ? '1' : '0';
  }
  return rows;
}

table::Table Cities() {
  return MakeTable({{"id", Ints({1, 2, 3, 4, 5})},
                    {"city", Strings({"rome", "paris", std::nullopt, "rome", "oslo"})}});
}

TEST(OneHotTest, SortedCategoriesNullsZerosUnknownPolicies) {
  table::Table t = Cities();
  TransformPipeline p = FitSpec(
      R"({"steps": [{"kind": "one_hot", "columns": ["city"], "handle_unknown": "ignore"}]})", t);
  absl::StatusOr<table::Table> out = p.Transform(t);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Names(*out), ElementsAre("id", "city=oslo", "city=paris", "city=rome"));
  EXPECT_THAT(Hot(*out, 1, 3), ElementsAre("001", "010", "000", "001", "100"));
  out = p.Transform(MakeTable({{"id", Ints({9})}, {"city", Strings({"lima"})}}));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Hot(*out, 1, 3), ElementsAre("000"));

  TransformPipeline strict = FitSpec(R"({"steps": [{"kind": "one_hot", "columns": ["city"]}]})", t);
  out = strict.Transform(MakeTable({{"city", Strings({"rome", "lima"})}}));
  EXPECT_THAT(out.status().message(),
              HasSubstr("step 1 (one_hot) column 'city': row 1: unknown category 'lima'"));
  EXPECT_THAT(strict.TransformRow({{"city", Value(std::string("lima"))}}).status().message(),
              HasSubstr("unknown category 'lima'"));
}

TEST(OneHotTest, InfrequentBucketDropFirstNullColumn) {
  table::Table t = Cities();
  TransformPipeline p = FitSpec(
      R"({"steps": [{"kind": "one_hot", "columns": ["city"], "handle_unknown": "infrequent",
          "min_frequency": 2}]})", t);
  absl::StatusOr<table::Table> out =
      p.Transform(MakeTable({{"city", Strings({"rome", "paris", "lima", std::nullopt})}}));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Names(*out), ElementsAre("city=rome", "city=__infrequent__"));
  EXPECT_THAT(Hot(*out, 0, 2), ElementsAre("10", "01", "01", "00"));

  TransformPipeline drop = FitSpec(
      R"({"steps": [{"kind": "one_hot", "columns": ["city"], "drop": "first", "nulls": "column"}]})",
      t);
  out = drop.Transform(t);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Names(*out), ElementsAre("id", "city=paris", "city=rome", "city=__null__"));
  EXPECT_THAT(Hot(*out, 1, 3), ElementsAre("010", "100", "001", "010", "000"));
}

TEST(OneHotTest, NumbersSortNumericallyAndCategoryColumnsMatchStrings) {
  table::Table t = MakeTable({{"n", Ints({10, 2, 2})}});
  absl::StatusOr<table::Table> out =
      FitSpec(R"({"steps": [{"kind": "one_hot", "columns": ["n"]}]})", t).Transform(t);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Names(*out), ElementsAre("n=2", "n=10"));
  table::Table cat = MakeTable(
      {{"city", Strings({"rome", "paris", std::nullopt, "rome"}, table::DataType::kCategory)}});
  TransformPipeline p = FitSpec(R"({"steps": [{"kind": "one_hot", "columns": ["city"]}]})", cat);
  out = p.Transform(cat);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(Hot(*out, 0, 2), ElementsAre("01", "10", "00", "01"));
  out = p.Transform(MakeTable({{"city", Strings({"paris"})}}));  // a string column, same keys
  EXPECT_THAT(Hot(*out, 0, 2), ElementsAre("10"));
}

TEST(OrdinalTest, CodesUnknownValueAndNulls) {
  table::Table t = MakeTable({{"c", Strings({"b", "a", "c", std::nullopt})}});
  TransformPipeline p = FitSpec(R"({"steps": [{"kind": "ordinal", "columns": ["c"]}]})", t);
  EXPECT_THAT(Output(p, t, "c"), ElementsAre(Optional(1.0), Optional(0.0), Optional(2.0),
                                             std::nullopt));
  EXPECT_THAT(p.Transform(MakeTable({{"c", Strings({"zz"})}})).status().message(),
              HasSubstr("row 0: unknown category 'zz' (no unknown_value set)"));
  TransformPipeline lenient = FitSpec(
      R"({"steps": [{"kind": "ordinal", "columns": ["c"], "unknown_value": -1}]})", t);
  EXPECT_THAT(Output(lenient, MakeTable({{"c", Strings({"zz", "c"})}}), "c"),
              ElementsAre(Optional(-1.0), Optional(2.0)));
}

TEST(TargetEncoderTest, SmoothedMeansAndUnseen) {
  // global mean 0.75; a: (1 + 0 + 1 * 0.75) / (2 + 1); b: (1 + 0.75) / 2.
  table::Table t = MakeTable({{"c", Strings({"a", "a", "b", std::nullopt})},
                              {"y", Floats({1, 0, 1, 1})}});
  TransformPipeline p =
      FitSpec(R"({"steps": [{"kind": "target_encoder", "columns": ["c"]}]})", t, "y");
  table::Table probe = MakeTable({{"c", Strings({"a", "b", "zz", std::nullopt})}});
  EXPECT_THAT(Output(p, probe, "c"), ElementsAre(Optional(1.75 / 3), Optional(0.875),
                                                 Optional(0.75), Optional(0.75)));
  TransformPipeline m0 = FitSpec(
      R"({"steps": [{"kind": "target_encoder", "columns": ["c"], "smoothing": 0}]})", t, "y");
  EXPECT_THAT(Output(m0, probe, "c")[0], Optional(0.5));
  auto needs = TransformPipeline::FromSpecJson(
      R"({"steps": [{"kind": "target_encoder", "columns": ["c"]}]})");
  ASSERT_TRUE(needs.ok());
  EXPECT_THAT(needs->Fit(t).message(), HasSubstr("needs a target column"));
  EXPECT_TRUE(absl::IsNotFound(needs->Fit(t, "nope")));
  EXPECT_THAT(needs->Fit(t, "c").message(), HasSubstr("the target must be a number column"));
}

TEST(EncodersTest, BoolAndFloatKeys) {
  table::ColumnBuilder b(table::DataType::kBool);
  b.AppendBool(true);
  b.AppendBool(false);
  table::Table t = MakeTable({{"flag", b.Finish()}, {"f", Floats({0.5, 2})}});
  TransformPipeline p =
      FitSpec(R"({"steps": [{"kind": "ordinal", "columns": ["flag", "f"]}]})", t);
  absl::StatusOr<table::Table> out = p.Transform(t);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(NumbersOf(out->column(0)), ElementsAre(Optional(1.0), Optional(0.0)));
  absl::StatusOr<Row> row = p.TransformRow({{"flag", Value(false)}, {"f", Value(2.0)}});
  ASSERT_TRUE(row.ok()) << row.status();
  EXPECT_EQ(std::get<double>((*row)[0].second), 0.0);
  EXPECT_EQ(std::get<double>((*row)[1].second), 1.0);
}

}  // namespace
}  // namespace strata::data
