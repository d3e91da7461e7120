#include "strata/io/csv_reader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/base/strings.h"
#include "strata/io/parse_value.h"

namespace strata::io {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;

// One cell: a view into the input, or into `unescaped` for a quoted cell with "" escapes.
struct Cell {
  std::string_view text;
  bool quoted = false;
};

struct ParsedCsv {
  std::vector<std::string> names;
  size_t columns = 0;
  std::vector<std::string_view> cells;  // row-major, `columns` per row
  std::vector<uint8_t> is_null;         // per cell: an unquoted null token
  std::vector<int64_t> row_lines; // first physical line of each data row
  std::vector<std::unique_ptr<std::string>> unescaped;  // owns cells' text where needed
};

absl::Status LineError(int64_t line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", AsAbsl(what)));
}

// Tells null tokens apart, first by length: most cells are longer than every token.
class NullTokens {
 public:
  explicit NullTokens(const std::vector<std::string>& tokens) : tokens_(tokens) {
    for (const std::string& t : tokens_) max_len_ = std::max(max_len_, t.size());
  }
  bool Matches(const Cell& c) const {
    if (c.quoted || c.text.size() > max_len_) return false;
    for (const std::string& t : tokens_) {
      if (c.text == t) return true;
    }
    return false;
  }

 private:
  const std::vector<std::string>& tokens_;
  size_t max_len_ = 0;
};

// Splits `data` into rows of cells and marks the null tokens once, so that type inference
// and building test a byte. Tracks physical line numbers for messages.
absl::StatusOr<ParsedCsv> Tokenize(std::string_view data, const CsvOptions& options) {
  ParsedCsv out;
  const NullTokens nulls(options.null_tokens);
  const char delim = options.delimiter;
  size_t pos = 0;
  int64_t line = 1;
  if (data.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // UTF-8 byte order mark
  std::vector<Cell> row;
  bool first_row = true;
  while (pos < data.size()) {
    const int64_t row_line = line;
    row.clear();
    // One row.
    while (true) {
      Cell cell;
      if (pos < data.size() && data[pos] == '"') {
        cell.quoted = true;
        const size_t start = ++pos;
        const int64_t quote_line = line;
        std::unique_ptr<std::string> buf;
        size_t run_start = start;
        while (true) {
          const size_t q = data.find('"', pos);
          if (q == std::string_view::npos) {
            return LineError(quote_line, absl::StrCat("unterminated quoted field starting at byte ",
                                                      start - 1));
          }
          for (size_t k = pos; k < q; ++k) line += data[k] == '\n';
          if (q + 1 < data.size() && data[q + 1] == '"') {
            if (buf == nullptr) buf = std::make_unique<std::string>();
            buf->append(data.substr(run_start, q + 1 - run_start));  // keep one quote
            pos = q + 2;
            run_start = pos;
            continue;
          }
          if (buf != nullptr) {
            buf->append(data.substr(run_start, q - run_start));
            cell.text = *buf;
            out.unescaped.push_back(std::move(buf));
          } else {
            cell.text = data.substr(start, q - start);
          }
          pos = q + 1;
          break;
        }
        if (pos < data.size() && data[pos] != delim && data[pos] != '\n' && data[pos] != '\r') {
          return LineError(line, absl::StrCat("unexpected character after a closing quote at byte ",
                                              pos));
        }
      } else {
        const size_t start = pos;
        while (pos < data.size() && data[pos] != delim && data[pos] != '\n' && data[pos] != '\r') {
          if (data[pos] == '"') {
            return LineError(line, absl::StrCat("quote inside an unquoted field at byte ", pos));
          }
          ++pos;
        }
        cell.text = data.substr(start, pos - start);
      }
      row.push_back(cell);
      if (pos < data.size() && data[pos] == delim) {
        ++pos;
        continue;
      }
      break;  // end of line or input
    }
    if (pos < data.size() && data[pos] == '\r') ++pos;
    if (pos < data.size() && data[pos] == '\n') {
      ++pos;
      ++line;
    }
    if (row.size() == 1 && row[0].text.empty() && !row[0].quoted) continue;  // blank line
    if (first_row) {
      first_row = false;
      out.columns = row.size();
      if (options.header) {
        for (size_t i = 0; i < row.size(); ++i) {
          std::string name(row[i].text);
          if (InvalidUtf8At(name) != std::string_view::npos) {
            return LineError(row_line, absl::StrCat("header field ", i + 1, " is not valid UTF-8"));
          }
          if (name.empty()) name = absl::StrCat("column", i);
          for (const std::string& earlier : out.names) {
            if (earlier == name) {
              return LineError(row_line, absl::StrCat("header names column '", name, "' twice"));
            }
          }
          out.names.push_back(std::move(name));
        }
        continue;
      }
      for (size_t i = 0; i < row.size(); ++i) out.names.push_back(absl::StrCat("column", i));
    }
    if (row.size() != out.columns) {
      return LineError(row_line, absl::StrCat("expected ", out.columns, " fields, found ",
                                              row.size()));
    }
    for (const Cell& c : row) {
      out.cells.push_back(c.text);
      out.is_null.push_back(nulls.Matches(c) ? 1 : 0);
    }
    out.row_lines.push_back(row_line);
  }
  return out;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Builds column `col` as `type`. When `inferring`, a value that does not parse returns
// FAILED_PRECONDITION at once (the caller tries the next type), as does a column of nulls
// only; otherwise it is the error the caller reports.
absl::StatusOr<Column> BuildColumn(const ParsedCsv& p, size_t col, DataType type,
                                   bool inferring) {
  const size_t rows = p.row_lines.size();
  ColumnBuilder b(type);
  b.Reserve(static_cast<int64_t>(rows));
  for (size_t r = 0; r < rows; ++r) {
    const size_t cell = r * p.columns + col;
    const std::string_view text = p.cells[cell];
    if (p.is_null[cell]) {
      b.AppendNull();
      continue;
    }
    int64_t i = 0;
    double d = 0;
    bool v = false;
    bool ok = true;
    switch (type) {
      case DataType::kInt64:
        ok = ParseInt64(text, &i);
        if (ok) b.AppendInt64(i);
        break;
      case DataType::kFloat64:
        ok = ParseFloat64(text, &d);
        if (ok) b.AppendFloat64(d);
        break;
      case DataType::kBool:
        ok = ParseBool(text, &v);
        if (ok) b.AppendBool(v);
        break;
      case DataType::kTimestamp:
        ok = ParseTimestampMicros(text, &i);
        if (ok) b.AppendInt64(i);
        break;
      case DataType::kString:
      case DataType::kCategory: {
        const size_t bad = InvalidUtf8At(text);
        if (bad != std::string_view::npos) {
          return LineError(p.row_lines[r], absl::StrCat("column '", p.names[col],
                                                        "': invalid UTF-8 at byte ", bad,
                                                        " of the field"));
        }
        b.AppendString(text);
        break;
      }
    }
    if (!ok) {
      if (inferring) return absl::FailedPreconditionError("does not parse");
      std::string shown(text.substr(0, 40));
      return LineError(p.row_lines[r],
                       absl::StrCat("column '", p.names[col], "': '", shown, "' is not ",
                                    AsAbsl(table::DataTypeName(type))));
    }
  }
  if (inferring && type != DataType::kString) {
    Column done = b.Finish();
    if (done.null_count() == done.size()) return absl::FailedPreconditionError("only nulls");
    return done;
  }
  return b.Finish();
}

}  // namespace

bool ParseTimestampMicros(std::string_view s, int64_t* micros) {
  int y, mo, d;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return false;
  int64_t us = DaysFromCivil(y, mo, d) * 86400 * int64_t{1000000};
  size_t pos = 10;
  if (pos == s.size()) {
    *micros = us;
    return true;
  }
  if (s[pos] != 'T' && s[pos] != ' ') return false;
  int h, mi, sec = 0;
  if (!Digits(s, pos + 1, 2, &h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
      !Digits(s, pos + 4, 2, &mi)) {
    return false;
  }
  pos += 6;
  if (pos < s.size() && s[pos] == ':') {
    if (!Digits(s, pos + 1, 2, &sec)) return false;
    pos += 3;
  }
  if (h > 23 || mi > 59 || sec > 60) return false;
  int64_t fraction = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) fraction += (s[pos] - '0') * scale;
      scale /= 10;
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
  }
  us += ((int64_t{h} * 60 + mi) * 60 + sec) * 1000000 + fraction;
  if (pos < s.size()) {
    if (s[pos] == 'Z' && pos + 1 == s.size()) {
      pos = s.size();
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
          !Digits(s, pos + 4, 2, &om) || pos + 6 != s.size() || oh > 23 || om > 59) {
        return false;
      }
      const int64_t offset = (int64_t{oh} * 60 + om) * 60 * 1000000;
      us += s[pos] == '+' ? -offset : offset;
      pos = s.size();
    } else {
      return false;
    }
  }
  *micros = us;
  return true;
}

