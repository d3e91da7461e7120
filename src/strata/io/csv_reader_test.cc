#include "strata/io/csv_reader.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::io {
namespace {

using table::DataType;
using ::testing::HasSubstr;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

TEST(CsvReaderTest, InfersTypesAndNulls) {
  auto t = ReadCsv(
      "id,price,ok,when,name\n"
      "1,2.5,true,2024-03-01,ana\n"
      "2,,FALSE,2024-03-01 12:30:00,\"bo, jr\"\n"
      "-3,1e3,NA,2024-03-01T12:30:00.25Z,NA\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->schema().ToString(),
            "id: int64, price: float64, ok: bool, when: timestamp, name: string");
  ASSERT_EQ(t->num_rows(), 3);
  EXPECT_EQ(t->column(0).Int64s()[2], -3);
  EXPECT_TRUE(t->column(1).IsNull(1));
  EXPECT_EQ(t->column(1).Float64s()[2], 1000.0);
  EXPECT_EQ(t->column(2).Bools()[1], 0);
  EXPECT_TRUE(t->column(2).IsNull(2));
  EXPECT_EQ(t->column(3).Int64s()[0], int64_t{1709251200} * 1000000);
  EXPECT_EQ(t->column(3).Int64s()[2], (int64_t{1709251200} + 45000) * 1000000 + 250000);
  EXPECT_EQ(t->column(4).StringAt(1), "bo, jr");
  EXPECT_TRUE(t->column(4).IsNull(2));
}

TEST(CsvReaderTest, Rfc4180QuotingAndLineEnds) {
  auto t = ReadCsv("a,b\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\n\"\",x\r\n");
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->num_rows(), 2);
  EXPECT_EQ(t->column(0).StringAt(0), "say \"hi\"");
  EXPECT_EQ(t->column(1).StringAt(0), "two\nlines");
  EXPECT_FALSE(t->column(0).IsNull(1));  // quoted "" is an empty string, not null
  EXPECT_EQ(t->column(0).StringAt(1), "");
}

TEST(CsvReaderTest, OptionsDelimiterHeaderOverridesAndBom) {
  CsvOptions o;
  o.delimiter = ';';
  o.header = false;
  o.column_types["column0"] = DataType::kString;
  auto t = ReadCsv("\xEF\xBB\xBF" "007;1.5\n010;2\n\n", o);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->schema().ToString(), "column0: string, column1: float64");
  EXPECT_EQ(t->column(0).StringAt(0), "007");  // kept as text, leading zeros intact
  EXPECT_EQ(t->num_rows(), 2);                 // the blank line is not a row

  o.column_types.clear();
  o.column_types["nope"] = DataType::kInt64;
  EXPECT_EQ(ReadCsv("1;2\n", o).status().code(), absl::StatusCode::kNotFound);
}

TEST(CsvReaderTest, ErrorsNameLineAndColumn) {
  auto ragged = ReadCsv("a,b\n1,2\n3\n");
  EXPECT_EQ(ragged.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(ragged.status()), HasSubstr("line 3: expected 2 fields, found 1"));

  auto unterminated = ReadCsv("a\n\"x\n\ny\n");
  EXPECT_THAT(Msg(unterminated.status()), HasSubstr("line 2: unterminated quoted field"));

  auto stray = ReadCsv("a\nx\"y\n");
  EXPECT_THAT(Msg(stray.status()), HasSubstr("line 2: quote inside an unquoted field"));

  auto after_quote = ReadCsv("a\n\"x\"y\n");
  EXPECT_THAT(Msg(after_quote.status()), HasSubstr("after a closing quote"));

  auto utf8 = ReadCsv("name\nok\n\"multi\nline\"\nbad\xff\n");
  EXPECT_THAT(Msg(utf8.status()), HasSubstr("line 5: column 'name': invalid UTF-8 at byte 3"));

  CsvOptions o;
  o.column_types["n"] = DataType::kInt64;
  auto typed = ReadCsv("n\n1\n2.5\n", o);
  EXPECT_THAT(Msg(typed.status()), HasSubstr("line 3: column 'n': '2.5' is not int64"));

  auto dup = ReadCsv("a,a\n1,2\n");
  EXPECT_THAT(Msg(dup.status()), HasSubstr("names column 'a' twice"));
}

