#include "strata/data/internal/sql_vtab.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"

namespace strata::data::internal {
namespace {

using table::Column;
using table::DataType;

constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kInf = std::numeric_limits<double>::infinity();
// At most this many constraints are pushed into one scan (xBestIndex's argv slots).
constexpr int kMaxPushed = 16;

// Which constraint operators the virtual table evaluates for a column of `type`. Ranges are
// pushed only where the table's value order is SQLite's order: numbers. Timestamps are TEXT
// to SQLite, and a text range against a non-canonical literal ('2024-3-1') does not follow
// time order, so timestamps and strings push equality only.
bool Pushable(DataType type, unsigned char op) {
  const bool eq = op == SQLITE_INDEX_CONSTRAINT_EQ;
  const bool range = op == SQLITE_INDEX_CONSTRAINT_GT || op == SQLITE_INDEX_CONSTRAINT_GE ||
                     op == SQLITE_INDEX_CONSTRAINT_LT || op == SQLITE_INDEX_CONSTRAINT_LE;
  switch (type) {
    case DataType::kInt64:
    case DataType::kFloat64:
    case DataType::kBool:
      return eq || range;
    case DataType::kTimestamp:
    case DataType::kString:
    case DataType::kCategory:
      return eq;
  }
  return false;
}

// The rows of one column a scan may return. Filters are supersets of what SQLite's own
// comparison accepts (SQLite re-checks each row): a constraint value whose comparison the
// filter cannot reproduce exactly (TEXT against a number column, huge integers against REAL)
// leaves the filter unchanged rather than risk dropping a row.
struct ColumnFilter {
  int column = 0;
  DataType type = DataType::kInt64;
  bool has_eq = false;
  // int64, bool, timestamp (µs), category (code): inclusive bounds.
  int64_t int_lo = std::numeric_limits<int64_t>::min();
  int64_t int_hi = std::numeric_limits<int64_t>::max();
  // float64
  double dbl_lo = -kInf;
  double dbl_hi = kInf;
  bool lo_inclusive = true;
  bool hi_inclusive = true;
  // string: equality with this value
  bool has_string = false;
  std::string string_eq;

  void IntAtLeast(int64_t v) { int_lo = std::max(int_lo, v); }
  void IntAtMost(int64_t v) { int_hi = std::min(int_hi, v); }
  void DoubleLower(double v, bool inclusive) {
    if (v > dbl_lo || (v == dbl_lo && !inclusive)) {
      dbl_lo = v;
      lo_inclusive = inclusive;
    }
  }
  void DoubleUpper(double v, bool inclusive) {
    if (v < dbl_hi || (v == dbl_hi && !inclusive)) {
      dbl_hi = v;
      hi_inclusive = inclusive;
    }
  }
  bool Empty() const {
    if (type == DataType::kFloat64) {
      return dbl_lo > dbl_hi || (dbl_lo == dbl_hi && !(lo_inclusive && hi_inclusive));
    }
    return int_lo > int_hi;
  }
  // Whether a constraint value narrowed the filter (others are left to SQLite): only a
  // bounded filter is worth driving an index search.
  bool Bounded() const {
    if (type == DataType::kFloat64) return dbl_lo > -kInf || dbl_hi < kInf;
    if (type == DataType::kString) return has_string;
    return int_lo > std::numeric_limits<int64_t>::min() ||
           int_hi < std::numeric_limits<int64_t>::max();
  }
  bool Matches(const Column& c, int64_t row) const {
    if (c.IsNull(row)) return false;
    if (type == DataType::kFloat64) {
      const double v = c.Float64s()[static_cast<size_t>(row)];
      if (std::isnan(v)) return false;
      return (lo_inclusive ? v >= dbl_lo : v > dbl_lo) && (hi_inclusive ? v <= dbl_hi : v < dbl_hi);
    }
    if (type == DataType::kString) return !has_string || c.StringAt(row) == string_eq;
    const int64_t v = IntKey(c, row);
    return v >= int_lo && v <= int_hi;
  }
};

// Narrows an integer filter by `op a`; false when nothing can match.
bool NarrowInt(ColumnFilter& f, unsigned char op, int64_t a) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ:
      f.has_eq = true;
      f.IntAtLeast(a);
      f.IntAtMost(a);
      break;
    case SQLITE_INDEX_CONSTRAINT_GT:
      if (a == kMax) return false;
      f.IntAtLeast(a + 1);
      break;
    case SQLITE_INDEX_CONSTRAINT_GE:
      f.IntAtLeast(a);
      break;
    case SQLITE_INDEX_CONSTRAINT_LT:
      if (a == kMin) return false;
      f.IntAtMost(a - 1);
      break;
    case SQLITE_INDEX_CONSTRAINT_LE:
      f.IntAtMost(a);
      break;
    default:
      break;
  }
  return !f.Empty();
}

