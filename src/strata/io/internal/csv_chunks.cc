#include "strata/io/internal/csv_chunks.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"
#include "strata/io/internal/csv_values.h"

namespace strata::io::internal {
namespace {

using table::DataType;

// Bytes that end an unquoted field or are not allowed in one.
class SpecialBytes {
 public:
  explicit SpecialBytes(char delimiter) {
    table_.fill(0);
    table_[static_cast<unsigned char>(delimiter)] = 1;
    table_['\n'] = 1;
    table_['\r'] = 1;
    table_['"'] = 1;
  }
  bool operator()(char c) const { return table_[static_cast<unsigned char>(c)] != 0; }

 private:
  std::array<uint8_t, 256> table_;
};

// Scans one field starting at `p`. On success `text` views the field (or `scratch`, for a
// quoted field with "" escapes) and `p` is on the delimiter, line end or end of input.
// `line` advances over quoted newlines. On failure returns false with `error` set.
bool ScanField(const char*& p, const char* end, const char* base, const SpecialBytes& special,
               char delim, std::string& scratch, std::string_view& text, bool& quoted,
               int64_t& line, std::string& error) {
  if (p < end && *p == '"') {
    quoted = true;
    const char* start = ++p;
    const char* run = start;
    bool escaped = false;
    while (true) {
      const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
      if (q == nullptr) {
        error = absl::StrCat("unterminated quoted field starting at byte ", start - 1 - base);
        return false;
      }
      line += std::count(p, q, '\n');
      if (q + 1 < end && q[1] == '"') {
        if (!escaped) {
          scratch.clear();
          escaped = true;
        }
        scratch.append(run, static_cast<size_t>(q + 1 - run));  // keep one quote
        p = q + 2;
        run = p;
        continue;
      }
      if (escaped) {
        scratch.append(run, static_cast<size_t>(q - run));
        text = scratch;
      } else {
        text = std::string_view(start, static_cast<size_t>(q - start));
      }
      p = q + 1;
      break;
    }
    if (p < end && *p != delim && *p != '\n' && *p != '\r') {
      error = absl::StrCat("unexpected character after a closing quote at byte ", p - base);
      return false;
    }
    return true;
  }
  quoted = false;
  const char* start = p;
  while (p < end && !special(*p)) ++p;
  if (p < end && *p == '"') {
    error = absl::StrCat("quote inside an unquoted field at byte ", p - base);
    return false;
  }
  text = std::string_view(start, static_cast<size_t>(p - start));
  return true;
}

// Null tokens, bucketed by length: most cells are longer than every token, and the rest are
// compared only with the tokens of their own length.
class NullTokens {
 public:
  explicit NullTokens(const std::vector<std::string>& tokens) {
    for (const std::string& t : tokens) {
      if (t.size() >= by_length_.size()) by_length_.resize(t.size() + 1);
      by_length_[t.size()].push_back(t);
    }
  }
  bool Matches(std::string_view text) const {
    if (text.size() >= by_length_.size()) return false;
    for (const std::string& t : by_length_[text.size()]) {
      if (std::memcmp(text.data(), t.data(), t.size()) == 0) return true;
    }
    return false;
  }

