#include "strata/table/column.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace strata::table {
namespace {

TEST(ColumnTest, BuildsEveryTypeWithNulls) {
  ColumnBuilder ints(DataType::kInt64);
  ints.AppendInt64(7);
  ints.AppendNull();
  ints.AppendInt64(-3);
  Column c = ints.Finish();
  EXPECT_EQ(c.type(), DataType::kInt64);
  ASSERT_EQ(c.size(), 3);
  EXPECT_EQ(c.null_count(), 1);
  EXPECT_FALSE(c.IsNull(0));
  EXPECT_TRUE(c.IsNull(1));
  EXPECT_EQ(c.Int64s()[0], 7);
  EXPECT_EQ(c.Int64s()[1], 0);  // a null slot holds 0
  EXPECT_EQ(c.Int64s()[2], -3);

  ColumnBuilder strings(DataType::kString);
  strings.AppendString("alpha");
  strings.AppendString("");
  strings.AppendNull();
  strings.AppendString(std::string("nul\0byte", 8));
  Column s = strings.Finish();
  ASSERT_EQ(s.size(), 4);
  EXPECT_EQ(s.StringAt(0), "alpha");
  EXPECT_EQ(s.StringAt(1), "");
  EXPECT_FALSE(s.IsNull(1));  // empty is not null
  EXPECT_TRUE(s.IsNull(2));
  EXPECT_EQ(s.StringAt(3), std::string_view("nul\0byte", 8));

  ColumnBuilder floats(DataType::kFloat64);
  floats.AppendFloat64(0.5);
  floats.AppendFloat64(std::nan(""));  // NaN is a value, not a null
  Column f = floats.Finish();
  EXPECT_EQ(f.null_count(), 0);
  EXPECT_TRUE(std::isnan(f.Float64s()[1]));

  ColumnBuilder bools(DataType::kBool);
  bools.AppendBool(true);
  bools.AppendNull();
  bools.AppendBool(false);
  Column b = bools.Finish();
  EXPECT_EQ(b.Bools()[0], 1);
  EXPECT_TRUE(b.IsNull(1));
  EXPECT_EQ(b.Bools()[2], 0);

  ColumnBuilder ts(DataType::kTimestamp);
  ts.AppendInt64(1700000000000000);
  Column t = ts.Finish();
  EXPECT_EQ(t.type(), DataType::kTimestamp);
  EXPECT_EQ(t.Int64s()[0], 1700000000000000);
}

TEST(ColumnTest, NullBitmapAppearsOnlyWithTheFirstNullAndSpansWords) {
  ColumnBuilder b(DataType::kInt64);
  for (int i = 0; i < 200; ++i) {
    if (i == 130 || i == 199) {
      b.AppendNull();
    } else {
      b.AppendInt64(i);
    }
  }
  Column c = b.Finish();
  EXPECT_EQ(c.null_count(), 2);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(c.IsNull(i), i == 130 || i == 199) << i;
  // The builder starts over after Finish().
  EXPECT_EQ(b.size(), 0);
  b.AppendInt64(1);
  EXPECT_EQ(b.Finish().null_count(), 0);
}

TEST(ColumnTest, SlicesShareStorageAndCountTheirOwnNulls) {
  ColumnBuilder b(DataType::kString);
  for (int i = 0; i < 100; ++i) {
    if (i % 10 == 0) {
      b.AppendNull();
    } else {
      b.AppendString("v" + std::to_string(i));
    }
  }
  Column c = b.Finish();
  Column s = c.Slice(65, 20);  // rows 65..84: nulls at 70 and 80
  EXPECT_TRUE(s.SharesStorageWith(c));
  ASSERT_EQ(s.size(), 20);
  EXPECT_EQ(s.null_count(), 2);
  EXPECT_EQ(s.StringAt(0), "v65");
  EXPECT_TRUE(s.IsNull(5));
  Column ss = s.Slice(6, 100);  // clamped: rows 71..84
  EXPECT_EQ(ss.size(), 14);
  EXPECT_EQ(ss.StringAt(0), "v71");
  EXPECT_EQ(ss.null_count(), 1);
  EXPECT_EQ(c.Slice(-5, 3).size(), 3);
  EXPECT_EQ(c.Slice(500, 3).size(), 0);
}

TEST(ColumnTest, TakeCopiesRowsInTheGivenOrder) {
  ColumnBuilder b(DataType::kFloat64);
  b.AppendFloat64(1.5);
  b.AppendNull();
  b.AppendFloat64(3.5);
  Column c = b.Finish();
  Column t = c.Slice(1, 2).Take(std::vector<int64_t>{1, 0, 1});
  EXPECT_FALSE(t.SharesStorageWith(c));
  ASSERT_EQ(t.size(), 3);
  EXPECT_EQ(t.Float64s()[0], 3.5);
  EXPECT_TRUE(t.IsNull(1));
  EXPECT_EQ(t.Float64s()[2], 3.5);
  EXPECT_EQ(t.null_count(), 1);
}

TEST(ColumnTest, DefaultColumnIsEmptyInt64) {
  Column c;
  EXPECT_EQ(c.type(), DataType::kInt64);
  EXPECT_EQ(c.size(), 0);
  EXPECT_TRUE(c.Int64s().empty());
  EXPECT_EQ(DataTypeName(DataType::kTimestamp), "timestamp");
}

TEST(ColumnDeathTest, ReadingAsAnotherTypeAborts) {
  ColumnBuilder b(DataType::kInt64);
  b.AppendInt64(1);
  Column c = b.Finish();
  EXPECT_DEATH((void)c.Float64s(), "");
  ColumnBuilder s(DataType::kString);
  EXPECT_DEATH(s.AppendInt64(1), "");
}


TEST(CategoryColumnTest, InternsValuesAndReadsThemBack) {
  ColumnBuilder b(DataType::kCategory);
  b.AppendString("red");
  b.AppendString("blue");
  b.AppendNull();
  b.AppendString("red");
  Column c = b.Finish();
  ASSERT_EQ(c.type(), DataType::kCategory);
  EXPECT_EQ(c.DictionarySize(), 2);
  EXPECT_EQ(c.StringAt(0), "red");
  EXPECT_EQ(c.StringAt(1), "blue");
  EXPECT_TRUE(c.IsNull(2));
  EXPECT_EQ(c.StringAt(3), "red");
  EXPECT_EQ(c.CategoryCodes()[0], c.CategoryCodes()[3]);
  absl::StatusOr<Column> strings = c.ToStrings();
  ASSERT_TRUE(strings.ok());
  EXPECT_EQ(strings->type(), DataType::kString);
  EXPECT_EQ(strings->StringAt(1), "blue");
  EXPECT_EQ(strings->null_count(), 1);
  absl::StatusOr<Column> back = strings->ToCategory();
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->DictionarySize(), 2);
  EXPECT_EQ(c.Slice(1, 3).StringAt(2), "red");
  EXPECT_EQ(c.Take({3, -1}).StringAt(0), "red");
}