// Narrows an integer filter by `op d` for a REAL d, with SQLite's exact integer/real
// comparison: v > 2.5 is v >= 3, v = 2.5 matches nothing.
bool NarrowIntByReal(ColumnFilter& f, unsigned char op, double d) {
  const bool above = d >= kTwo63;   // greater than every int64
  const bool below = d < -kTwo63;   // less than every int64
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ:
      if (above || below || std::floor(d) != d) return false;
      return NarrowInt(f, op, static_cast<int64_t>(d));
    case SQLITE_INDEX_CONSTRAINT_GT:  // v > d  <=>  v > floor(d)
      if (above) return false;
      if (below) return true;
      return NarrowInt(f, op, static_cast<int64_t>(std::floor(d)));
    case SQLITE_INDEX_CONSTRAINT_GE:  // v >= d  <=>  v >= ceil(d)
      if (above) return false;
      if (below) return true;
      return NarrowInt(f, op, static_cast<int64_t>(std::ceil(d)));
    case SQLITE_INDEX_CONSTRAINT_LT:  // v < d  <=>  v < ceil(d)
      if (above) return true;
      if (d <= -kTwo63) return false;
      return NarrowInt(f, op, static_cast<int64_t>(std::ceil(d)));
    case SQLITE_INDEX_CONSTRAINT_LE:  // v <= d  <=>  v <= floor(d)
      if (above) return true;
      if (below) return false;
      return NarrowInt(f, op, static_cast<int64_t>(std::floor(d)));
    default:
      return true;
  }
}

bool NarrowDouble(ColumnFilter& f, unsigned char op, double d) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ:
      f.has_eq = true;
      f.DoubleLower(d, true);
      f.DoubleUpper(d, true);
      break;
    case SQLITE_INDEX_CONSTRAINT_GT:
      f.DoubleLower(d, false);
      break;
    case SQLITE_INDEX_CONSTRAINT_GE:
      f.DoubleLower(d, true);
      break;
    case SQLITE_INDEX_CONSTRAINT_LT:
      f.DoubleUpper(d, false);
      break;
    case SQLITE_INDEX_CONSTRAINT_LE:
      f.DoubleUpper(d, true);
      break;
    default:
      break;
  }
  return !f.Empty();
}