 private:
  std::vector<std::vector<std::string>> by_length_;
};

// Sets row `r` (chunk-local) absent; the bitmap appears with the first null.
void MarkNull(std::vector<uint64_t>& bits, int64_t r, int64_t rows) {
  if (bits.empty()) bits.assign(static_cast<size_t>((rows + 63) / 64), ~uint64_t{0});
  bits[static_cast<size_t>(r >> 6)] &= ~(uint64_t{1} << (r & 63));
}

// Stores one present value at `row`; false when it does not parse as the type. Strings that
// are not valid UTF-8 set `utf8_error` to the byte offset within the field.
bool StoreValue(DataType type, const ColumnTarget& t, int64_t row, std::string_view text,
                std::string& bytes, size_t& utf8_error) {
  switch (type) {
    case DataType::kInt64:
      return ParseInt64(text, &t.ints[row]);
    case DataType::kTimestamp:
      return ParseTimestampMicros(text, &t.ints[row]);
    case DataType::kFloat64:
      return ParseFloat64(text, &t.doubles[row]);
    case DataType::kBool: {
      bool v = false;
      if (!ParseBool(text, &v)) return false;
      t.bools[row] = v ? 1 : 0;
      return true;
    }
    case DataType::kString:
    case DataType::kCategory:
      utf8_error = InvalidUtf8At(text);
      if (utf8_error != std::string_view::npos) return false;
      bytes.append(text);
      t.offsets[row + 1] = static_cast<int64_t>(bytes.size());
      return true;
  }
  return false;
}

void StoreNull(DataType type, const ColumnTarget& t, int64_t row, const std::string& bytes) {
  switch (type) {
    case DataType::kInt64:
    case DataType::kTimestamp:
      t.ints[row] = 0;
      break;
    case DataType::kFloat64:
      t.doubles[row] = 0;
      break;
    case DataType::kBool:
      t.bools[row] = 0;
      break;
    case DataType::kString:
    case DataType::kCategory:
      t.offsets[row + 1] = static_cast<int64_t>(bytes.size());
      break;
  }
}

// memchr hops: quotes are rare in most files, and memchr skips the rest many bytes at a time.
size_t CountQuotes(const char* p, const char* end) {
  size_t n = 0;
  while (p < end) {
    p = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
    if (p == nullptr) break;
    ++n;
    ++p;
  }
  return n;
}

}  // namespace

absl::StatusOr<CsvHeaderRow> ReadFirstRow(std::string_view data, size_t begin, int64_t line,
                                          const CsvDialect& dialect) {
  const SpecialBytes special(dialect.delimiter);
  const char* base = data.data();
  const char* p = base + begin;
  const char* end = base + data.size();
  CsvHeaderRow row;
  std::string scratch;
  std::string error;
  while (p < end && (*p == '\n' || *p == '\r')) {  // blank lines
    if (*p == '\n') ++line;
    ++p;
  }
  if (p == end) {
    row.end = data.size();
    row.next_line = line;
    return row;
  }
  const int64_t row_line = line;
  while (true) {
    std::string_view text;
    bool quoted = false;
    if (!ScanField(p, end, base, special, dialect.delimiter, scratch, text, quoted, line, error)) {
      return absl::InvalidArgumentError(absl::StrCat("line ", row_line, ": ", error));
    }
    row.fields.emplace_back(text);
    if (p < end && *p == dialect.delimiter) {
      ++p;
      continue;
    }
    break;
  }
  if (p < end && *p == '\r') ++p;
  if (p < end && *p == '\n') {
    ++p;
    ++line;
  }
  row.end = static_cast<size_t>(p - base);
  row.next_line = line;
  return row;
}

std::vector<size_t> CutChunks(std::string_view data, size_t begin, size_t target) {
  std::vector<size_t> cuts = {begin};
  target = std::max<size_t>(target, 1);
  size_t pos = begin;
  while (pos < data.size()) {
    size_t candidate = pos + target;
    if (candidate >= data.size()) break;
    // Quote parity since `pos`, a row start: odd means `candidate` is inside a quoted field.
    bool in_quotes = (CountQuotes(data.data() + pos, data.data() + candidate) & 1) != 0;
    size_t i = candidate;
    for (; i < data.size(); ++i) {
      const char c = data[i];
      if (c == '"') {
        in_quotes = !in_quotes;
      } else if (c == '\n' && !in_quotes) {
        break;
      }
    }
    if (i >= data.size()) break;
    pos = i + 1;
    cuts.push_back(pos);
  }
  if (cuts.size() == 1 || cuts.back() != data.size()) cuts.push_back(data.size());
  return cuts;
}

int64_t CountRows(std::string_view data, size_t begin, size_t end) {
  const char* p = data.data() + begin;
  const char* stop = data.data() + end;
  int64_t rows = 0;
  if (std::memchr(p, '"', static_cast<size_t>(stop - p)) == nullptr &&
      std::memchr(p, '\r', static_cast<size_t>(stop - p)) == nullptr) {
    // No quotes and no CR, the usual case: rows are the non-empty lines.
    while (p < stop) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(stop - p)));
      const char* line_end = nl == nullptr ? stop : nl;
      rows += line_end > p ? 1 : 0;
      p = line_end + 1;
    }
    return rows;
  }
  bool in_quotes = false;
  bool row_open = false;
  for (; p < stop; ++p) {
    const char c = *p;
    if (c == '"') {
      in_quotes = !in_quotes;
      row_open = true;
    } else if (!in_quotes && (c == '\n' || c == '\r')) {
      rows += row_open ? 1 : 0;
      row_open = false;
    } else {
      row_open = true;
    }
  }
  return rows + (row_open ? 1 : 0);
}

