#include "strata/io/write_table.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "strata/io/read_table.h"

namespace strata::io {
namespace {

using table::ColumnBuilder;
using table::DataType;

TEST(WriteTableTest, FormatFromTheExtensionAndBackThroughReadTable) {
  ColumnBuilder a(DataType::kInt64);
  a.AppendInt64(4);
  a.AppendNull();
  ColumnBuilder b(DataType::kString);
  b.AppendString("x\ty");
  b.AppendString("z");
  auto t = table::Table::Make(table::Schema({{"a", DataType::kInt64}, {"b", DataType::kString}}),
                              {a.Finish(), b.Finish()});
  ASSERT_TRUE(t.ok());
  const std::string base = ::testing::TempDir() + "/wt_" + std::to_string(getpid());
  for (const char* ext : {".csv", ".tsv", ".jsonl"}) {
    const std::string path = base + ext;
    ASSERT_TRUE(WriteTable(path, *t).ok()) << ext;
    auto back = ReadTable(path);
    ASSERT_TRUE(back.ok()) << ext << ": " << back.status();
    EXPECT_EQ(back->schema().ToString(), "a: int64, b: string") << ext;
    EXPECT_TRUE(back->column(0).IsNull(1)) << ext;
    EXPECT_EQ(back->column(1).StringAt(0), "x\ty") << ext;
    std::remove(path.c_str());
  }
  EXPECT_EQ(WriteTable(base + ".xlsx", *t).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata::io
