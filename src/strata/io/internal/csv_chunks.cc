#include "strata/io/internal/csv_chunks.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"
#include "strata/io/internal/csv_scan.h"
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
      // Tokens are a few bytes: a plain loop beats a memcmp call.
      size_t i = 0;
      while (i < t.size() && t[i] == text[i]) ++i;
      if (i == t.size()) return true;
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
  // No quotes and no CR, the usual case: rows are the non-empty lines, counted 64 bytes at a
  // time.
  if (const int64_t plain = CountPlainRows(data, begin, end); plain >= 0) return plain;
  const char* p = data.data() + begin;
  const char* stop = data.data() + end;
  int64_t rows = 0;
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

namespace {

// Fields per batch: a batch's field index stays in the core's cache while its columns are
// parsed one after another.
constexpr int64_t kBatchFields = 16384;
constexpr int64_t kMaxBatchRows = 1024;

enum FieldKind : uint8_t {
  kPlain = 0,    // unquoted: may be a null token
  kQuoted = 1,   // "...": the bytes between the quotes
  kEscaped = 2,  // "..." holding "" escapes
  kAbsent = 3,   // not reached: the row ended in an error first
};

// A batch of rows cut into fields, column-major: field (c, r) is at c * capacity + r. Spans
// are offsets into the data; a quoted field's span includes its quotes.
struct Batch {
  int64_t capacity = 0;
  int64_t rows = 0;
  std::vector<size_t> begin;
  std::vector<size_t> end;
  std::vector<uint8_t> kind;
  std::vector<int64_t> line;  // chunk-relative physical line each row starts on
};

struct RowError {
  bool set = false;
  int64_t line = 0;
  std::string what;
};

// Cuts a chunk's rows into fields, a batch at a time. Special bytes are found with
// SpecialScanner; a quoted field is walked with memchr from quote to quote.
class Tokenizer {
 public:
  Tokenizer(std::string_view data, size_t begin, size_t end, char delimiter, size_t columns)
      : base_(data.data()),
        pos_(begin),
        end_(end),
        delimiter_(delimiter),
        columns_(columns),
        scanner_(data.data(), end, delimiter) {}

  bool done() const { return pos_ >= end_; }
  int64_t line() const { return line_; }

  // Fills `batch` with up to its capacity rows (at most `rows_left` more, the count the reader
  // sized the columns for). On a malformed row returns false with `error` set; the fields of
  // that row before the fault are in the batch as its last row, the rest kAbsent.
  bool Fill(Batch& batch, int64_t rows_left, RowError& error) {
    batch.rows = 0;
    const auto cap = static_cast<size_t>(batch.capacity);
    while (pos_ < end_ && batch.rows < batch.capacity) {
      const char first = base_[pos_];
      if (first == '\n') {  // blank line
        ++pos_;
        ++line_;
        continue;
      }
      if (first == '\r') {
        ++pos_;
        continue;
      }
      if (batch.rows == rows_left) {
        // CountRows and the parser disagree: only malformed input could cause it.
        return Fail(error, line_, "malformed row structure (rows could not be delimited)");
      }
      const auto r = static_cast<size_t>(batch.rows);
      const int64_t row_line = line_;
      batch.line[r] = row_line;
      size_t c = 0;
      while (true) {
        const size_t field_begin = pos_;
        uint8_t kind = kPlain;
        if (pos_ < end_ && base_[pos_] == '"') {
          kind = kQuoted;
          size_t p = pos_ + 1;
          while (true) {
            const char* q = static_cast<const char*>(std::memchr(base_ + p, '"', end_ - p));
            if (q == nullptr) {
              EndRowEarly(batch, r, c);
              return Fail(error, line_,
                          absl::StrCat("unterminated quoted field starting at byte ", pos_));
            }
            const auto at = static_cast<size_t>(q - base_);
            line_ += std::count(base_ + p, q, '\n');
            if (at + 1 < end_ && base_[at + 1] == '"') {
              kind = kEscaped;
              p = at + 2;
              continue;
            }
            p = at + 1;
            break;
          }
          pos_ = p;
          if (pos_ < end_ && base_[pos_] != delimiter_ && base_[pos_] != '\n' &&
              base_[pos_] != '\r') {
            EndRowEarly(batch, r, c);
            return Fail(error, line_,
                        absl::StrCat("unexpected character after a closing quote at byte ", pos_));
          }
        } else {
          pos_ = scanner_.Next(pos_);
          if (pos_ < end_ && base_[pos_] == '"') {
            EndRowEarly(batch, r, c);
            return Fail(error, line_,
                        absl::StrCat("quote inside an unquoted field at byte ", pos_));
          }
        }
        if (c < columns_) {
          const size_t at = c * cap + r;
          batch.begin[at] = field_begin;
          batch.end[at] = pos_;
          batch.kind[at] = kind;
        }
        ++c;
        if (pos_ < end_ && base_[pos_] == delimiter_) {
          ++pos_;
          continue;
        }
        break;
      }
      if (pos_ < end_ && base_[pos_] == '\r') ++pos_;
      if (pos_ < end_ && base_[pos_] == '\n') {
        ++pos_;
        ++line_;
      }
      if (c != columns_) {
        EndRowEarly(batch, r, c);
        return Fail(error, row_line, absl::StrCat("expected ", columns_, " fields, found ", c));
      }
      ++batch.rows;
    }
    return true;
  }

