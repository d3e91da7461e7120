#include "strata/table/table.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::table {
namespace {

using ::testing::HasSubstr;

Column Ints(std::vector<int64_t> values) {
  ColumnBuilder b(DataType::kInt64);
  for (int64_t v : values) b.AppendInt64(v);
  return b.Finish();
}

Column Strings(std::vector<std::string> values) {
  ColumnBuilder b(DataType::kString);
  for (const std::string& v : values) b.AppendString(v);
  return b.Finish();
}

Table Sample() {
  auto t = Table::Make(Schema({{"id", DataType::kInt64}, {"name", DataType::kString}}),
                       {Ints({1, 2, 3, 4}), Strings({"a", "b", "c", "d"})});
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

TEST(TableTest, MakeValidatesShape) {
  Table t = Sample();
  EXPECT_EQ(t.num_rows(), 4);
  EXPECT_EQ(t.num_columns(), 2);
  EXPECT_EQ(t.schema().ToString(), "id: int64, name: string");
  EXPECT_EQ(t.schema().FieldIndex("name"), 1);
  EXPECT_EQ(t.schema().FieldIndex("nope"), std::nullopt);

  auto ragged = Table::Make(Schema({{"id", DataType::kInt64}, {"name", DataType::kString}}),
                            {Ints({1, 2}), Strings({"a"})});
  EXPECT_EQ(ragged.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ragged.status().message()), HasSubstr("'name' has 1 rows"));
  auto wrong_type = Table::Make(Schema({{"id", DataType::kFloat64}}), {Ints({1})});
  EXPECT_THAT(std::string(wrong_type.status().message()),
              HasSubstr("'id' is float64 but its column is int64"));
  auto repeated = Table::Make(Schema({{"a", DataType::kInt64}, {"a", DataType::kInt64}}),
                              {Ints({1}), Ints({2})});
  EXPECT_THAT(std::string(repeated.status().message()), HasSubstr("repeated"));
  auto unnamed = Table::Make(Schema({{"", DataType::kInt64}}), {Ints({1})});
  EXPECT_EQ(unnamed.status().code(), absl::StatusCode::kInvalidArgument);
  auto count = Table::Make(Schema({{"a", DataType::kInt64}}), {});
  EXPECT_EQ(count.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TableTest, ColumnByNameNamesTheAlternatives) {
  Table t = Sample();
  auto c = t.ColumnByName("name");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->StringAt(2), "c");
  auto missing = t.ColumnByName("age");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("has: id, name"));
}

TEST(TableTest, SliceAndSelectShareStorage) {
  Table t = Sample();
  Table s = t.Slice(1, 2);
  EXPECT_EQ(s.num_rows(), 2);
  EXPECT_TRUE(s.column(0).SharesStorageWith(t.column(0)));
  EXPECT_EQ(s.column(1).StringAt(0), "b");
  EXPECT_EQ(t.Slice(3, 10).num_rows(), 1);

  auto sel = t.Select({"name"});
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->num_columns(), 1);
  EXPECT_EQ(sel->num_rows(), 4);
  EXPECT_TRUE(sel->column(0).SharesStorageWith(t.column(1)));
  EXPECT_EQ(t.Select({"name", "nope"}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(t.Select({"id", "id"}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TableTest, FilterKeepsTrueRowsAndDropsNulls) {
  Table t = Sample();
  ColumnBuilder mask(DataType::kBool);
  mask.AppendBool(true);
  mask.AppendBool(false);
  mask.AppendNull();
  mask.AppendBool(true);
  auto f = t.Filter(mask.Finish());
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->num_rows(), 2);
  EXPECT_EQ(f->column(0).Int64s()[1], 4);
  EXPECT_EQ(f->column(1).StringAt(1), "d");
  EXPECT_EQ(t.Filter(Ints({1, 1, 1, 1})).status().code(), absl::StatusCode::kInvalidArgument);
  ColumnBuilder short_mask(DataType::kBool);
  short_mask.AppendBool(true);
  EXPECT_EQ(t.Filter(short_mask.Finish()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TableTest, TakeReordersAndChecksBounds) {
  Table t = Sample();
  auto taken = t.Take(std::vector<int64_t>{3, 3, 0});
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->num_rows(), 3);
  EXPECT_EQ(taken->column(1).StringAt(0), "d");
  EXPECT_EQ(taken->column(1).StringAt(2), "a");
  auto bad = t.Take(std::vector<int64_t>{0, 4});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("at position 1"));
}

}  // namespace
}  // namespace strata::table
