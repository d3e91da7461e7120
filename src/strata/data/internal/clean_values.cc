// Helpers the cleaning rules share: the step context (messages, rejects, removals), copying a
// column with extra nulls, quantiles, timestamp formats.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "strata/base/strings.h"
#include "strata/data/internal/clean_steps.h"
#include "strata/io/csv_reader.h"
#include "strata/io/parse_value.h"

namespace strata::data::internal {

using table::Column;
using table::ColumnBuilder;
using table::DataType;

StepContext::StepContext(const CleanStep& step, int index, int64_t rows,
                         std::vector<QuarantineEntry>& quarantine, StepReport& report)
    : step_(step),
      index_(index),
      rule_(CleanRuleName(step.rule)),
      remove_(static_cast<size_t>(rows), 0),
      quarantine_(quarantine),
      report_(report) {}

absl::Status StepContext::Error(std::string_view what) const {
  std::string label = absl::StrCat("step ", index_, " (", rule_);
  if (!step_.name.empty()) absl::StrAppend(&label, " '", step_.name, "'");
  return absl::InvalidArgumentError(
      absl::StrCat(label, ") at spec line ", step_.where.line, ": ", AsAbsl(what)));
}

absl::Status StepContext::ColumnError(std::string_view column, std::string_view what) const {
  return Error(absl::StrCat("column '", AsAbsl(column), "': ", AsAbsl(what)));
}

absl::StatusOr<int> StepContext::Find(const WorkingTable& table, std::string_view column) const {
  for (size_t i = 0; i < table.fields.size(); ++i) {
    if (table.fields[i].name == column) return static_cast<int>(i);
  }
  std::vector<std::string> names;
  for (const table::Field& f : table.fields) names.push_back(f.name);
  return Error(absl::StrCat("no column '", AsAbsl(column),
                            "' (the table has: ", absl::StrJoin(names, ", "), ")"));
}

absl::StatusOr<std::vector<int>> StepContext::FindAll(
    const WorkingTable& table, const std::vector<std::string>& columns) const {
  std::vector<int> out;
  if (columns.empty()) {
    for (size_t i = 0; i < table.fields.size(); ++i) out.push_back(static_cast<int>(i));
    return out;
  }
  for (const std::string& name : columns) {
    absl::StatusOr<int> i = Find(table, name);
    if (!i.ok()) return i.status();
    out.push_back(*i);
  }
  return out;
}

void StepContext::Reject(const WorkingTable& table, int64_t row, int column, std::string reason,
                         OnError on_error) {
  const size_t c = static_cast<size_t>(column);
  quarantine_.push_back(QuarantineEntry{table.origin[static_cast<size_t>(row)],
                                        table.fields[c].name, rule_, std::move(reason),
                                        CellValue(table.columns[c], row)});
  ++report_.quarantine_entries;
  if (on_error == OnError::kQuarantineRow) {
    if (remove_[static_cast<size_t>(row)] == 0) ++report_.rows_quarantined;
    remove_[static_cast<size_t>(row)] = 1;
  } else {
    ++report_.values_nulled;
  }
}

void StepContext::Drop(int64_t row) {
  if (remove_[static_cast<size_t>(row)] == 0) ++report_.rows_dropped;
  remove_[static_cast<size_t>(row)] = 1;
}

Column WithNulls(const Column& column, const std::vector<uint8_t>& set_null) {
  const int64_t n = column.size();
  ColumnBuilder b(column.type());
  b.Reserve(n);
  for (int64_t r = 0; r < n; ++r) {
    if (set_null[static_cast<size_t>(r)] != 0 || column.IsNull(r)) {
      b.AppendNull();
      continue;
    }
    switch (column.type()) {
      case DataType::kBool:
        b.AppendBool(column.Bools()[r] != 0);
        break;
      case DataType::kInt64:
      case DataType::kTimestamp:
        b.AppendInt64(column.Int64s()[r]);
        break;
      case DataType::kFloat64:
        b.AppendFloat64(column.Float64s()[r]);
        break;
      case DataType::kString:
      case DataType::kCategory:
        b.AppendString(column.StringAt(r));
        break;
    }
  }
  return b.Finish();
}

bool IsMissing(const Column& column, int64_t row) {
  if (column.IsNull(row)) return true;
  return column.type() == DataType::kFloat64 && std::isnan(column.Float64s()[row]);
}

std::optional<std::string> CellValue(const Column& column, int64_t row) {
  if (column.IsNull(row)) return std::nullopt;
  return io::FormatCell(column, row);
}

double LinearQuantile(std::vector<double>& values, double q) {
  const size_t n = values.size();
  const double h = static_cast<double>(n - 1) * q;
  const size_t lo = static_cast<size_t>(std::floor(h));
  // Two selections instead of a full sort: the lo-th value, then the least value above it.
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), values.end());
  const double x_lo = values[lo];
  if (lo + 1 >= n) return x_lo;
  const double x_hi =
      *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1, values.end());
  const double t = h - static_cast<double>(lo);
  // numpy's lerp, so results agree with pandas bit for bit: from the nearer end.
  const double diff = x_hi - x_lo;
  return t >= 0.5 ? x_hi - diff * (1 - t) : x_lo + diff * t;
}

