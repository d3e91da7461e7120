#include "strata/io/csv_writer.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/io/csv_reader.h"

namespace strata::io {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;
using ::testing::HasSubstr;

table::Table Tricky() {
  ColumnBuilder s(DataType::kString);
  for (const char* v : {"plain", "a,b", "say \"hi\"", "two\nlines", "", "NA"}) s.AppendString(v);
  ColumnBuilder f(DataType::kFloat64);
  for (double v : {0.1, 1e300, -0.0, std::numeric_limits<double>::quiet_NaN(),
                   std::numeric_limits<double>::infinity(), 1.0 / 3}) {
    f.AppendFloat64(v);
  }
  ColumnBuilder i(DataType::kInt64);
  for (int64_t v : {int64_t{1}, std::numeric_limits<int64_t>::min(), int64_t{0}, int64_t{7},
                    int64_t{-3}}) {
    i.AppendInt64(v);
  }
  i.AppendNull();
  ColumnBuilder ts(DataType::kTimestamp);
  for (int64_t v : {int64_t{0}, int64_t{1709251200000000}, int64_t{1709251200250000},
                    int64_t{-86400000000}, int64_t{1}, int64_t{2}}) {
    ts.AppendInt64(v);
  }
  ColumnBuilder b(DataType::kBool);
  b.AppendBool(true);
  b.AppendBool(false);
  b.AppendNull();
  b.AppendBool(true);
  b.AppendBool(true);
  b.AppendBool(false);
  auto t = table::Table::Make(
      table::Schema({{"s", DataType::kString},
                     {"f", DataType::kFloat64},
                     {"i", DataType::kInt64},
                     {"ts", DataType::kTimestamp},
                     {"b", DataType::kBool}}),
      {s.Finish(), f.Finish(), i.Finish(), ts.Finish(), b.Finish()});
  return *t;
}

TEST(CsvWriterTest, RoundTripsValuesTypesAndNulls) {
  const table::Table t = Tricky();
  auto text = WriteCsv(t);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_THAT(*text, HasSubstr("\"a,b\""));
  EXPECT_THAT(*text, HasSubstr("\"say \"\"hi\"\"\""));
  auto back = ReadCsv(*text);
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << *text;
  EXPECT_EQ(back->schema().ToString(), t.schema().ToString());
  ASSERT_EQ(back->num_rows(), t.num_rows());
  for (int64_t r = 0; r < t.num_rows(); ++r) {
    EXPECT_EQ(back->column(0).StringAt(r), t.column(0).StringAt(r)) << r;
    EXPECT_FALSE(back->column(0).IsNull(r)) << r;  // "" and "NA" stay strings
    const double want = t.column(1).Float64s()[r];
    const double got = back->column(1).Float64s()[r];
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got));
    } else {
      EXPECT_EQ(got, want) << r;
      EXPECT_EQ(std::signbit(got), std::signbit(want)) << r;
    }
    EXPECT_EQ(back->column(2).IsNull(r), t.column(2).IsNull(r));
    if (!t.column(2).IsNull(r)) {
      EXPECT_EQ(back->column(2).Int64s()[r], t.column(2).Int64s()[r]);
    }
    EXPECT_EQ(back->column(3).Int64s()[r], t.column(3).Int64s()[r]) << r;
    EXPECT_EQ(back->column(4).IsNull(r), t.column(4).IsNull(r));
  }
}

TEST(CsvWriterTest, OptionsAndOneColumnNulls) {
  ColumnBuilder a(DataType::kInt64);
  a.AppendInt64(1);
  a.AppendNull();
  a.AppendInt64(3);
  auto t = table::Table::Make(table::Schema({{"a", DataType::kInt64}}), {a.Finish()});
  auto text = WriteCsv(*t);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "a\n1\nNA\n3\n");  // an empty line would be skipped by readers
  auto back = ReadCsv(*text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->num_rows(), 3);
  EXPECT_TRUE(back->column(0).IsNull(1));
  CsvWriteOptions o;
  o.delimiter = ';';
  o.header = false;
  o.null_token = "null";
  EXPECT_EQ(*WriteCsv(*t, o), "1\nnull\n3\n");
}

TEST(CsvWriterTest, FilesAreReplacedWholeOrNotAtAll) {
  const std::string path = ::testing::TempDir() + "/csv_writer_" + std::to_string(getpid()) + ".csv";
  ASSERT_TRUE(WriteCsvFile(path, Tricky()).ok());
  auto back = ReadCsvFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->num_rows(), 6);
  // A directory that does not exist: an error naming the path, nothing written.
  absl::Status s = WriteCsvFile("/nonexistent-dir/x.csv", Tricky());
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("/nonexistent-dir/x.csv"));
  std::remove(path.c_str());
}

TEST(CsvWriterTest, ManyRowsKeepTheirOrderAcrossBlocks) {
  ColumnBuilder a(DataType::kInt64);
  for (int64_t i = 0; i < 100000; ++i) a.AppendInt64(i);
  auto t = table::Table::Make(table::Schema({{"a", DataType::kInt64}}), {a.Finish()});
  CsvWriteOptions o;
  o.threads = 4;
  auto text = WriteCsv(*t, o);
  ASSERT_TRUE(text.ok());
  auto back = ReadCsv(*text);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->num_rows(), 100000);
  for (int64_t i = 0; i < 100000; ++i) ASSERT_EQ(back->column(0).Int64s()[i], i);
}

}  // namespace
}  // namespace strata::io