// Applies `column op value` to `f`; false when no row can match (a NULL operand, an
// impossible bound, a string the category dictionary does not hold).
bool Narrow(ColumnFilter& f, const Column& c, SqlTableSource& source, unsigned char op,
            sqlite3_value* value) {
  const int value_type = sqlite3_value_type(value);
  if (value_type == SQLITE_NULL) return false;  // a comparison with NULL is never true
  switch (f.type) {
    case DataType::kInt64:
    case DataType::kBool:
      if (value_type == SQLITE_INTEGER) return NarrowInt(f, op, sqlite3_value_int64(value));
      if (value_type == SQLITE_FLOAT) return NarrowIntByReal(f, op, sqlite3_value_double(value));
      return true;  // TEXT/BLOB: SQLite's affinity rules decide; leave it to SQLite
    case DataType::kFloat64:
      if (value_type == SQLITE_FLOAT) return NarrowDouble(f, op, sqlite3_value_double(value));
      if (value_type == SQLITE_INTEGER) {
        const int64_t a = sqlite3_value_int64(value);
        if (a > int64_t{1} << 53 || a < -(int64_t{1} << 53)) return true;  // not exact as REAL
        return NarrowDouble(f, op, static_cast<double>(a));
      }
      return true;
    case DataType::kTimestamp: {
      // Only equality is pushed. The column's text equals the operand only when the operand
      // is the canonical text of the same instant, so equal microseconds is a superset.
      if (value_type != SQLITE_TEXT) return true;
      const char* text = reinterpret_cast<const char*>(sqlite3_value_text(value));
      int64_t micros = 0;
      if (text == nullptr || !io::ParseTimestampMicros(text, &micros)) return false;
      return NarrowInt(f, op, micros);
    }
    case DataType::kString: {
      if (value_type != SQLITE_TEXT) return true;
      const char* text = static_cast<const char*>(sqlite3_value_blob(value));
      const std::string_view s(text == nullptr ? "" : text,
                               static_cast<size_t>(sqlite3_value_bytes(value)));
      if (f.has_string) return f.string_eq == s;
      f.has_eq = f.has_string = true;
      f.string_eq.assign(s.data(), s.size());
      return true;
    }
    case DataType::kCategory: {
      if (value_type != SQLITE_TEXT) return true;
      const char* text = static_cast<const char*>(sqlite3_value_blob(value));
      const std::string_view s(text == nullptr ? "" : text,
                               static_cast<size_t>(sqlite3_value_bytes(value)));
      std::optional<int32_t> code = source.CategoryCode(f.column, s);
      if (!code.has_value()) return false;
      return NarrowInt(f, op, *code);
    }
  }
  (void)c;
  return true;
}

struct VirtualTable : sqlite3_vtab {
  SqlTableSource* source = nullptr;
};

struct Cursor : sqlite3_vtab_cursor {
  SqlTableSource* source = nullptr;
  std::vector<ColumnFilter> filters;
  const int64_t* order = nullptr;  // index mode: the rows to visit; else rows pos..end-1
  int64_t pos = 0;
  int64_t end = 0;
  int64_t row = 0;
  bool eof = true;
  std::string text;  // the current row's timestamp text
};

// The common one-filter scan of an int64/timestamp column without nulls, as a tight loop over the
// values; true when it handled the step.
bool AdvanceSingleNumericScan(Cursor* cur) {
  if (cur->filters.size() != 1 || cur->order != nullptr) return false;
  const ColumnFilter& f = cur->filters.front();
  const Column& c = cur->source->table().column(f.column);
  if (c.null_count() != 0) return false;
  int64_t pos = cur->pos;
  const int64_t end = cur->end;
  if (c.type() == DataType::kInt64 || c.type() == DataType::kTimestamp) {
    const int64_t* v = c.Int64s().data();
    while (pos < end && (v[pos] < f.int_lo || v[pos] > f.int_hi)) ++pos;
  } else {
    return false;
  }
  SqlTableStats& stats = cur->source->stats();
  stats.rows_examined += std::min(pos + 1, end) - cur->pos;
  if (pos >= end) {
    cur->pos = end;
    cur->eof = true;
    return true;
  }
  cur->row = pos;
  cur->pos = pos + 1;
  cur->eof = false;
  ++stats.rows_returned;
  return true;
}

void Advance(Cursor* cur) {
  if (AdvanceSingleNumericScan(cur)) return;
  const table::Table& t = cur->source->table();
  SqlTableStats& stats = cur->source->stats();
  while (cur->pos < cur->end) {
    const int64_t r = cur->order != nullptr ? cur->order[cur->pos] : cur->pos;
    ++cur->pos;
    ++stats.rows_examined;
    bool match = true;
    for (const ColumnFilter& f : cur->filters) {
      if (!f.Matches(t.column(f.column), r)) {
        match = false;
        break;
      }
    }
    if (match) {
      cur->row = r;
      cur->eof = false;
      ++stats.rows_returned;
      return;
    }
  }
  cur->eof = true;
}

