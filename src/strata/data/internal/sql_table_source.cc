// SqlTableSource: what the virtual tables of sql_vtab.cc read, and the orders and indexes
// they cache per registered table.
#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/data/internal/sql_vtab.h"

namespace strata::data::internal {
namespace {

using table::Column;
using table::DataType;

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char ch : name) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
  return out;
}

}  // namespace

int64_t IntKey(const Column& c, int64_t row) {
  switch (c.type()) {
    case DataType::kBool:
      return c.Bools()[static_cast<size_t>(row)];
    case DataType::kCategory:
      return c.CategoryCodes()[static_cast<size_t>(row)];
    default:
      return c.Int64s()[static_cast<size_t>(row)];
  }
}

const char* DeclaredType(DataType type) {
  switch (type) {
    case DataType::kInt64:
      return kDeclInt64;
    case DataType::kFloat64:
      return kDeclFloat64;
    case DataType::kBool:
      return kDeclBool;
    case DataType::kString:
      return kDeclString;
    case DataType::kCategory:
      return kDeclCategory;
    case DataType::kTimestamp:
      return kDeclTimestamp;
  }
  return kDeclString;
}

std::optional<DataType> TypeFromDeclared(const char* declared) {
  if (declared == nullptr) return std::nullopt;
  const std::string_view d(declared);
  if (d == kDeclInt64) return DataType::kInt64;
  if (d == kDeclFloat64) return DataType::kFloat64;
  if (d == kDeclBool) return DataType::kBool;
  if (d == kDeclString) return DataType::kString;
  if (d == kDeclCategory) return DataType::kCategory;
  if (d == kDeclTimestamp) return DataType::kTimestamp;
  return std::nullopt;
}

SqlTableSource::SqlTableSource(std::string name, table::Table table, int* declaring)
    : name_(std::move(name)),
      table_(std::move(table)),
      declaring_(declaring),
      scan_work_(static_cast<size_t>(table_.num_columns()), 0),
      indexes_(static_cast<size_t>(table_.num_columns())),
      category_codes_(static_cast<size_t>(table_.num_columns())) {}

absl::Status SqlTableSource::CheckDeclarable() const {
  if (table_.num_columns() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("table '", name_, "' has no columns"));
  }
  // SQLite's column names are case-insensitive (ASCII).
  absl::flat_hash_set<std::string> seen;
  for (const table::Field& f : table_.schema().fields()) {
    if (!seen.insert(absl::AsciiStrToLower(f.name)).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "table '", name_, "': column '", f.name,
          "' differs from another column only in case; SQL names are case-insensitive"));
    }
  }
  return absl::OkStatus();
}

std::string SqlTableSource::DeclarationSql() const {
  std::string sql = "CREATE TABLE x(";
  for (int i = 0; i < table_.num_columns(); ++i) {
    const table::Field& f = table_.schema().field(i);
    absl::StrAppend(&sql, i == 0 ? "" : ", ", QuoteIdentifier(f.name), " ", DeclaredType(f.type));
  }
  sql += ")";
  return sql;
}

const SortedColumnIndex* SqlTableSource::IndexFor(int column) {
  return indexes_[static_cast<size_t>(column)].get();
}

void SqlTableSource::RecordScan(int column, int64_t rows_scanned) {
  const size_t c = static_cast<size_t>(column);
  scan_work_[c] += rows_scanned;
  if (indexes_[c] == nullptr && scan_work_[c] > 4 * table_.num_rows() + 1024) BuildIndex(column);
}

void SqlTableSource::BuildIndex(int column) {
  const Column& c = table_.column(column);
  auto index = std::make_unique<SortedColumnIndex>();
  const int64_t n = c.size();
  if (c.type() == DataType::kFloat64) {
    std::vector<std::pair<double, int64_t>> pairs;
    pairs.reserve(static_cast<size_t>(n - c.null_count()));
    const auto values = c.Float64s();
    for (int64_t r = 0; r < n; ++r) {
      const double v = values[static_cast<size_t>(r)];
      if (!c.IsNull(r) && !std::isnan(v)) pairs.emplace_back(v, r);
    }
    std::sort(pairs.begin(), pairs.end());
    index->double_keys.reserve(pairs.size());
    index->rows.reserve(pairs.size());
    for (const auto& [key, row] : pairs) {
      index->double_keys.push_back(key);
      index->rows.push_back(row);
    }
  } else if (c.type() == DataType::kString) {
    for (int64_t r = 0; r < n; ++r) {
      if (!c.IsNull(r)) index->rows.push_back(r);
    }
    std::stable_sort(index->rows.begin(), index->rows.end(),
                     [&](int64_t a, int64_t b) { return c.StringAt(a) < c.StringAt(b); });
  } else {
    std::vector<std::pair<int64_t, int64_t>> pairs;
    pairs.reserve(static_cast<size_t>(n - c.null_count()));
    for (int64_t r = 0; r < n; ++r) {
      if (!c.IsNull(r)) pairs.emplace_back(IntKey(c, r), r);
    }
    std::sort(pairs.begin(), pairs.end());
    index->int_keys.reserve(pairs.size());
    index->rows.reserve(pairs.size());
    for (const auto& [key, row] : pairs) {
      index->int_keys.push_back(key);
      index->rows.push_back(row);
    }
  }
  indexes_[static_cast<size_t>(column)] = std::move(index);
  ++stats_.indexes_built;
}

