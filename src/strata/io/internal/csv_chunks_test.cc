#include "strata/io/internal/csv_chunks.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace strata::io::internal {
namespace {

// Parses [0, size) as one chunk of strings and returns its row count (or -1 on error).
int64_t ParsedRows(const std::string& data, size_t columns) {
  const int64_t rows = CountRows(data, 0, data.size());
  std::vector<ColumnPlan> plan(columns);
  std::vector<table::ColumnBuffers> storage(columns);
  std::vector<ColumnTarget> targets(columns);
  for (size_t c = 0; c < columns; ++c) {
    storage[c].offsets.resize(static_cast<size_t>(rows) + 1);
    targets[c].offsets = storage[c].offsets.data();
  }
  std::vector<std::string> names(columns, "c");
  CsvDialect dialect;
  dialect.null_tokens = {""};
  ParsedChunk p = ParseChunk(data, 0, data.size(), dialect, plan, names, targets, 0, rows);
  return p.has_error ? -1 : p.rows;
}

TEST(CsvChunksTest, CountRowsAgreesWithTheParser) {
  for (const std::string& data :
       {std::string("a,b\n1,2\n"), std::string("a,b\r\n1,2\r\n\r\n3,4"), std::string("a,b\r1,2\r"),
        std::string("\"x\ny\",1\n\n\n\"q\"\"\",2\n"), std::string(",\n,\n"),
        std::string("\n\n\n"), std::string("a,\"b\rc\"\r\n")}) {
    EXPECT_EQ(ParsedRows(data, 2), CountRows(data, 0, data.size())) << data;
  }
}

TEST(CsvChunksTest, CutsFallOnRowStartsOutsideQuotes) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data += "\"multi\nline\",x\n";
  const std::vector<size_t> cuts = CutChunks(data, 0, 100);
  ASSERT_GT(cuts.size(), 10u);
  EXPECT_EQ(cuts.front(), 0u);
  EXPECT_EQ(cuts.back(), data.size());
  int64_t total = 0;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    EXPECT_EQ(cuts[k] % 15, 0u) << k;  // each row is 15 bytes
    total += CountRows(data, cuts[k], cuts[k + 1]);
  }
  EXPECT_EQ(total, 1000);
  EXPECT_EQ(CutChunks("", 0, 10).size(), 2u);
}

TEST(CsvChunksTest, FirstRowAndErrors) {
  CsvDialect dialect;
  auto row = ReadFirstRow("\n\n\"a,b\",c\nrest", 0, 1, dialect);
  ASSERT_TRUE(row.ok());
  ASSERT_EQ(row->fields.size(), 2u);
  EXPECT_EQ(row->fields[0], "a,b");
  EXPECT_EQ(row->next_line, 4);
  EXPECT_FALSE(ReadFirstRow("\"open", 0, 1, dialect).ok());
}

}  // namespace
}  // namespace strata::io::internal