ParsedChunk ParseChunk(std::string_view data, size_t begin, size_t end_offset,
                       const CsvDialect& dialect, absl::Span<const ColumnPlan> plan,
                       absl::Span<const std::string> names, absl::Span<const ColumnTarget> targets,
                       int64_t row_base, int64_t row_count) {
  ParsedChunk out;
  const size_t columns = plan.size();
  out.columns.resize(columns);
  for (size_t c = 0; c < columns; ++c) {
    const DataType t = plan[c].type;
    if (plan[c].wanted && (t == DataType::kString || t == DataType::kCategory)) {
      out.columns[c].bytes.reserve((end_offset - begin) / columns + 16);
    }
  }
  const SpecialBytes special(dialect.delimiter);
  const NullTokens nulls(dialect.null_tokens);
  const char delim = dialect.delimiter;
  const char* base = data.data();
  const char* p = base + begin;
  const char* end = base + end_offset;
  int64_t line = 0;
  std::string scratch;
  std::string error;
  auto fail = [&](int64_t at_line, std::string what) {
    out.has_error = true;
    out.error_line = at_line;
    out.error = std::move(what);
  };
  while (p < end) {
    if (*p == '\n') {  // blank line
      ++p;
      ++line;
      continue;
    }
    if (*p == '\r') {
      ++p;
      continue;
    }
    const int64_t row_line = line;
    const int64_t local = out.rows;
    if (local >= row_count) {
      // CountRows and the parser disagree: only malformed input could cause it.
      fail(row_line, "malformed row structure (rows could not be delimited)");
      return out;
    }
    const int64_t row = row_base + local;
    size_t c = 0;
    while (true) {
      std::string_view text;
      bool quoted = false;
      if (!ScanField(p, end, base, special, delim, scratch, text, quoted, line, error)) {
        fail(line, std::move(error));
        return out;
      }
      if (c < columns && plan[c].wanted) {
        ChunkColumn& col = out.columns[c];
        const DataType type = plan[c].type;
        if (!quoted && nulls.Matches(text)) {
          if (!col.failed) {
            StoreNull(type, targets[c], row, col.bytes);
            MarkNull(col.validity, local, row_count);
          }
        } else {
          col.any_value = true;
          if (!col.failed) {
            size_t utf8_error = std::string_view::npos;
            if (!StoreValue(type, targets[c], row, text, col.bytes, utf8_error)) {
              if (utf8_error != std::string_view::npos) {
                fail(row_line, absl::StrCat("column '", AsAbsl(names[c]),
                                            "': invalid UTF-8 at byte ", utf8_error,
                                            " of the field"));
                return out;
              }
              if (plan[c].strict) {
                fail(row_line, absl::StrCat("column '", AsAbsl(names[c]), "': '",
                                            AsAbsl(text.substr(0, 40)), "' is not ",
                                            AsAbsl(table::DataTypeName(type))));
                return out;
              }
              col.failed = true;
            }
          }
        }
      }
      ++c;
      if (p < end && *p == delim) {
        ++p;
        continue;
      }
      break;
    }
    if (p < end && *p == '\r') ++p;
    if (p < end && *p == '\n') {
      ++p;
      ++line;
    }
    if (c != columns) {
      fail(row_line, absl::StrCat("expected ", columns, " fields, found ", c));
      return out;
    }
    ++out.rows;
  }
  if (out.rows != row_count) {
    fail(line, "malformed row structure (rows could not be delimited)");
    return out;
  }
  out.lines = line;
  return out;
}

}  // namespace strata::io::internal
