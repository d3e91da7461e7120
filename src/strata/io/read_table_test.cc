#include "strata/io/read_table.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::io {
namespace {

using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("strata_read_table_" + std::to_string(getpid()) + "_" + name))
      .string();
}

TEST(ReadTableTest, FormatFromExtension) {
  EXPECT_EQ(*FormatFromPath("a/b.CSV"), FileFormat::kCsv);
  EXPECT_EQ(*FormatFromPath("x.tsv"), FileFormat::kTsv);
  EXPECT_EQ(*FormatFromPath("x.pq"), FileFormat::kParquet);
  EXPECT_EQ(*FormatFromPath("x.ndjson"), FileFormat::kJsonLines);
  auto none = FormatFromPath("dir.v1/data");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("extension ''"));
  EXPECT_THAT(std::string(FormatFromPath("x.xlsx").status().message()), HasSubstr("'xlsx'"));
}

TEST(ReadTableTest, ReadsCsvAndTsvAndSaysWhatIsMissing) {
  const std::string tsv = TempPath("t.tsv");
  {
    std::ofstream f(tsv);
    f << "a\tb\n1\tx,y\n";
  }
  auto t = ReadTable(tsv);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->schema().ToString(), "a: int64, b: string");
  EXPECT_EQ(t->column(1).StringAt(0), "x,y");
  std::remove(tsv.c_str());
  EXPECT_EQ(ReadTable(TempPath("none.csv")).status().code(), absl::StatusCode::kNotFound);
  auto parquet = ReadTable(TempPath("x.parquet"));
  EXPECT_EQ(parquet.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace strata::io
