#include "strata/cli/internal/transform_csv_out.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "strata/io/csv_reader.h"

namespace strata::cli {
namespace {

TEST(TransformCsvOutTest, QuotesNullsAndRoundTripsThroughTheReader) {
  table::ColumnBuilder s(table::DataType::kString), d(table::DataType::kFloat64),
      i(table::DataType::kInt64);
  s.AppendString("a,b");
  s.AppendString("say \"hi\"");
  s.AppendString("");
  s.AppendNull();
  d.AppendFloat64(0.1);
  d.AppendNull();
  d.AppendFloat64(-1e300);
  d.AppendFloat64(1.0 / 3);
  for (int64_t v : {1, 2, 3}) i.AppendInt64(v);
  i.AppendNull();
  auto t = table::Table::Make(table::Schema({{"s", table::DataType::kString},
                                             {"city=a", table::DataType::kFloat64},
                                             {"i", table::DataType::kInt64}}),
                              {s.Finish(), d.Finish(), i.Finish()});
  ASSERT_TRUE(t.ok()) << t.status();
  const std::string path = ::testing::TempDir() + "/transform_csv_out_test.csv";
  ASSERT_TRUE(WriteTransformCsv(*t, path).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "s,city=a,i\n\"a,b\",0.1,1\n\"say \"\"hi\"\"\",,2\n\"\",-1e+300,3\n,"
            "0.3333333333333333,\n");
  absl::StatusOr<table::Table> back = io::ReadCsv(text.str());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->column(0).StringAt(1), "say \"hi\"");
  EXPECT_FALSE(back->column(0).IsNull(2));  // "" stays an empty string
  EXPECT_TRUE(back->column(0).IsNull(3));
  EXPECT_EQ(back->column(1).Float64s()[3], 1.0 / 3);  // exact
  EXPECT_TRUE(back->column(1).IsNull(1));
  EXPECT_FALSE(WriteTransformCsv(*t, "/nonexistent-dir/x.csv").ok());
}

}  // namespace
}  // namespace strata::cli
