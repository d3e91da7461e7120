// Tables as aligned text for the terminal, shared by `strata data show` and `strata data sql`.
#ifndef STRATA_CLI_INTERNAL_TABLE_PRINTER_H_
#define STRATA_CLI_INTERNAL_TABLE_PRINTER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "strata/table/table.h"

namespace strata::cli {

// Widest cell printed; longer ones are cut to this width ending in "...".
inline constexpr size_t kMaxCellWidth = 26;

// A cell as terminal text: "null" for nulls, timestamps in ISO 8601 ("2024-03-01 10:00:00"),
// floats with six significant digits, tabs and newlines as spaces, cut to `max_width`.
std::string CellText(const table::Column& column, int64_t row, size_t max_width = kMaxCellWidth);

// A cell exactly, for scripts: every character, floats with 17 significant digits, nulls as
// "null"; backslash, tab, CR and LF escaped as \\ \t \r \n (PostgreSQL COPY's text format),
// so one row is one line and cells are tab-separated.
std::string ExactCellText(const table::Column& column, int64_t row);

// The header (column names) and the first `rows` rows, one line each ending in '\n', columns
// padded to their widest cell and separated by two spaces, trailing blanks trimmed.
std::string FormatAlignedRows(const table::Table& table, int64_t rows);

// Rows of already formatted cells (the first is the header) laid out the same way; a row
// shorter than the others is padded with empty cells.
std::string FormatAlignedCells(const std::vector<std::vector<std::string>>& rows);

}  // namespace strata::cli

#endif  // STRATA_CLI_INTERNAL_TABLE_PRINTER_H_