// Positions an index scan on the rows whose keys lie within `f`.
void SeekIndex(Cursor* cur, const SortedColumnIndex& index, const ColumnFilter& f) {
  const Column& c = cur->source->table().column(f.column);
  size_t lo = 0;
  size_t hi = index.rows.size();
  if (f.type == DataType::kFloat64) {
    const auto& keys = index.double_keys;
    lo = static_cast<size_t>(
        (f.lo_inclusive ? std::lower_bound(keys.begin(), keys.end(), f.dbl_lo)
                        : std::upper_bound(keys.begin(), keys.end(), f.dbl_lo)) -
        keys.begin());
    hi = static_cast<size_t>(
        (f.hi_inclusive ? std::upper_bound(keys.begin(), keys.end(), f.dbl_hi)
                        : std::lower_bound(keys.begin(), keys.end(), f.dbl_hi)) -
        keys.begin());
  } else if (f.type == DataType::kString) {
    auto less_row = [&](int64_t row, std::string_view v) { return c.StringAt(row) < v; };
    auto less_value = [&](std::string_view v, int64_t row) { return v < c.StringAt(row); };
    const std::string_view v = f.string_eq;
    lo = static_cast<size_t>(
        std::lower_bound(index.rows.begin(), index.rows.end(), v, less_row) - index.rows.begin());
    hi = static_cast<size_t>(
        std::upper_bound(index.rows.begin(), index.rows.end(), v, less_value) -
        index.rows.begin());
  } else {
    const auto& keys = index.int_keys;
    lo = static_cast<size_t>(std::lower_bound(keys.begin(), keys.end(), f.int_lo) - keys.begin());
    hi = static_cast<size_t>(std::upper_bound(keys.begin(), keys.end(), f.int_hi) - keys.begin());
  }
  cur->order = index.rows.data();
  cur->pos = static_cast<int64_t>(lo);
  cur->end = static_cast<int64_t>(std::max(lo, hi));
}

int Connect(sqlite3* db, void* aux, int /*argc*/, const char* const* /*argv*/,
            sqlite3_vtab** out, char** error) {
  auto* source = static_cast<SqlTableSource*>(aux);
  ++*source->declaring();
  const int rc = sqlite3_declare_vtab(db, source->DeclarationSql().c_str());
  --*source->declaring();
  if (rc != SQLITE_OK) {
    *error = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    return rc;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  // SQLite owns the object from here and hands it back to Disconnect.
  auto vtab = std::make_unique<VirtualTable>();
  vtab->source = source;
  *out = vtab.release();
  return SQLITE_OK;
}

int Disconnect(sqlite3_vtab* vtab) {
  std::unique_ptr<VirtualTable> owned(static_cast<VirtualTable*>(vtab));
  return SQLITE_OK;
}

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  SqlTableSource* source = static_cast<VirtualTable*>(vtab)->source;
  const table::Schema& schema = source->table().schema();
  std::string encoded;
  int pushed = 0;
  bool has_eq = false;
  int ranges = 0;
  for (int i = 0; i < info->nConstraint && pushed < kMaxPushed; ++i) {
    const auto& constraint = info->aConstraint[i];
    if (!constraint.usable || constraint.iColumn < 0) continue;
    const DataType type = schema.field(constraint.iColumn).type;
    if (!Pushable(type, constraint.op)) continue;
    if (type == DataType::kString || type == DataType::kCategory ||
        type == DataType::kTimestamp) {
      // Byte equality is SQLite's only for the BINARY collation (not NOCASE, RTRIM).
      const char* collation = sqlite3_vtab_collation(info, i);
      if (collation != nullptr && !absl::EqualsIgnoreCase(collation, "BINARY")) continue;
    }
    info->aConstraintUsage[i].argvIndex = ++pushed;
    info->aConstraintUsage[i].omit = 0;  // SQLite re-checks: the filters are supersets
    absl::StrAppend(&encoded, constraint.iColumn, ":", static_cast<int>(constraint.op), ";");
    if (constraint.op == SQLITE_INDEX_CONSTRAINT_EQ) {
      has_eq = true;
    } else {
      ++ranges;
    }
  }
  // ORDER BY or GROUP BY on plain columns of this table: SortedOrder() hands the rows over
  // in that order (a radix sort over dense ranks, cached), so SQLite needs no sorter and
  // aggregates a GROUP BY as a stream. Timestamps are excluded: their TEXT order equals
  // time order only for four-digit years.
  const int distinct = sqlite3_vtab_distinct(info);
  // Only for a full scan: with constraints, SQLite sorting the few rows left is cheaper
  // than ordering the whole table.
  bool ordered = pushed == 0 && info->nOrderBy > 0 && (distinct == 0 || distinct == 1);
  for (int i = 0; ordered && i < info->nOrderBy; ++i) {
    const int column = info->aOrderBy[i].iColumn;
    ordered = column >= 0 && schema.field(column).type != DataType::kTimestamp;
  }
  if (ordered) {
    encoded += "|";
    for (int i = 0; i < info->nOrderBy; ++i) {
      absl::StrAppend(&encoded, info->aOrderBy[i].iColumn, info->aOrderBy[i].desc ? "d," : "a,");
    }
    info->orderByConsumed = 1;
  }
  const bool grouped = ordered;
  const double rows = std::max<double>(1.0, static_cast<double>(source->table().num_rows()));
  if (pushed == 0) {
    info->estimatedRows = static_cast<sqlite3_int64>(rows);
    info->estimatedCost = rows;
    if (grouped) {
      info->idxStr = sqlite3_mprintf("%s", encoded.c_str());
      info->needToFreeIdxStr = 1;
    }
    return SQLITE_OK;
  }
  // Estimates in the spirit of SQLite's own for an index without statistics: ~10 rows per
  // equality, a third of the table per range bound. The cost is that of an index search
  // because repeated probes get a sorted index (SqlTableSource::RecordScan); a one-off
  // filter scans in C++, far cheaper per row than SQLite's VM.
  const double estimate = has_eq ? std::min(rows, 10.0) : std::max(1.0, rows / (ranges >= 2 ? 9 : 3));
  info->estimatedRows = static_cast<sqlite3_int64>(estimate);
  info->estimatedCost = std::log2(rows + 1) + estimate;
  info->idxStr = sqlite3_mprintf("%s", encoded.c_str());
  info->needToFreeIdxStr = 1;
  return SQLITE_OK;
}

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  auto cursor = std::make_unique<Cursor>();
  cursor->source = static_cast<VirtualTable*>(vtab)->source;
  *out = cursor.release();  // SQLite hands it back to Close
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* cursor) {
  std::unique_ptr<Cursor> owned(static_cast<Cursor*>(cursor));
  return SQLITE_OK;
}

