#include "strata/table/sort.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/status/status.h"
#include "strata/base/status_macros.h"

namespace strata::table {
namespace {

// One key, resolved: the column and how to compare two of its rows. Three-way compare so
// that multi-key sorting looks at each key once per pair.
struct ResolvedKey {
  const Column* column;
  bool ascending;
  bool nulls_first;

  // <0 when row a sorts before row b, 0 when equal under this key, >0 after.
  int Compare(int64_t a, int64_t b) const {
    const bool a_null = column->IsNull(a);
    const bool b_null = column->IsNull(b);
    if (a_null || b_null) {
      if (a_null == b_null) return 0;
      return (a_null == nulls_first) ? -1 : 1;
    }
    int c = 0;
    switch (column->type()) {
      case DataType::kBool:
        c = ThreeWay(column->Bools()[a], column->Bools()[b]);
        break;
      case DataType::kInt64:
      case DataType::kTimestamp:
        c = ThreeWay(column->Int64s()[a], column->Int64s()[b]);
        break;
      case DataType::kFloat64: {
        const double x = column->Float64s()[a];
        const double y = column->Float64s()[b];
        const bool x_nan = std::isnan(x);
        const bool y_nan = std::isnan(y);
        if (x_nan || y_nan) return x_nan == y_nan ? 0 : (x_nan ? 1 : -1);  // NaN last
        c = ThreeWay(x, y);
        break;
      }
      case DataType::kString:
      case DataType::kCategory:
        c = column->StringAt(a).compare(column->StringAt(b));
        c = c < 0 ? -1 : (c > 0 ? 1 : 0);
        break;
    }
    return ascending ? c : -c;
  }

  template <typename T>
  static int ThreeWay(const T& x, const T& y) {
    return x < y ? -1 : (y < x ? 1 : 0);
  }
};

}  // namespace

absl::StatusOr<std::vector<int64_t>> SortIndices(const Table& table,
                                                 const std::vector<SortKey>& keys) {
  if (keys.empty()) return absl::InvalidArgumentError("sort needs at least one key");
  std::vector<ResolvedKey> resolved;
  resolved.reserve(keys.size());
  for (const SortKey& k : keys) {
    ASSIGN_OR_RETURN(const Column* c, table.ColumnByName(k.column));
    resolved.push_back(ResolvedKey{c, k.ascending, k.nulls_first});
  }
  std::vector<int64_t> rows(static_cast<size_t>(table.num_rows()));
  std::iota(rows.begin(), rows.end(), int64_t{0});
  std::stable_sort(rows.begin(), rows.end(), [&](int64_t a, int64_t b) {
    for (const ResolvedKey& k : resolved) {
      const int c = k.Compare(a, b);
      if (c != 0) return c < 0;
    }
    return false;
  });
  return rows;
}

absl::StatusOr<Table> SortTable(const Table& table, const std::vector<SortKey>& keys) {
  ASSIGN_OR_RETURN(std::vector<int64_t> rows, SortIndices(table, keys));
  return table.Take(rows);
}

}  // namespace strata::table
