// MLflow search-filter grammar: a tokenizer and recursive-descent parser for the `filter` and
// `order_by` strings of runs/search and experiments/search (and usable by the model registry).
//
//   filter     := <empty> | comparison (AND comparison)*          -- AND is case-insensitive
//   comparison := identifier op value
//   identifier := word | word '.' key                             -- e.g. metrics.acc, name
//   key        := [A-Za-z0-9_.:/-]+ | `quoted` | "quoted"         -- tags."my key", metrics.`m 1`
//   op value   := (= | != | < | <= | > | >=) (string | number)
//               | [I]LIKE string | [NOT] IN '(' value (',' value)* ')' | IS [NOT] NULL
//   string     := '...' | "..."        -- '' (doubled quote) or backslash escapes a character
//   order_by   := identifier [ASC | DESC]
//
// Parsing is two steps: ParseFilterExpression() checks only the grammar; the dialect functions
// (ParseRunFilter, ParseExperimentFilter) then map entity prefixes and apply MLflow's type
// rules (metrics compare numerically, params/tags as strings, ...). Every error is
// INVALID_ARGUMENT with a message naming the filter and the character offset of the problem.
//
// Thread-safety: all functions are pure and thread-safe.
#ifndef STRATA_TRACKING_SEARCH_FILTER_H_
#define STRATA_TRACKING_SEARCH_FILTER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace strata::tracking {

enum class FilterOp {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kLike,
  kILike,
  kIn,
  kNotIn,
  kIsNull,
  kIsNotNull,
};

// SQL-ish spelling of `op` ("=", "LIKE", "NOT IN", ...).
std::string_view FilterOpName(FilterOp op);

enum class FilterEntity { kUnknown, kMetric, kParam, kTag, kAttribute, kDataset };

enum class FilterValueKind { kNone, kNumber, kString, kList };

// One comparison `<entity>.<key> <op> <value>`.
struct FilterTerm {
  // Prefix as written, lower-cased ("metrics", "tag", "attr"); empty for a bare identifier
  // (then `key` holds the bare word, e.g. "name").
  std::string prefix;
  std::string key;
  // Filled in by the dialect functions; kUnknown after ParseFilterExpression().
  FilterEntity entity = FilterEntity::kUnknown;
  FilterOp op = FilterOp::kEq;
  FilterValueKind value_kind = FilterValueKind::kNone;
  double number = 0;              // kNumber
  std::string text;               // kString; also the number as written for kNumber
  std::vector<std::string> list;  // kList (IN / NOT IN); numbers keep their spelling
  size_t offset = 0;              // character offset of the identifier in the filter
};

// Grammar only. Errors: INVALID_ARGUMENT "Invalid filter '<f>': <what> at offset N".
absl::StatusOr<std::vector<FilterTerm>> ParseFilterExpression(std::string_view filter);

// Runs dialect: entities metric(s)., param(s)., tag(s)., attribute(s)./attr./run., dataset(s).;
// attribute keys are canonicalized (run_id, run_name, status, user_id, artifact_uri,
// lifecycle_stage: strings; start_time (alias created), end_time: numbers); dataset keys
// name, digest, context. Errors: INVALID_ARGUMENT.
absl::StatusOr<std::vector<FilterTerm>> ParseRunFilter(std::string_view filter);

// Experiments dialect: name (string), creation_time / last_update_time (numbers), bare or with
// an attribute prefix, and tags.<key> (string). Errors: INVALID_ARGUMENT.
absl::StatusOr<std::vector<FilterTerm>> ParseExperimentFilter(std::string_view filter);

struct OrderByTerm {
  FilterEntity entity = FilterEntity::kAttribute;
  std::string key;  // canonical attribute name for kAttribute
  bool ascending = true;
};

// `metrics.m1 DESC`, `attributes.start_time`, `params.p ASC`, `tags.t`; a bare attribute name
// is accepted too. Errors: INVALID_ARGUMENT.
absl::StatusOr<OrderByTerm> ParseRunOrderBy(std::string_view order_by);

// `name`, `experiment_id`, `creation_time`, `last_update_time` (optionally attribute-prefixed)
// with ASC/DESC. Errors: INVALID_ARGUMENT.
absl::StatusOr<OrderByTerm> ParseExperimentOrderBy(std::string_view order_by);

}  // namespace strata::tracking

#endif  // STRATA_TRACKING_SEARCH_FILTER_H_
