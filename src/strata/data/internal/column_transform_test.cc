#include "strata/data/internal/column_transform.h"

#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/data/testing/transform_tables.h"

namespace strata::data::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CellReadersTest, NumbersFromValues) {
  EXPECT_FALSE(NumericOf(Value(), "w")->present);
  EXPECT_EQ(NumericOf(Value(true), "w")->value, 1.0);
  EXPECT_EQ(NumericOf(Value(int64_t{-3}), "w")->value, -3.0);
  EXPECT_FALSE(NumericOf(Value(std::nan("")), "w")->present);
  EXPECT_THAT(NumericOf(Value(std::string("x")), "w").status().message(),
              HasSubstr("w: expected a number"));
}

TEST(CellReadersTest, CategoryKeysAgreeBetweenColumnsAndValues) {
  KeyBuffer a, b;
  EXPECT_EQ(CategoryKeyOf(Value(int64_t{42}), &a).key, "42");
  EXPECT_EQ(CategoryKeyOf(Value(0.1), &a).key, "0.1");
  EXPECT_EQ(CategoryKeyOf(Value(false), &a).key, "false");
  EXPECT_FALSE(CategoryKeyOf(Value(), &a).present);
  table::Column ints = testing::Ints({42, std::nullopt});
  EXPECT_EQ(CategoryKeyAt(ints, 0, &b).key, "42");
  EXPECT_FALSE(CategoryKeyAt(ints, 1, &b).present);
  table::Column floats = testing::Floats({0.1, std::nan("")});
  EXPECT_EQ(CategoryKeyAt(floats, 0, &b).key, "0.1");
  EXPECT_FALSE(CategoryKeyAt(floats, 1, &b).present);
  EXPECT_EQ(DoubleKey(std::numeric_limits<double>::max(), &b), "1.7976931348623157e+308");
}

TEST(CellReadersTest, ForEachCategoryEvaluatesDictionaryOnce) {
  table::Column c = testing::Strings({"x", "y", "x", std::nullopt, "x"}, table::DataType::kCategory);
  int calls = 0;
  std::string seen;
  ForEachCategory(
      c,
      [&](CategoryCell cell) {
        ++calls;
        return cell.present ? std::string(cell.key) : std::string("-");
      },
      [&](int64_t, const std::string& s) { seen += s; });
  EXPECT_EQ(seen, "xyx-x");
  EXPECT_EQ(calls, 3);  // null + two dictionary entries
}

TEST(CellReadersTest, SortedCategoriesInScikitLearnOrder) {
  std::vector<CategoryCount> ints = SortedCategories(testing::Ints({10, 9, 10, std::nullopt}));
  ASSERT_EQ(ints.size(), 2u);
  EXPECT_EQ(ints[0].key, "9");
  EXPECT_EQ(ints[1].key, "10");
  EXPECT_EQ(ints[1].count, 2);
  std::vector<CategoryCount> s = SortedCategories(testing::Strings({"b", "B", "a"}));
  EXPECT_EQ(s[0].key, "B");
  EXPECT_EQ(s[2].key, "b");
}

TEST(NumberColumnWriterTest, NullsAndInts) {
  NumberColumnWriter w(table::DataType::kInt64, 3);
  w.SetInt(0, 5);
  w.SetNull(1);
  w.SetInt(2, 7);
  absl::StatusOr<table::Column> c = w.Finish();
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(testing::NumbersOf(*c), ElementsAre(5.0, std::nullopt, 7.0));
}

TEST(MakeColumnTransformTest, UnknownKindListsKnownOnes) {
  Json j = Json::object();
  SpecReader r(j, "step 1 (nope)");
  auto t = MakeColumnTransform("nope", r);
  EXPECT_THAT(r.status().message(), HasSubstr("unknown kind 'nope' (known: standard_scaler"));
}

}  // namespace
}  // namespace strata::data::internal