int Filter(sqlite3_vtab_cursor* base, int /*idx_num*/, const char* idx_str, int argc,
           sqlite3_value** argv) {
  auto* cur = static_cast<Cursor*>(base);
  SqlTableSource& source = *cur->source;
  const table::Table& t = source.table();
  ++source.stats().scans;
  cur->filters.clear();
  cur->order = nullptr;
  cur->pos = 0;
  cur->end = t.num_rows();
  cur->eof = false;
  bool possible = true;
  // idx_str is BestIndex's "column:op;" list, one entry per argv value, in order.
  const char* p = idx_str == nullptr ? "" : idx_str;
  for (int arg = 0; arg < argc && *p != '\0' && *p != '|'; ++arg) {
    int column = 0;
    while (*p >= '0' && *p <= '9') column = column * 10 + (*p++ - '0');
    ++p;  // ':'
    int op = 0;
    while (*p >= '0' && *p <= '9') op = op * 10 + (*p++ - '0');
    ++p;  // ';'
    if (column < 0 || column >= t.num_columns()) continue;
    ColumnFilter* f = nullptr;
    for (ColumnFilter& existing : cur->filters) {
      if (existing.column == column) f = &existing;
    }
    if (f == nullptr) {
      f = &cur->filters.emplace_back();
      f->column = column;
      f->type = t.column(column).type();
    }
    if (!Narrow(*f, t.column(column), source, static_cast<unsigned char>(op), argv[arg])) {
      possible = false;
    }
  }
  if (!possible) {
    cur->eof = true;
    return SQLITE_OK;
  }
  // "|c1a,c2d,": BestIndex promised SQLite rows in this order.
  if (const char* sorted = std::strchr(p, '|'); sorted != nullptr) {
    std::vector<SqlTableSource::OrderTerm> terms;
    for (const char* q = sorted + 1; *q != '\0';) {
      SqlTableSource::OrderTerm term;
      while (*q >= '0' && *q <= '9') term.column = term.column * 10 + (*q++ - '0');
      if (*q == 'd') term.descending = true;
      if (*q != '\0') ++q;
      if (*q == ',') ++q;
      if (term.column < t.num_columns()) terms.push_back(term);
    }
    const std::vector<int64_t>& order = source.SortedOrder(terms);
    cur->order = order.data();
    cur->pos = 0;
    cur->end = static_cast<int64_t>(order.size());
    Advance(cur);
    return SQLITE_OK;
  }
  // Drive the scan by the most selective filter: an equality if there is one.
  const ColumnFilter* driver = nullptr;
  for (const ColumnFilter& f : cur->filters) {
    if (f.Bounded() && (driver == nullptr || (f.has_eq && !driver->has_eq))) driver = &f;
  }
  if (driver != nullptr) {
    if (const SortedColumnIndex* index = source.IndexFor(driver->column)) {
      SeekIndex(cur, *index, *driver);
    } else {
      source.RecordScan(driver->column, t.num_rows());
    }
  }
  Advance(cur);
  return SQLITE_OK;
}