TEST(CsvReaderTest, EdgeShapes) {
  auto empty = ReadCsv("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->num_columns(), 0);
  auto header_only = ReadCsv("a,b\n");
  ASSERT_TRUE(header_only.ok());
  EXPECT_EQ(header_only->num_rows(), 0);
  EXPECT_EQ(header_only->schema().ToString(), "a: string, b: string");
  auto no_newline = ReadCsv("a\n1");
  ASSERT_TRUE(no_newline.ok());
  EXPECT_EQ(no_newline->column(0).Int64s()[0], 1);
  auto all_null = ReadCsv("a\nNA\n\n");  // the blank line is skipped, NA is null
  ASSERT_TRUE(all_null.ok());
  EXPECT_EQ(all_null->schema().field(0).type, DataType::kString);
  // An int64 that overflows is not int64; it still reads, as float64.
  auto big = ReadCsv("a\n99999999999999999999\n");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->schema().field(0).type, DataType::kFloat64);
}

TEST(CsvReaderTest, Timestamps) {
  int64_t us = 0;
  EXPECT_TRUE(ParseTimestampMicros("1970-01-01", &us));
  EXPECT_EQ(us, 0);
  EXPECT_TRUE(ParseTimestampMicros("2000-02-29T00:00:00+01:00", &us));
  EXPECT_EQ(us, (int64_t{951782400} - 3600) * 1000000);
  EXPECT_TRUE(ParseTimestampMicros("1969-12-31 23:59", &us));
  EXPECT_EQ(us, int64_t{-60} * 1000000);
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-01-01X", "2024-01-01 25:00",
                          "2024-1-01", "2024-01-01T10:00:00.", "2024-01-01T10:00+0100"}) {
    EXPECT_FALSE(ParseTimestampMicros(bad, &us)) << bad;
  }
}

TEST(CsvReaderTest, FormatsTimestampsBack) {
  for (const char* text : {"1970-01-01 00:00:00", "2000-02-29 23:59:59.000001",
                           "1969-07-20 20:17:40", "0001-01-01 00:00:00", "9999-12-31 12:00:00.5"}) {
    int64_t us = 0;
    ASSERT_TRUE(ParseTimestampMicros(text, &us)) << text;
    std::string back = FormatTimestampMicros(us);
    int64_t again = 0;
    ASSERT_TRUE(ParseTimestampMicros(back, &again)) << back;
    EXPECT_EQ(again, us) << text << " -> " << back;
  }
  EXPECT_EQ(FormatTimestampMicros(0), "1970-01-01 00:00:00");
  EXPECT_EQ(FormatTimestampMicros(-1), "1969-12-31 23:59:59.999999");
}

TEST(CsvReaderTest, ReadsFilesAndNamesThePath) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("strata_csv_" + std::to_string(getpid()))).string();
  {
    std::ofstream f(path);
    f << "x\n1\noops,2\n";
  }
  auto t = ReadCsvFile(path);
  EXPECT_THAT(Msg(t.status()), HasSubstr(path + ": line 3"));
  std::remove(path.c_str());
  EXPECT_EQ(ReadCsvFile(path).status().code(), absl::StatusCode::kNotFound);
}


// Several megabytes, so the body is cut into many chunks parsed by several threads.
std::string BigCsv(int64_t rows, int64_t odd_row, const std::string& odd_value) {
  std::string out = "id,x,late,text\n";
  for (int64_t r = 0; r < rows; ++r) {
    absl::StrAppend(&out, r, ",", r % 7, ",");
    if (r == odd_row) {
      out += odd_value;
    } else if (r > rows / 2) {
      absl::StrAppend(&out, r % 3);
    }
    // Every 1000th text spans lines inside quotes, so some cuts fall near quoted newlines.
    if (r % 1000 == 0) {
      absl::StrAppend(&out, ",\"multi\nline, \"\"quoted\"\" ", r, "\"\n");
    } else {
      absl::StrAppend(&out, ",t", r, "\n");
    }
  }
  return out;
}

