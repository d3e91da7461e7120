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

size_t InvalidUtf8At(std::string_view s) {
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + n > s.size()) return i;
    for (size_t k = 1; k < n; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += n;
  }
  return std::string_view::npos;
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
