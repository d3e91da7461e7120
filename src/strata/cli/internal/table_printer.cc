#include "strata/cli/internal/table_printer.h"

#include <cstdio>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "strata/io/csv_reader.h"

namespace strata::cli {

std::string CellText(const table::Column& c, int64_t r, size_t max_width) {
  if (c.IsNull(r)) return "null";
  const size_t row = static_cast<size_t>(r);
  std::string out;
  switch (c.type()) {
    case table::DataType::kBool:
      out = c.Bools()[row] != 0 ? "true" : "false";
      break;
    case table::DataType::kInt64:
      out = std::to_string(c.Int64s()[row]);
      break;
    case table::DataType::kTimestamp:
      out = io::FormatTimestampMicros(c.Int64s()[row]);
      break;
    case table::DataType::kFloat64:
      out = absl::StrCat(c.Float64s()[row]);
      break;
    case table::DataType::kString:
    case table::DataType::kCategory:
      out = std::string(c.StringAt(r));
      break;
  }
  for (char& ch : out) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  if (out.size() > max_width && max_width >= 3) out = out.substr(0, max_width - 3) + "...";
  return out;
}

std::string FormatAlignedCells(const std::vector<std::vector<std::string>>& rows) {
  size_t columns = 0;
  for (const auto& row : rows) columns = std::max(columns, row.size());
  std::vector<size_t> width(columns, 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string text;
  if (columns == 0) return text;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < columns; ++c) {
      std::string cell = c < row.size() ? row[c] : std::string();
      cell.resize(width[c], ' ');
      absl::StrAppend(&line, c == 0 ? "" : "  ", cell);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&text, line, "\n");
  }
  return text;
}

std::string FormatAlignedRows(const table::Table& t, int64_t rows) {
  rows = std::clamp<int64_t>(rows, 0, t.num_rows());
  if (t.num_columns() == 0) return "";
  std::vector<std::vector<std::string>> cells(static_cast<size_t>(rows + 1));
  for (int c = 0; c < t.num_columns(); ++c) cells[0].push_back(t.schema().field(c).name);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<std::string>& line = cells[static_cast<size_t>(r + 1)];
    line.reserve(static_cast<size_t>(t.num_columns()));
    for (int c = 0; c < t.num_columns(); ++c) line.push_back(CellText(t.column(c), r));
  }
  return FormatAlignedCells(cells);
}

std::string ExactCellText(const table::Column& c, int64_t r) {
  if (c.IsNull(r)) return "null";
  std::string out;
  switch (c.type()) {
    case table::DataType::kFloat64: {
      char buf[40];
      std::snprintf(buf, sizeof(buf), "%.17g", c.Float64s()[r]);
      return buf;
    }
    case table::DataType::kString:
    case table::DataType::kCategory:
      for (char ch : c.StringAt(r)) {
        switch (ch) {
          case '\\':
            out += "\\\\";
            break;
          case '\t':
            out += "\\t";
            break;
          case '\n':
            out += "\\n";
            break;
          case '\r':
            out += "\\r";
            break;
          default:
            out.push_back(ch);
        }
      }
      return out;
    default:
      return CellText(c, r, std::string::npos);
  }
}

}  // namespace strata::cli
