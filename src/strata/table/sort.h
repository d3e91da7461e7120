// Sorting tables by one or more columns.
//
// Order within a key: ascending or descending by value; float64 NaN sorts after every number
// (in both directions, as pandas does); nulls go last unless `nulls_first`. Strings compare
// bytewise. The sort is stable: rows with equal keys keep their input order.
#ifndef STRATA_TABLE_SORT_H_
#define STRATA_TABLE_SORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/table/table.h"

namespace strata::table {

struct SortKey {
  std::string column;
  bool ascending = true;
  bool nulls_first = false;
};

// Row positions of `table` in sorted order.
// Errors: NOT_FOUND for an unknown column, INVALID_ARGUMENT for no keys.
absl::StatusOr<std::vector<int64_t>> SortIndices(const Table& table,
                                                 const std::vector<SortKey>& keys);

// `table` with its rows in sorted order (a copy). Errors as for SortIndices().
absl::StatusOr<Table> SortTable(const Table& table, const std::vector<SortKey>& keys);

}  // namespace strata::table

#endif  // STRATA_TABLE_SORT_H_
