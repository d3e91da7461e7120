#include "strata/io/parse_value.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "strata/io/csv_reader.h"
#include "strata/table/column.h"

namespace strata::io {
namespace {

using table::ColumnBuilder;
using table::DataType;

TEST(ParseValueTest, IntegersAreDigitsOnly) {
  int64_t v = 0;
  EXPECT_TRUE(ParseInt64("+42", &v));
  EXPECT_EQ(v, 42);
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
  for (const char* bad : {"", "+", " 1", "1.0", "1e3", "9223372036854775808", "0x10"}) {
    EXPECT_FALSE(ParseInt64(bad, &v)) << bad;
  }
}

TEST(ParseValueTest, FloatsAndBools) {
  double d = 0;
  EXPECT_TRUE(ParseFloat64("1e3", &d));
  EXPECT_EQ(d, 1000);
  EXPECT_TRUE(ParseFloat64("nan", &d));
  EXPECT_TRUE(std::isnan(d));
  EXPECT_FALSE(ParseFloat64("1.5x", &d));
  bool b = false;
  EXPECT_TRUE(ParseBool("TRUE", &b));
  EXPECT_TRUE(b);
  EXPECT_FALSE(ParseBool("yes", &b));
}

TEST(ParseValueTest, FormatCellReadsBack) {
  ColumnBuilder f(DataType::kFloat64);
  f.AppendFloat64(0.1);
  f.AppendFloat64(1e21);
  f.AppendNull();
  table::Column c = f.Finish();
  EXPECT_EQ(FormatCell(c, 0), "0.1");
  double back = 0;
  ASSERT_TRUE(ParseFloat64(FormatCell(c, 1), &back));
  EXPECT_EQ(back, 1e21);
  EXPECT_EQ(FormatCell(c, 2), "");
  ColumnBuilder t(DataType::kTimestamp);
  t.AppendInt64(1500);
  EXPECT_EQ(FormatCell(t.Finish(), 0), "1970-01-01 00:00:00.001500");
  ColumnBuilder s(DataType::kCategory);
  s.AppendString("x");
  EXPECT_EQ(FormatCell(s.Finish(), 0), "x");
}

}  // namespace
}  // namespace strata::io
