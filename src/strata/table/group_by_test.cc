#include "strata/table/group_by.h"

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::table {
namespace {

using ::testing::HasSubstr;

// city   amount  qty   ok
// paris  1.5     2     true
// rome   NaN     null  false
// paris  2.5     3     null
// null   4.0     1     true
// rome   null    5     true
// paris  -0.5    4     false
Table Sales() {
  ColumnBuilder city(DataType::kString), amount(DataType::kFloat64), qty(DataType::kInt64),
      ok(DataType::kBool);
  const std::vector<std::optional<std::string>> cities = {"paris", "rome", "paris",
                                                          std::nullopt, "rome", "paris"};
  const std::vector<std::optional<double>> amounts = {1.5, std::nan(""), 2.5, 4.0,
                                                      std::nullopt, -0.5};
  const std::vector<std::optional<int64_t>> qtys = {2, std::nullopt, 3, 1, 5, 4};
  const std::vector<std::optional<bool>> oks = {true, false, std::nullopt, true, true, false};
  for (size_t i = 0; i < cities.size(); ++i) {
    cities[i] ? city.AppendString(*cities[i]) : city.AppendNull();
    amounts[i] ? amount.AppendFloat64(*amounts[i]) : amount.AppendNull();
    qtys[i] ? qty.AppendInt64(*qtys[i]) : qty.AppendNull();
    oks[i] ? ok.AppendBool(*oks[i]) : ok.AppendNull();
  }
  auto t = Table::Make(Schema({{"city", DataType::kString},
                               {"amount", DataType::kFloat64},
                               {"qty", DataType::kInt64},
                               {"ok", DataType::kBool}}),
                       {city.Finish(), amount.Finish(), qty.Finish(), ok.Finish()});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

TEST(GroupByTest, CommonAggregatesSkipNullsAndNan) {
  auto g = GroupBy(Sales(), {"city"},
                   {{AggregateOp::kCount, ""},
                    {AggregateOp::kCount, "amount"},
                    {AggregateOp::kSum, "amount"},
                    {AggregateOp::kMean, "qty"},
                    {AggregateOp::kMin, "amount"},
                    {AggregateOp::kMax, "city", "last_city"},
                    {AggregateOp::kSum, "ok", "oks"}});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->schema().ToString(),
            "city: string, count(*): int64, count(amount): int64, sum(amount): float64, "
            "mean(qty): float64, min(amount): float64, last_city: string, oks: int64");
  ASSERT_EQ(g->num_rows(), 3);  // paris, rome, null in order of first appearance
  const Column& city = g->column(0);
  EXPECT_EQ(city.StringAt(0), "paris");
  EXPECT_EQ(city.StringAt(1), "rome");
  EXPECT_TRUE(city.IsNull(2));
  EXPECT_EQ(g->column(1).Int64s()[0], 3);
  EXPECT_EQ(g->column(1).Int64s()[1], 2);
  EXPECT_EQ(g->column(2).Int64s()[1], 0);  // rome: NaN and null both skipped
  EXPECT_DOUBLE_EQ(g->column(3).Float64s()[0], 3.5);
  EXPECT_TRUE(g->column(3).IsNull(1));      // rome: nothing left to sum
  EXPECT_DOUBLE_EQ(g->column(4).Float64s()[0], 3.0);
  EXPECT_DOUBLE_EQ(g->column(4).Float64s()[1], 5.0);
  EXPECT_DOUBLE_EQ(g->column(5).Float64s()[0], -0.5);
  EXPECT_EQ(g->column(6).StringAt(0), "paris");
  EXPECT_TRUE(g->column(6).IsNull(2));
  EXPECT_EQ(g->column(7).Int64s()[0], 1);
  EXPECT_EQ(g->column(7).Int64s()[1], 1);
}

TEST(GroupByTest, CompositeKeysNullAndNanGroups) {
  ColumnBuilder a(DataType::kFloat64), b(DataType::kString);
  for (double v : {0.0, -0.0, std::nan(""), -std::nan("")}) a.AppendFloat64(v);
  a.AppendNull();
  for (const char* s : {"x", "x", "y", "y", "y"}) b.AppendString(s);
  auto t = Table::Make(Schema({{"a", DataType::kFloat64}, {"b", DataType::kString}}),
                       {a.Finish(), b.Finish()});
  ASSERT_TRUE(t.ok());
  auto g = GroupBy(*t, {"a", "b"}, {{AggregateOp::kCount, ""}});
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->num_rows(), 3);  // (0, x) x2, (NaN, y) x2, (null, y)
  EXPECT_EQ(g->column(2).Int64s()[0], 2);
  EXPECT_EQ(g->column(2).Int64s()[1], 2);
  EXPECT_TRUE(std::isnan(g->column(0).Float64s()[1]));
  EXPECT_TRUE(g->column(0).IsNull(2));
  // Keys that only differ by where a string ends do not collide.
  ColumnBuilder p(DataType::kString), q(DataType::kString);
  p.AppendString("ab");
  q.AppendString("c");
  p.AppendString("a");
  q.AppendString("bc");
  auto t2 = Table::Make(Schema({{"p", DataType::kString}, {"q", DataType::kString}}),
                        {p.Finish(), q.Finish()});
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(GroupBy(*t2, {"p", "q"}, {})->num_rows(), 2);
}

TEST(GroupByTest, IntegerSumsAndEmptyInput) {
  auto g = GroupBy(Sales().Slice(0, 0), {"city"}, {{AggregateOp::kSum, "qty"}});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->num_rows(), 0);
  EXPECT_EQ(g->schema().field(1).type, DataType::kInt64);
  auto by_ok = GroupBy(Sales(), {"ok"}, {{AggregateOp::kSum, "qty"}});
  ASSERT_TRUE(by_ok.ok());
  ASSERT_EQ(by_ok->num_rows(), 3);  // true, false, null
  EXPECT_EQ(by_ok->column(1).Int64s()[0], 8);  // 2 + 1 + 5
  EXPECT_EQ(by_ok->column(1).Int64s()[1], 4);  // null + 4
}

TEST(GroupByTest, ErrorsNameTheProblem) {
  EXPECT_EQ(GroupBy(Sales(), {}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GroupBy(Sales(), {"nope"}, {}).status().code(), absl::StatusCode::kNotFound);
  auto bad = GroupBy(Sales(), {"qty"}, {{AggregateOp::kSum, "city"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("sum does not apply to column 'city' of type string"));
  EXPECT_EQ(GroupBy(Sales(), {"city"}, {{AggregateOp::kMean, ""}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto twice = GroupBy(Sales(), {"city"}, {{AggregateOp::kCount, ""}, {AggregateOp::kCount, ""}});
  EXPECT_THAT(std::string(twice.status().message()), HasSubstr("repeated"));
  EXPECT_EQ(GroupBy(Sales(), {"city", "city"}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata::table