TEST(ColumnBuffersTest, AdoptsConsistentBuffersAndRejectsLies) {
  ColumnBuffers ok;
  ok.type = DataType::kString;
  ok.rows = 2;
  ok.offsets = {0, 2, 5};
  ok.bytes = "abcde";
  ok.validity = {0b01};
  absl::StatusOr<Column> c = Column::FromBuffers(ok);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->StringAt(0), "ab");
  EXPECT_TRUE(c->IsNull(1));
  EXPECT_EQ(c->null_count(), 1);

  ColumnBuffers bad = ok;
  bad.offsets = {0, 4, 3};
  EXPECT_FALSE(Column::FromBuffers(bad).ok());
  bad = ok;
  bad.rows = 3;
  EXPECT_FALSE(Column::FromBuffers(bad).ok());

  ColumnBuffers cat;
  cat.type = DataType::kCategory;
  cat.rows = 2;
  cat.offsets = {0, 1};
  cat.bytes = "x";
  cat.codes = {0, 7};
  EXPECT_FALSE(Column::FromBuffers(cat).ok());  // code 7 names no dictionary entry
  cat.validity = {0b01};                        // ... unless that row is null
  absl::StatusOr<Column> cc = Column::FromBuffers(cat);
  ASSERT_TRUE(cc.ok()) << cc.status();
  EXPECT_EQ(cc->StringAt(0), "x");
}

TEST(ColumnConcatTest, JoinsPartsAndMergesDictionaries) {
  ColumnBuilder a(DataType::kCategory);
  a.AppendString("p");
  a.AppendString("q");
  ColumnBuilder b(DataType::kCategory);
  b.AppendString("q");
  b.AppendNull();
  b.AppendString("r");
  Column parts[] = {a.Finish(), b.Finish()};
  absl::StatusOr<Column> c = Column::Concat(parts);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), 5);
  EXPECT_EQ(c->DictionarySize(), 3);
  EXPECT_EQ(c->StringAt(2), "q");
  EXPECT_TRUE(c->IsNull(3));
  EXPECT_EQ(c->StringAt(4), "r");
  ColumnBuilder ints(DataType::kInt64);
  ints.AppendInt64(1);
  Column mixed[] = {parts[0], ints.Finish()};
  EXPECT_FALSE(Column::Concat(mixed).ok());
}

}  // namespace
}  // namespace strata::table
