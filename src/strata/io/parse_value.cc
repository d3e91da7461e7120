#include "strata/io/parse_value.h"

#include <charconv>
#include <system_error>

#include "absl/strings/match.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"
#include "strata/io/internal/csv_values.h"
#include "strata/io/internal/file_output.h"

namespace strata::io {

// One grammar: the CSV reader's own parsers (io/internal/csv_values.h).
bool ParseInt64(std::string_view s, int64_t* v) { return internal::ParseInt64(s, v); }
bool ParseFloat64(std::string_view s, double* v) { return internal::ParseFloat64(s, v); }
bool ParseBool(std::string_view s, bool* v) { return internal::ParseBool(s, v); }
size_t InvalidUtf8At(std::string_view s) { return internal::InvalidUtf8At(s); }

// The one value formatter: the CSV writer formats every non-string cell through it too.
void AppendCell(const table::Column& column, int64_t row, std::string& out) {
  if (column.IsNull(row)) return;
  char buf[64];
  switch (column.type()) {
    case table::DataType::kBool:
      out += column.Bools()[row] != 0 ? "true" : "false";
      return;
    case table::DataType::kInt64: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), column.Int64s()[row]);
      out.append(buf, end);
      return;
    }
    case table::DataType::kFloat64:
      internal::AppendDouble(column.Float64s()[row], out);
      return;
    case table::DataType::kTimestamp:
      out += FormatTimestampMicros(column.Int64s()[row]);
      return;
    case table::DataType::kString:
    case table::DataType::kCategory:
      out += column.StringAt(row);
      return;
  }
}

std::string FormatCell(const table::Column& column, int64_t row) {
  std::string out;
  AppendCell(column, row, out);
  return out;
}

}  // namespace strata::io