TEST(CsvReaderChunksTest, ManyChunksMatchOneThreadAndWidenLateValues) {
  const int64_t rows = 400000;
  const std::string csv = BigCsv(rows, rows - 10, "2.5");
  CsvOptions one;
  one.threads = 1;
  CsvOptions many;
  many.threads = 4;
  auto a = ReadCsv(csv, one);
  auto b = ReadCsv(csv, many);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  // "late" is null in the whole sample, ints later, and one float near the end: float64.
  EXPECT_EQ(b->schema().ToString(), "id: int64, x: int64, late: float64, text: string");
  EXPECT_EQ(a->schema().ToString(), b->schema().ToString());
  ASSERT_EQ(b->num_rows(), rows);
  for (int64_t r : {int64_t{0}, int64_t{1}, rows / 2, rows / 2 + 1, rows - 10, rows - 1}) {
    EXPECT_EQ(b->column(0).Int64s()[r], r);
    EXPECT_EQ(a->column(2).IsNull(r), b->column(2).IsNull(r)) << r;
    EXPECT_EQ(b->column(3).StringAt(r), a->column(3).StringAt(r)) << r;
  }
  EXPECT_TRUE(b->column(2).IsNull(1));
  EXPECT_EQ(b->column(2).Float64s()[rows - 10], 2.5);
  EXPECT_EQ(b->column(2).Float64s()[rows - 1], static_cast<double>((rows - 1) % 3));
  EXPECT_EQ(b->column(2).null_count(), rows / 2 + 1);
  EXPECT_EQ(b->column(3).StringAt(2000), "multi\nline, \"quoted\" 2000");
}

TEST(CsvReaderChunksTest, LateErrorsNameTheirPhysicalLine) {
  const int64_t rows = 400000;
  // Rows 0, 1000, 2000, ... take two physical lines each.
  std::string csv = BigCsv(rows, -1, "");
  csv += "1,2\n";  // ragged, after every row above
  CsvOptions many;
  many.threads = 3;
  auto t = ReadCsv(csv, many);
  ASSERT_FALSE(t.ok());
  const int64_t line = 1 + rows + rows / 1000 + 1;
  EXPECT_THAT(Msg(t.status()), HasSubstr(absl::StrCat("line ", line, ": expected 4 fields, found 2")));
  // An overridden type that a late value breaks is an error naming the line and column.
  std::string typed = BigCsv(rows, rows - 1, "oops");
  CsvOptions strict = many;
  strict.column_types["late"] = DataType::kInt64;
  t = ReadCsv(typed, strict);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(Msg(t.status()), HasSubstr(absl::StrCat("line ", 1 + rows + rows / 1000, ": column 'late': 'oops' is not int64")));
}

TEST(CsvReaderChunksTest, CategoryOverride) {
  CsvOptions o;
  o.column_types["city"] = DataType::kCategory;
  auto t = ReadCsv("city,n\nrome,1\nparis,2\nrome,3\n,4\n", o);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->column(0).type(), DataType::kCategory);
  EXPECT_EQ(t->column(0).DictionarySize(), 2);
  EXPECT_EQ(t->column(0).StringAt(2), "rome");
  EXPECT_TRUE(t->column(0).IsNull(3));
}

// Random bytes from the CSV alphabet, each in a heap buffer of exactly its size (so ASan sees
// any read past the end, e.g. by the 64-byte scanner): a table whose columns all have its row
// count, or an error naming the line; never a crash.
TEST(CsvReaderTest, RandomInputsGiveATableOrAnError) {
  std::mt19937_64 rng(5);
  const std::string alphabet = "ab1.,;\n\r\"\"-\xC3\xA9\xFF";
  for (int round = 0; round < 3000; ++round) {
    const size_t n = rng() % 200;
    auto buffer = std::make_unique<char[]>(n);
    for (size_t i = 0; i < n; ++i) buffer[i] = alphabet[rng() % alphabet.size()];
    const std::string_view input(buffer.get(), n);
    CsvOptions options;
    options.header = (round & 1) != 0;
    options.delimiter = (round & 2) != 0 ? ';' : ',';
    absl::StatusOr<table::Table> t = ReadCsv(input, options);
    if (!t.ok()) {
      EXPECT_THAT(Msg(t.status()), HasSubstr("line ")) << t.status();
      continue;
    }
    for (int c = 0; c < t->num_columns(); ++c) ASSERT_EQ(t->column(c).size(), t->num_rows());
  }
}

}  // namespace
}  // namespace strata::io