std::string_view TrimAscii(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

namespace {

// Up to `max_digits` (at least `min_digits`) decimal digits at `pos`.
bool ReadNumber(std::string_view s, size_t& pos, size_t min_digits, size_t max_digits,
                int64_t* out) {
  size_t digits = 0;
  int64_t v = 0;
  while (pos < s.size() && digits < max_digits && s[pos] >= '0' && s[pos] <= '9') {
    v = v * 10 + (s[pos] - '0');
    ++pos;
    ++digits;
  }
  *out = v;
  return digits >= min_digits;
}

}  // namespace

bool ParseTimestampWithFormat(std::string_view s, std::string_view format, int64_t* micros) {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, fraction = 0;
  std::string zone = "Z";
  size_t pos = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      if (pos >= s.size() || s[pos] != format[i]) return false;
      ++pos;
      continue;
    }
    if (++i >= format.size()) return false;
    bool ok = true;
    switch (format[i]) {
      case 'Y':
        ok = ReadNumber(s, pos, 4, 4, &year);
        break;
      case 'm':
        ok = ReadNumber(s, pos, 1, 2, &month);
        break;
      case 'd':
        ok = ReadNumber(s, pos, 1, 2, &day);
        break;
      case 'H':
        ok = ReadNumber(s, pos, 1, 2, &hour);
        break;
      case 'M':
        ok = ReadNumber(s, pos, 1, 2, &minute);
        break;
      case 'S':
        ok = ReadNumber(s, pos, 1, 2, &second);
        break;
      case 'f': {
        const size_t start = pos;
        ok = ReadNumber(s, pos, 1, 6, &fraction);
        for (size_t d = pos - start; d < 6; ++d) fraction *= 10;
        break;
      }
      case 'z': {
        if (pos < s.size() && s[pos] == 'Z') {
          ++pos;
          zone = "Z";
          break;
        }
        if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
        const char sign = s[pos++];
        int64_t hh = 0, mm = 0;
        if (!ReadNumber(s, pos, 2, 2, &hh)) return false;
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (!ReadNumber(s, pos, 2, 2, &mm)) return false;
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%c%02lld:%02lld", sign, static_cast<long long>(hh),
                      static_cast<long long>(mm));
        zone = buf;
        break;
      }
      case '%':
        ok = pos < s.size() && s[pos++] == '%';
        break;
      default:
        return false;
    }
    if (!ok) return false;
  }
  if (pos != s.size()) return false;
  // Field ranges and the calendar are checked once, by the ISO 8601 grammar of io/.
  if (month > 99 || day > 99 || hour > 99 || minute > 99 || second > 99) return false;
  char iso[160];
  std::snprintf(iso, sizeof(iso), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lld%s",
                static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(hour),
                static_cast<long long>(minute), static_cast<long long>(second),
                static_cast<long long>(fraction), zone.c_str());
  return io::ParseTimestampMicros(iso, micros);
}

}  // namespace strata::data::internal
