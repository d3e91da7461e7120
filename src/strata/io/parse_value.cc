#include "strata/io/parse_value.h"

#include <charconv>
#include <system_error>

#include "absl/strings/match.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"

namespace strata::io {

bool ParseInt64(std::string_view s, int64_t* v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

bool ParseFloat64(std::string_view s, double* v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

bool ParseBool(std::string_view s, bool* v) {
  if (absl::EqualsIgnoreCase(AsAbsl(s), "true")) {
    *v = true;
    return true;
  }
  if (absl::EqualsIgnoreCase(AsAbsl(s), "false")) {
    *v = false;
    return true;
  }
  return false;
}

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
    case table::DataType::kFloat64: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), column.Float64s()[row]);
      out.append(buf, end);
      return;
    }
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
