#include <string>

#include "gtest/gtest.h"
#include "strata/data/profile.h"

namespace strata::data {
namespace {

using table::ColumnBuilder;
using table::DataType;
using table::Field;
using table::Schema;
using table::Table;

TEST(ProfileHtmlTest, EscapesNamesAndValuesAndNeedsNoNetwork) {
  const std::string evil = "<script>alert(1)</script>";
  ColumnBuilder a(DataType::kInt64), b(DataType::kFloat64), s(DataType::kString);
  for (int i = 0; i < 100; ++i) {
    a.AppendInt64(i);
    b.AppendFloat64(i * 0.25);
    s.AppendString(i % 2 == 0 ? evil : "x&y\"'");
  }
  Table t = *Table::Make(Schema({Field{evil, DataType::kInt64}, Field{"b", DataType::kFloat64},
                                 Field{"s", DataType::kString}}),
                         {a.Finish(), b.Finish(), s.Finish()});
  absl::StatusOr<TableProfile> p = ProfileTable(t);
  ASSERT_TRUE(p.ok());
  const std::string html = ProfileToHtml(*p, "title <b>");
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("x&amp;y&quot;&#39;"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("class=\"histogram\""), std::string::npos);
  EXPECT_NE(html.find("class=\"topvalues\""), std::string::npos);
  EXPECT_NE(html.find("class=\"heatmap\""), std::string::npos);
  EXPECT_NE(html.find("class=\"nullbar\""), std::string::npos);
}

TEST(ProfileHtmlTest, EmptyProfileStillRenders) {
  absl::StatusOr<TableProfile> p = ProfileTable(Table());
  const std::string html = ProfileToHtml(*p, "empty");
  EXPECT_NE(html.find("0 rows"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

}  // namespace
}  // namespace strata::data