std::string FormatTimestampMicros(int64_t micros) {
  constexpr int64_t kPerDay = int64_t{86400} * 1000000;
  int64_t days = micros / kPerDay;
  int64_t rest = micros % kPerDay;
  if (rest < 0) {
    rest += kPerDay;
    --days;
  }
  // Civil date from days since 1970-01-01 (the inverse of DaysFromCivil).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  const int64_t secs = rest / 1000000;
  const int64_t frac = rest % 1000000;
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lld %02lld:%02lld:%02lld",
                        static_cast<long long>(y), static_cast<long long>(m),
                        static_cast<long long>(d), static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    out += buf;
  }
  return out;
}

absl::StatusOr<table::Table> ReadCsv(std::string_view data, const CsvOptions& options) {
  ASSIGN_OR_RETURN(ParsedCsv parsed, Tokenize(data, options));
  for (const auto& [name, type] : options.column_types) {
    bool found = false;
    for (const std::string& n : parsed.names) found |= n == name;
    if (!found) {
      return absl::NotFoundError(absl::StrCat("column type given for '", name,
                                              "', which the CSV does not have"));
    }
  }
  std::vector<table::Field> fields;
  std::vector<Column> columns;
  for (size_t col = 0; col < parsed.columns; ++col) {
    auto it = options.column_types.find(parsed.names[col]);
    std::optional<Column> column;
    DataType type = DataType::kString;
    if (it != options.column_types.end()) {
      type = it->second;
      ASSIGN_OR_RETURN(column, BuildColumn(parsed, col, type, /*inferring=*/false));
    } else {
      // The first type every non-null cell parses as; building is the test.
      for (DataType candidate : {DataType::kInt64, DataType::kFloat64, DataType::kBool,
                                 DataType::kTimestamp, DataType::kString}) {
        absl::StatusOr<Column> c =
            BuildColumn(parsed, col, candidate, candidate != DataType::kString);
        if (c.ok()) {
          type = candidate;
          column = std::move(*c);
          break;
        }
        if (c.status().code() != absl::StatusCode::kFailedPrecondition) return c.status();
      }
    }
    fields.push_back(table::Field{parsed.names[col], type});
    columns.push_back(std::move(*column));
  }
  return table::Table::Make(table::Schema(std::move(fields)), std::move(columns));
}

absl::StatusOr<table::Table> ReadCsvFile(const std::string& path, const CsvOptions& options) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    std::string why = std::strerror(err);
    if (err == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": ", why));
    return absl::UnavailableError(absl::StrCat(path, ": ", why));
  }
  std::string data;
  char chunk[1 << 16];
  std::fseek(f, 0, SEEK_END);
  const long size = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  if (size > 0) data.reserve(static_cast<size_t>(size));
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0) data.append(chunk, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return absl::UnavailableError(absl::StrCat(path, ": read error"));
  absl::StatusOr<table::Table> t = ReadCsv(data, options);
  if (!t.ok()) {
    return absl::Status(t.status().code(), absl::StrCat(path, ": ", t.status().message()));
  }
  return t;
}

}  // namespace strata::io
