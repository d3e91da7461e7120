#include "strata/cli/internal/result_writer.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "strata/io/csv_reader.h"
#include "strata/io/write_table.h"

namespace strata::cli {
namespace {

using table::Column;
using table::DataType;

void AppendDouble(double d, std::string* out) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  if (ec == std::errc()) out->append(buf, static_cast<size_t>(end - buf));
}

// The value as plain text (no quoting); false for a null.
bool AppendValue(const Column& c, int64_t r, std::string* out) {
  if (c.IsNull(r)) return false;
  const size_t row = static_cast<size_t>(r);
  switch (c.type()) {
    case DataType::kBool:
      out->append(c.Bools()[row] != 0 ? "true" : "false");
      break;
    case DataType::kInt64:
      absl::StrAppend(out, c.Int64s()[row]);
      break;
    case DataType::kTimestamp:
      out->append(io::FormatTimestampMicros(c.Int64s()[row]));
      break;
    case DataType::kFloat64:
      AppendDouble(c.Float64s()[row], out);
      break;
    case DataType::kString:
    case DataType::kCategory:
      out->append(c.StringAt(r));
      break;
  }
  return true;
}


void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (unsigned char ch : s) {
    switch (ch) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (ch < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", ch);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(ch));
        }
    }
  }
  out->push_back('"');
}

}  // namespace


std::string FormatJsonLine(const table::Table& t, int64_t r) {
  std::string out = "{";
  std::string value;
  for (int c = 0; c < t.num_columns(); ++c) {
    if (c > 0) out.push_back(',');
    AppendJsonString(t.schema().field(c).name, &out);
    out.push_back(':');
    const Column& column = t.column(c);
    value.clear();
    if (!AppendValue(column, r, &value) ||
        (column.type() == DataType::kFloat64 &&
         !std::isfinite(column.Float64s()[static_cast<size_t>(r)]))) {
      out.append("null");
    } else if (column.IsStringLike() || column.type() == DataType::kTimestamp) {
      AppendJsonString(value, &out);
    } else {
      out.append(value);
    }
  }
  out.push_back('}');
  return out;
}

absl::Status WriteResultFile(const table::Table& t, const std::string& path) {
  return io::WriteTable(path, t);
}

}  // namespace strata::cli
