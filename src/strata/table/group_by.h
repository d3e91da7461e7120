// Hash group-by with the common aggregates.
//
// Groups appear in the order of their first row. Key columns may be of any type; nulls form
// their own group (as in pandas with dropna=False and SQL's GROUP BY), NaN keys form one group,
// and -0.0 groups with 0.0. Aggregates skip nulls and NaN (pandas' skipna): count(column)
// counts the rest, count(*) (an empty column name) counts rows; sum, mean, min and max of a
// group with nothing left are null. Integer sums wrap on overflow (two's complement).
#ifndef STRATA_TABLE_GROUP_BY_H_
#define STRATA_TABLE_GROUP_BY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/table/table.h"

namespace strata::table {

enum class AggregateOp { kCount, kSum, kMean, kMin, kMax };

struct Aggregate {
  AggregateOp op = AggregateOp::kCount;
  std::string column = "";       // empty: count(*)
  std::string output_name = "";  // empty: "op(column)", e.g. "sum(amount)", "count(*)"
};

// One row per group: the key columns (named as in `table`), then one column per aggregate.
// Output types: count int64; sum int64 for int64/bool input, float64 for float64; mean
// float64; min/max the input's type (int64, float64, timestamp or string).
// Errors: NOT_FOUND for an unknown column; INVALID_ARGUMENT for no keys, an aggregate that
// does not apply to its column's type (the message names both), or a repeated output name.
absl::StatusOr<Table> GroupBy(const Table& table, const std::vector<std::string>& keys,
                              const std::vector<Aggregate>& aggregates);

}  // namespace strata::table

#endif  // STRATA_TABLE_GROUP_BY_H_
