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

namespace strata::io::internal {
namespace {

// Parses one int64 column and one string column over several batches.
ParsedChunk ParseTwoColumns(const std::string& data, std::vector<int64_t>& ints,
                            table::ColumnBuffers& text, bool strict) {
  const int64_t rows = CountRows(data, 0, data.size());
  std::vector<ColumnPlan> plan(2);
  plan[0].type = table::DataType::kInt64;
  plan[0].strict = strict;
  ints.assign(static_cast<size_t>(rows), -1);
  text.offsets.assign(static_cast<size_t>(rows) + 1, 0);
  std::vector<ColumnTarget> targets(2);
  targets[0].ints = ints.data();
  targets[1].offsets = text.offsets.data();
  std::vector<std::string> names = {"n", "s"};
  CsvDialect dialect;
  dialect.null_tokens = {"", "NA"};
  return ParseChunk(data, 0, data.size(), dialect, plan, names, targets, 0, rows);
}

TEST(CsvChunksTest, ValuesSurviveBatchBoundaries) {
  std::string data;
  for (int i = 0; i < 5000; ++i) {
    data += i % 97 == 0 ? "NA" : std::to_string(i);
    data += i % 13 == 0 ? ",\"q\"\"" + std::to_string(i) + "\"\n" : ",s" + std::to_string(i) + "\n";
  }
  std::vector<int64_t> ints;
  table::ColumnBuffers text;
  ParsedChunk p = ParseTwoColumns(data, ints, text, true);
  ASSERT_FALSE(p.has_error) << p.error;
  ASSERT_EQ(p.rows, 5000);
  EXPECT_EQ(p.lines, 5000);
  const std::string& bytes = p.columns[1].bytes;
  for (int i = 0; i < 5000; ++i) {
    const bool null = i % 97 == 0;
    EXPECT_EQ(((p.columns[0].validity[static_cast<size_t>(i) / 64] >> (i % 64)) & 1) == 0, null);
    if (!null) {
      EXPECT_EQ(ints[static_cast<size_t>(i)], i);
    }
    const std::string want = i % 13 == 0 ? "q\"" + std::to_string(i) : "s" + std::to_string(i);
    EXPECT_EQ(bytes.substr(static_cast<size_t>(text.offsets[i]),
                           static_cast<size_t>(text.offsets[i + 1] - text.offsets[i])),
              want);
  }
}

// Errors come in file order even when the column pass and the row cutting find them in the
// same batch: an earlier row's bad value beats a later ragged row, and within the malformed
// row the fields before the fault are checked first.
TEST(CsvChunksTest, ErrorsComeInFileOrder) {
  std::string rows;
  for (int i = 0; i < 3000; ++i) rows += std::to_string(i) + ",s\n";
  std::vector<int64_t> ints;
  table::ColumnBuffers text;
  {
    std::string data = rows + "x,s\n1\n";  // line 3001: bad int; line 3002: ragged
    ParsedChunk p = ParseTwoColumns(data, ints, text, true);
    ASSERT_TRUE(p.has_error);
    EXPECT_EQ(p.error_line, 3000);
    EXPECT_NE(p.error.find("'x' is not int64"), std::string::npos) << p.error;
  }
  {
    std::string data = rows + "y,a\"b\n";  // the bad int comes before the stray quote
    ParsedChunk p = ParseTwoColumns(data, ints, text, true);
    ASSERT_TRUE(p.has_error);
    EXPECT_NE(p.error.find("'y' is not int64"), std::string::npos) << p.error;
  }
  {
    std::string data = rows + "5,a\"b\n";
    ParsedChunk p = ParseTwoColumns(data, ints, text, true);
    ASSERT_TRUE(p.has_error);
    EXPECT_EQ(p.error_line, 3000);
    EXPECT_NE(p.error.find("quote inside an unquoted field"), std::string::npos) << p.error;
  }
  {
    // Not strict: a bad value marks the column for widening, and is no error.
    std::string data = rows + "2.5,s\n";
    ParsedChunk p = ParseTwoColumns(data, ints, text, false);
    ASSERT_FALSE(p.has_error) << p.error;
    EXPECT_TRUE(p.columns[0].failed);
    EXPECT_FALSE(p.columns[1].failed);
  }
}

}  // namespace
}  // namespace strata::io::internal
