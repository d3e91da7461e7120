#include "strata/data/internal/sql_vtab.h"

#include <cmath>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::data::internal {
namespace {

using table::ColumnBuilder;
using table::DataType;
using ::testing::ElementsAre;

TEST(SqlVtabTest, DeclaredTypesRoundTrip) {
  for (DataType type : {DataType::kBool, DataType::kInt64, DataType::kFloat64, DataType::kString,
                        DataType::kTimestamp, DataType::kCategory}) {
    EXPECT_EQ(TypeFromDeclared(DeclaredType(type)), type);
  }
  EXPECT_EQ(TypeFromDeclared(nullptr), std::nullopt);
  EXPECT_EQ(TypeFromDeclared("INTEGER"), std::nullopt);
}

// f: 0.0, null, -0.0, 2.5, NaN, -1   s: "b", "a", null, "b", "", "a"
table::Table Mixed() {
  ColumnBuilder f(DataType::kFloat64), s(DataType::kString);
  f.AppendFloat64(0.0);
  f.AppendNull();
  f.AppendFloat64(-0.0);
  f.AppendFloat64(2.5);
  f.AppendFloat64(std::nan(""));
  f.AppendFloat64(-1);
  for (const char* v : {"b", "a"}) s.AppendString(v);
  s.AppendNull();
  for (const char* v : {"b", "", "a"}) s.AppendString(v);
  auto t = table::Table::Make(
      table::Schema({{"f", DataType::kFloat64}, {"we\"ird", DataType::kString}}),
      {f.Finish(), s.Finish()});
  EXPECT_TRUE(t.ok());
  return *t;
}

TEST(SqlVtabTest, DeclarationQuotesNames) {
  int declaring = 0;
  SqlTableSource source("t", Mixed(), &declaring);
  EXPECT_EQ(source.DeclarationSql(), "CREATE TABLE x(\"f\" FLOAT64, \"we\"\"ird\" TEXT)");
  EXPECT_TRUE(source.CheckDeclarable().ok());
}

TEST(SqlVtabTest, SortedOrderFollowsSqlite) {
  int declaring = 0;
  SqlTableSource source("t", Mixed(), &declaring);
  // Ascending: NULL and NaN first, -0.0 equal to 0.0 (ties keep row order), then by value.
  EXPECT_THAT(source.SortedOrder({{.column = 0}}), ElementsAre(1, 4, 5, 0, 2, 3));
  EXPECT_THAT(source.SortedOrder({{.column = 0, .descending = true}}), ElementsAre(3, 0, 2, 5, 1, 4));
  EXPECT_THAT(source.SortedOrder({{.column = 1}, {.column = 0, .descending = true}}),
              ElementsAre(2, 4, 5, 1, 3, 0));
}

TEST(SqlVtabTest, RepeatedScansBuildAnIndex) {
  ColumnBuilder k(DataType::kInt64);
  for (int64_t i = 0; i < 100; ++i) k.AppendInt64(i % 7);
  auto t = table::Table::Make(table::Schema({{"k", DataType::kInt64}}), {k.Finish()});
  ASSERT_TRUE(t.ok());
  int declaring = 0;
  SqlTableSource source("t", *t, &declaring);
  EXPECT_EQ(source.IndexFor(0), nullptr);
  source.RecordScan(0, 1000);  // below 4 x rows + 1024
  EXPECT_EQ(source.IndexFor(0), nullptr);
  source.RecordScan(0, 1000);
  const SortedColumnIndex* index = source.IndexFor(0);
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(source.stats().indexes_built, 1);
  ASSERT_EQ(index->rows.size(), 100u);
  EXPECT_TRUE(std::is_sorted(index->int_keys.begin(), index->int_keys.end()));
  for (size_t i = 0; i < index->rows.size(); ++i) {
    EXPECT_EQ(index->int_keys[i], index->rows[i] % 7);
  }
}

TEST(SqlVtabTest, CategoryCodes) {
  ColumnBuilder s(DataType::kString);
  for (const char* v : {"x", "y", "x"}) s.AppendString(v);
  auto category = s.Finish().ToCategory();
  ASSERT_TRUE(category.ok());
  auto t = table::Table::Make(table::Schema({{"c", DataType::kCategory}}), {*category});
  ASSERT_TRUE(t.ok());
  int declaring = 0;
  SqlTableSource source("t", *t, &declaring);
  ASSERT_TRUE(source.CategoryCode(0, "y").has_value());
  EXPECT_EQ(category->DictionaryAt(*source.CategoryCode(0, "y")), "y");
  EXPECT_FALSE(source.CategoryCode(0, "z").has_value());
}

}  // namespace
}  // namespace strata::data::internal