namespace {

// Dense ranks of `keys` (one per distinct value, first appearance order) in ascending order.
template <typename Key, typename Less>
std::vector<int64_t> RanksOf(const std::vector<Key>& keys, Less less) {
  std::vector<int64_t> by_value(keys.size());
  for (size_t i = 0; i < by_value.size(); ++i) by_value[i] = static_cast<int64_t>(i);
  std::sort(by_value.begin(), by_value.end(), [&](int64_t a, int64_t b) {
    return less(keys[static_cast<size_t>(a)], keys[static_cast<size_t>(b)]);
  });
  std::vector<int64_t> rank(keys.size());
  for (size_t i = 0; i < by_value.size(); ++i) rank[static_cast<size_t>(by_value[i])] = static_cast<int64_t>(i);
  return rank;
}

// Per row: 0 for NULL (and NaN, which SQLite sees as NULL), else 1 + the value's rank in
// SQLite's ascending order (numbers by value with -0.0 = 0.0, strings bytewise); and the
// number of ranks.
std::pair<std::vector<int64_t>, int64_t> RowRanks(const Column& c) {
  const int64_t n = c.size();
  std::vector<int64_t> row_ids(static_cast<size_t>(n), -1);
  std::vector<int64_t> rank;
  if (c.type() == DataType::kString || c.type() == DataType::kCategory) {
    absl::flat_hash_map<std::string_view, int64_t> seen;
    std::vector<std::string_view> keys;
    for (int64_t r = 0; r < n; ++r) {
      if (c.IsNull(r)) continue;
      auto [it, added] = seen.try_emplace(c.StringAt(r), static_cast<int64_t>(keys.size()));
      if (added) keys.push_back(it->first);
      row_ids[static_cast<size_t>(r)] = it->second;
    }
    rank = RanksOf(keys, [](std::string_view a, std::string_view b) { return a < b; });
  } else if (c.type() == DataType::kFloat64) {
    absl::flat_hash_map<double, int64_t> seen;
    std::vector<double> keys;
    const auto values = c.Float64s();
    for (int64_t r = 0; r < n; ++r) {
      double v = values[static_cast<size_t>(r)];
      if (c.IsNull(r) || std::isnan(v)) continue;
      if (v == 0) v = 0;  // -0.0 sorts and groups with 0.0, as SQLite compares them equal
      auto [it, added] = seen.try_emplace(v, static_cast<int64_t>(keys.size()));
      if (added) keys.push_back(v);
      row_ids[static_cast<size_t>(r)] = it->second;
    }
    rank = RanksOf(keys, [](double a, double b) { return a < b; });
  } else {
    absl::flat_hash_map<int64_t, int64_t> seen;
    std::vector<int64_t> keys;
    for (int64_t r = 0; r < n; ++r) {
      if (c.IsNull(r)) continue;
      auto [it, added] = seen.try_emplace(IntKey(c, r), static_cast<int64_t>(keys.size()));
      if (added) keys.push_back(it->first);
      row_ids[static_cast<size_t>(r)] = it->second;
    }
    rank = RanksOf(keys, [](int64_t a, int64_t b) { return a < b; });
  }
  for (int64_t& id : row_ids) id = id < 0 ? 0 : rank[static_cast<size_t>(id)] + 1;
  return {std::move(row_ids), static_cast<int64_t>(rank.size()) + 1};
}

}  // namespace

const std::vector<int64_t>& SqlTableSource::SortedOrder(const std::vector<OrderTerm>& terms) {
  std::string key;
  for (const OrderTerm& t : terms) absl::StrAppend(&key, t.column, t.descending ? "d," : "a,");
  std::unique_ptr<std::vector<int64_t>>& cached = sorted_orders_[key];
  if (cached != nullptr) return *cached;
  const int64_t n = table_.num_rows();
  auto order = std::make_unique<std::vector<int64_t>>(static_cast<size_t>(n));
  for (int64_t r = 0; r < n; ++r) (*order)[static_cast<size_t>(r)] = r;
  // LSD radix sort: a stable counting sort per term, last term first.
  std::vector<int64_t> next(static_cast<size_t>(n));
  for (auto term = terms.rbegin(); term != terms.rend(); ++term) {
    auto [ranks, count] = RowRanks(table_.column(term->column));
    if (term->descending) {
      for (int64_t& r : ranks) r = count - 1 - r;  // NULLs (rank 0) last, as SQLite's DESC
    }
    std::vector<int64_t> starts(static_cast<size_t>(count) + 1, 0);
    for (int64_t r : ranks) ++starts[static_cast<size_t>(r) + 1];
    for (size_t i = 1; i < starts.size(); ++i) starts[i] += starts[i - 1];
    for (int64_t row : *order) {
      next[static_cast<size_t>(starts[static_cast<size_t>(ranks[static_cast<size_t>(row)])]++)] = row;
    }
    order->swap(next);
  }
  cached = std::move(order);
  return *cached;
}

std::optional<int32_t> SqlTableSource::CategoryCode(int column, std::string_view value) {
  auto& codes = category_codes_[static_cast<size_t>(column)];
  const Column& c = table_.column(column);
  if (codes == nullptr) {
    codes = std::make_unique<absl::flat_hash_map<std::string, int32_t>>();
    for (int32_t code = 0; code < c.DictionarySize(); ++code) {
      codes->emplace(std::string(c.DictionaryAt(code)), code);
    }
  }
  auto it = codes->find(AsAbsl(value));
  if (it == codes->end()) return std::nullopt;
  return it->second;
}

}  // namespace strata::data::internal
