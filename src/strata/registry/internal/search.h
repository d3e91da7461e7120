// Search support for the registry: the filter grammar of MLflow's model-registry searches,
// order_by clauses and page tokens, translated to parameterized SQL.
//
//   filter     := <empty> | comparison (AND comparison)*            -- AND case-insensitive
//   comparison := attribute op value | tags.key op value
//   attribute  := name | run_id | source_path | version_number        -- per dialect
//   key        := [A-Za-z0-9_.:/-]+ | `quoted` | "quoted"
//   op value   := (= | != | <> | < | <= | > | >=) (string | integer)
//               | [I]LIKE string | [NOT] IN '(' value (',' value)* ')'
//   string     := '...' | "..."   -- a doubled quote or a backslash escapes a character
//
// Every error is INVALID_ARGUMENT "Invalid filter '<f>': <what> at offset N". Values never
// reach SQL text: column names come from a fixed table, every value is a bound parameter.
//
// Thread-safety: all functions are pure and thread-safe.
#ifndef STRATA_REGISTRY_INTERNAL_SEARCH_H_
#define STRATA_REGISTRY_INTERNAL_SEARCH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/store/database.h"

namespace strata::registry::internal {

enum class Dialect { kRegisteredModels, kModelVersions };

enum class FilterOp { kEq, kNe, kLt, kLe, kGt, kGe, kLike, kILike, kIn, kNotIn };

enum class FilterField { kName, kRunId, kSourcePath, kVersionNumber, kTag };

struct FilterTerm {
  FilterField field = FilterField::kName;
  std::string tag_key;  // kTag
  FilterOp op = FilterOp::kEq;
  // One value, or the list of IN / NOT IN. Integers (version_number) keep their spelling.
  std::vector<std::string> values;
  size_t offset = 0;  // of the field in the filter text
};

// Errors: INVALID_ARGUMENT with the offset of the problem.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(std::string_view filter, Dialect dialect);

// A fragment of SQL with its bound parameters.
struct SqlFragment {
  std::string sql;
  std::vector<store::Value> params;
};

// " AND (...)" conditions for `terms` over table alias `t` ("m" for registered_models, "v" for
// model_versions); empty for no terms.
SqlFragment FilterToSql(const std::vector<FilterTerm>& terms, Dialect dialect);

// ORDER BY list (without the keywords) for `order_by`, with the dialect's tie-breakers.
// Errors: INVALID_ARGUMENT "Invalid order_by clause '<c>'..." for unknown keys or directions.
absl::StatusOr<std::string> OrderByToSql(const std::vector<std::string>& order_by, Dialect dialect);

// Page tokens carry an offset (searches) or the last id seen (audit).
std::string EncodePageToken(int64_t position);
// Errors: INVALID_ARGUMENT "Invalid page token".
absl::StatusOr<int64_t> DecodePageToken(std::string_view token);

// Errors: INVALID_ARGUMENT "Invalid value for request parameter max_results..."
absl::Status CheckMaxResults(int64_t max_results, int64_t limit);

}  // namespace strata::registry::internal

#endif  // STRATA_REGISTRY_INTERNAL_SEARCH_H_
