// Hash equi-join of two tables.
//
// Rows match when every key pair is equal; as in SQL, a null key matches nothing (NaN keys do
// match each other, -0.0 matches 0.0). The result has every column of `left`, then the
// non-key columns of `right`; a right column whose name is taken gets `right_suffix`
// appended. Rows come in left order; a left row's matches come in right order. An unmatched
// left row of a left join gets nulls in the right columns.
#ifndef STRATA_TABLE_JOIN_H_
#define STRATA_TABLE_JOIN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/table/table.h"

namespace strata::table {

enum class JoinType { kInner, kLeft };

struct JoinOptions {
  std::vector<std::string> left_keys;
  std::vector<std::string> right_keys;  // empty: the same names as left_keys
  JoinType type = JoinType::kInner;
  std::string right_suffix = "_right";
};

// Errors: NOT_FOUND for an unknown key column; INVALID_ARGUMENT for no keys, key lists of
// different lengths, a key pair of different types (named), or an output name that is still
// taken after the suffix.
absl::StatusOr<Table> HashJoin(const Table& left, const Table& right, const JoinOptions& options);

}  // namespace strata::table

#endif  // STRATA_TABLE_JOIN_H_