int Next(sqlite3_vtab_cursor* base) {
  Advance(static_cast<Cursor*>(base));
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* base) { return static_cast<Cursor*>(base)->eof ? 1 : 0; }

int ColumnValue(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
  auto* cur = static_cast<Cursor*>(base);
  const Column& c = cur->source->table().column(i);
  const int64_t row = cur->row;
  if (c.IsNull(row)) {
    sqlite3_result_null(ctx);
    return SQLITE_OK;
  }
  const size_t r = static_cast<size_t>(row);
  switch (c.type()) {
    case DataType::kInt64:
      sqlite3_result_int64(ctx, c.Int64s()[r]);
      break;
    case DataType::kBool:
      sqlite3_result_int(ctx, c.Bools()[r] != 0 ? 1 : 0);
      break;
    case DataType::kFloat64: {
      const double v = c.Float64s()[r];
      if (std::isnan(v)) {
        sqlite3_result_null(ctx);
      } else {
        sqlite3_result_double(ctx, v);
      }
      break;
    }
    case DataType::kString:
    case DataType::kCategory: {
      // The bytes live as long as the registered table: SQLite may point at them.
      const std::string_view s = c.StringAt(row);
      if (s.empty()) {
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
      } else {
        sqlite3_result_text64(ctx, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      }
      break;
    }
    case DataType::kTimestamp:
      cur->text = io::FormatTimestampMicros(c.Int64s()[r]);
      sqlite3_result_text64(ctx, cur->text.data(), cur->text.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8);
      break;
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  *rowid = static_cast<Cursor*>(base)->row;
  return SQLITE_OK;
}

const sqlite3_module& Module() {
  static const sqlite3_module module = [] {
    sqlite3_module m;
    std::memset(&m, 0, sizeof(m));
    m.iVersion = 0;
    m.xCreate = nullptr;  // eponymous-only: no CREATE VIRTUAL TABLE
    m.xConnect = Connect;
    m.xBestIndex = BestIndex;
    m.xDisconnect = Disconnect;
    m.xDestroy = Disconnect;
    m.xOpen = Open;
    m.xClose = Close;
    m.xFilter = Filter;
    m.xNext = Next;
    m.xEof = Eof;
    m.xColumn = ColumnValue;
    m.xRowid = Rowid;
    m.xUpdate = nullptr;  // read-only
    return m;
  }();
  return module;
}

}  // namespace

absl::Status RegisterSqlTableModule(sqlite3* db, SqlTableSource* source) {
  const int rc =
      sqlite3_create_module_v2(db, source->name().c_str(), &Module(), source, nullptr);
  if (rc != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("cannot register table '", source->name(),
                                            "' with SQLite: ", sqlite3_errmsg(db)));
  }
  return absl::OkStatus();
}

}  // namespace strata::data::internal
