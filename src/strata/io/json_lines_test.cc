#include "strata/io/json_lines.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::io {
namespace {

using table::ColumnBuilder;
using table::DataType;
using ::testing::HasSubstr;

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

TEST(JsonLinesTest, ColumnsFromKeysAndTypesFromValues) {
  auto t = ReadJsonLines(
      "{\"id\": 1, \"x\": 2, \"name\": \"ana\", \"ok\": true, \"when\": \"2024-03-01\"}\n"
      "\n"
      "{\"id\": 2, \"x\": 2.5, \"ok\": false, \"extra\": [1, {\"a\": 2}], \"when\": null}\r\n"
      "{\"id\": 3, \"name\": null, \"x\": 18446744073709551615, \"extra\": 7}\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->schema().ToString(),
            "id: int64, x: float64, name: string, ok: bool, when: timestamp, extra: string");
  ASSERT_EQ(t->num_rows(), 3);
  EXPECT_EQ(t->column(0).Int64s()[2], 3);
  EXPECT_EQ(t->column(1).Float64s()[0], 2.0);
  EXPECT_EQ(t->column(1).Float64s()[1], 2.5);
  EXPECT_TRUE(t->column(2).IsNull(1));  // missing key
  EXPECT_TRUE(t->column(2).IsNull(2));  // JSON null
  EXPECT_TRUE(t->column(3).IsNull(2));
  EXPECT_EQ(t->column(4).Int64s()[0], int64_t{1709251200} * 1000000);
  EXPECT_TRUE(t->column(5).IsNull(0));
  EXPECT_EQ(t->column(5).StringAt(1), "[1,{\"a\":2}]");  // nested kept as compact JSON
  EXPECT_EQ(t->column(5).StringAt(2), "7");              // mixed kinds: each value's text
}

TEST(JsonLinesTest, ErrorsNameLineAndOffset) {
  auto bad = ReadJsonLines("{\"a\": 1}\n{\"a\": }\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(Msg(bad.status()), HasSubstr("line 2 (byte 9)"));
  EXPECT_THAT(Msg(ReadJsonLines("{\"a\": 1}\n[1, 2]\n").status()),
              HasSubstr("line 2 (byte 9): expected a JSON object"));
  EXPECT_THAT(Msg(ReadJsonLines("{\"a\": 1, \"a\": 2}\n").status()),
              HasSubstr("key 'a' appears twice"));
  EXPECT_FALSE(ReadJsonLines("{\"a\": \"\xff\"}\n").ok());  // invalid UTF-8
  EXPECT_FALSE(ReadJsonLines("{\"a\": 1} {\"a\": 2}\n").ok());  // two values on one line
  EXPECT_THAT(Msg(ReadJsonLines("{\"a\": 1e400}\n").status()), HasSubstr("line 1"));
  auto empty = ReadJsonLines("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->num_columns(), 0);
}

TEST(JsonLinesTest, RoundTrip) {
  ColumnBuilder s(DataType::kString);
  s.AppendString("tab\there \"q\" \\ \x01 é");
  s.AppendNull();
  ColumnBuilder f(DataType::kFloat64);
  f.AppendFloat64(0.1);
  f.AppendFloat64(std::numeric_limits<double>::quiet_NaN());
  ColumnBuilder ts(DataType::kTimestamp);
  ts.AppendInt64(1709251200250000);
  ts.AppendInt64(0);
  ColumnBuilder c(DataType::kCategory);
  c.AppendString("red");
  c.AppendString("red");
  auto t = table::Table::Make(table::Schema({{"s", DataType::kString},
                                             {"f", DataType::kFloat64},
                                             {"ts", DataType::kTimestamp},
                                             {"c", DataType::kCategory}}),
                              {s.Finish(), f.Finish(), ts.Finish(), c.Finish()});
  ASSERT_TRUE(t.ok());
  auto text = WriteJsonLines(*t);
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, HasSubstr("\"f\":null"));  // NaN has no JSON form
  auto back = ReadJsonLines(*text);
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << *text;
  EXPECT_EQ(back->schema().ToString(), "s: string, f: float64, ts: timestamp, c: string");
  EXPECT_EQ(back->column(0).StringAt(0), t->column(0).StringAt(0));
  EXPECT_TRUE(back->column(0).IsNull(1));
  EXPECT_EQ(back->column(1).Float64s()[0], 0.1);
  EXPECT_TRUE(back->column(1).IsNull(1));
  EXPECT_EQ(back->column(2).Int64s()[0], 1709251200250000);
  EXPECT_EQ(back->column(3).StringAt(1), "red");

  const std::string path = ::testing::TempDir() + "/jl_" + std::to_string(getpid()) + ".jsonl";
  ASSERT_TRUE(WriteJsonLinesFile(path, *t).ok());
  auto file = ReadJsonLinesFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->num_rows(), 2);
  std::remove(path.c_str());
  EXPECT_EQ(ReadJsonLinesFile(path).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace strata::io