 private:
  // Keeps row r's first `reached` fields for the column pass (their errors come first).
  void EndRowEarly(Batch& batch, size_t r, size_t reached) const {
    const auto cap = static_cast<size_t>(batch.capacity);
    for (size_t c = reached; c < columns_; ++c) batch.kind[c * cap + r] = kAbsent;
    batch.rows = static_cast<int64_t>(r) + 1;
  }
  static bool Fail(RowError& error, int64_t line, std::string what) {
    error.set = true;
    error.line = line;
    error.what = std::move(what);
    return false;
  }

  const char* base_;
  size_t pos_;
  size_t end_;
  char delimiter_;
  size_t columns_;
  SpecialScanner scanner_;
  int64_t line_ = 0;
};

// The first error one column's pass found in a batch.
struct ColumnError {
  int64_t row = -1;  // batch row; -1: none
  std::string what;
};

// Calls on_null(r) or on_value(text, r) for each field of column c in the batch, with quotes
// removed and "" unescaped; stops at the first on_value that returns false and returns its
// row, else -1.
template <typename OnNull, typename OnValue>
int64_t ForEachField(const Batch& batch, size_t c, const char* base, const NullTokens& nulls,
                     std::string& scratch, OnNull on_null, OnValue on_value) {
  const size_t at = c * static_cast<size_t>(batch.capacity);
  const size_t* begins = batch.begin.data() + at;
  const size_t* ends = batch.end.data() + at;
  const uint8_t* kinds = batch.kind.data() + at;
  for (int64_t r = 0; r < batch.rows; ++r) {
    const uint8_t kind = kinds[r];
    const char* text = base + begins[r];
    size_t size = ends[r] - begins[r];
    if (kind == kPlain) {
      if (nulls.Matches(std::string_view(text, size))) {
        on_null(r);
        continue;
      }
    } else if (kind == kAbsent) {
      continue;
    } else {
      ++text;
      size -= 2;
      if (kind == kEscaped) {
        scratch.clear();
        for (size_t i = 0; i < size; ++i) {
          scratch.push_back(text[i]);
          i += text[i] == '"' ? 1 : 0;  // the tokenizer saw quotes inside only in pairs
        }
        text = scratch.data();
        size = scratch.size();
      }
    }
    if (!on_value(std::string_view(text, size), r)) return r;
  }
  return -1;
}

// Parses column c of the batch into its target rows [row0, row0 + batch.rows); `local0` is the
// chunk-local index of the batch's first row (for the validity bitmap).
ColumnError ParseColumn(const Batch& batch, size_t c, const char* base, const NullTokens& nulls,
                        const ColumnPlan& plan, const std::string& name, const ColumnTarget& t,
                        int64_t row0, int64_t local0, int64_t row_count, ChunkColumn& col,
                        std::string& scratch) {
  ColumnError error;
  auto mark_null = [&](int64_t r) { MarkNull(col.validity, local0 + r, row_count); };
  // A value that is not the column's type: an error under an override, else the column is
  // marked for widening and its remaining rows are left to the reparse.
  auto not_type = [&](int64_t r, std::string_view text) {
    if (plan.strict) {
      error.row = r;
      error.what = absl::StrCat("column '", AsAbsl(name), "': '", AsAbsl(text.substr(0, 40)),
                                "' is not ", AsAbsl(table::DataTypeName(plan.type)));
    } else {
      col.failed = true;
    }
  };
  // Fixed-width values: a null stores 0, a value what `parse` makes of its text.
  auto parse_fixed = [&](auto* values, auto parse) {
    ForEachField(batch, c, base, nulls, scratch,
                 [&](int64_t r) {
                   values[r] = 0;
                   mark_null(r);
                 },
                 [&](std::string_view text, int64_t r) {
                   col.any_value = true;
                   if (parse(text, &values[r])) return true;
                   not_type(r, text);
                   return false;
                 });
  };
  switch (plan.type) {
    case DataType::kInt64:
      parse_fixed(t.ints + row0,
                  [](std::string_view s, int64_t* v) { return FastParseInt64(s, v); });
      break;
    case DataType::kTimestamp: {
      TimestampColumnParser parser;
      parse_fixed(t.ints + row0,
                  [&](std::string_view s, int64_t* v) { return parser.Parse(s, v); });
      break;
    }
    case DataType::kFloat64:
      parse_fixed(t.doubles + row0,
                  [](std::string_view s, double* v) { return FastParseFloat64(s, v); });
      break;
    case DataType::kBool:
      parse_fixed(t.bools + row0, [](std::string_view s, uint8_t* v) {
        bool b = false;
        if (!FastParseBool(s, &b)) return false;
        *v = b ? 1 : 0;
        return true;
      });
      break;
    case DataType::kString:
    case DataType::kCategory: {
      int64_t* ends = t.offsets + row0 + 1;
      std::string& bytes = col.bytes;
      ForEachField(batch, c, base, nulls, scratch,
                   [&](int64_t r) {
                     ends[r] = static_cast<int64_t>(bytes.size());
                     mark_null(r);
                   },
                   [&](std::string_view text, int64_t r) {
                     col.any_value = true;
                     const size_t bad = InvalidUtf8At(text);
                     if (bad != std::string_view::npos) {
                       error.row = r;
                       error.what = absl::StrCat("column '", AsAbsl(name),
                                                 "': invalid UTF-8 at byte ", bad, " of the field");
                       return false;
                     }
                     bytes.append(text);
                     ends[r] = static_cast<int64_t>(bytes.size());
                     return true;
                   });
      break;
    }
  }
  return error;
}

}  // namespace

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
  const NullTokens nulls(dialect.null_tokens);
  auto fail = [&](int64_t at_line, std::string what) {
    out.has_error = true;
    out.error_line = at_line;
    out.error = std::move(what);
  };
  Batch batch;
  batch.capacity = std::clamp<int64_t>(
      kBatchFields / static_cast<int64_t>(std::max<size_t>(columns, 1)), 1, kMaxBatchRows);
  const auto fields = static_cast<size_t>(batch.capacity) * columns;
  batch.begin.resize(fields);
  batch.end.resize(fields);
  batch.kind.resize(fields);
  batch.line.resize(static_cast<size_t>(batch.capacity));
  Tokenizer tokenizer(data, begin, end_offset, dialect.delimiter, columns);
  std::string scratch;
  while (!tokenizer.done()) {
    RowError row_error;
    tokenizer.Fill(batch, row_count - out.rows, row_error);
    // Errors are reported in file order: a value's error in an earlier row (or an earlier
    // field of the malformed row) comes before the tokenizer's.
    ColumnError first;
    for (size_t c = 0; c < columns; ++c) {
      ChunkColumn& col = out.columns[c];
      if (!plan[c].wanted || col.failed) continue;
      ColumnError e = ParseColumn(batch, c, data.data(), nulls, plan[c], names[c], targets[c],
                                  row_base + out.rows, out.rows, row_count, col, scratch);
      if (e.row >= 0 && (first.row < 0 || e.row < first.row)) first = std::move(e);
    }
    if (first.row >= 0) {
      fail(batch.line[static_cast<size_t>(first.row)], std::move(first.what));
      return out;
    }
    if (row_error.set) {
      fail(row_error.line, std::move(row_error.what));
      return out;
    }
    out.rows += batch.rows;
  }
  out.lines = tokenizer.line();
  if (out.rows != row_count) {
    fail(out.lines, "malformed row structure (rows could not be delimited)");
    return out;
  }
  return out;
}

}  // namespace strata::io::internal
