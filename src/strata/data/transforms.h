// Fitted transforms: a TransformPipeline learns from a training table (means, categories,
// bin edges, ...) and then applies exactly what it learned, to a whole table in batch or to
// one row at serving time. Both paths run each transformer's single per-value core
// (`ApplyValue` in data/internal/*), so training and serving cannot disagree.
//
// A pipeline is declared before fitting as a spec (JSON or YAML):
//   {"steps": [{"kind": "standard_scaler", "columns": ["age", "income"]},
//              {"kind": "one_hot", "columns": ["city"], "handle_unknown": "ignore"}]}
// Each step replaces each of its columns, in place, by its output column(s); other columns
// pass through unchanged. Step i is fitted on the output of steps 0..i-1.
//
// Kinds and options (defaults first; semantics follow scikit-learn where it has the same
// transformer):
//   standard_scaler  with_mean true|false, with_std true|false. Population std (ddof = 0);
//                    a (near-)constant column gets scale 1. -> float64
//   min_max_scaler   feature_range [0, 1], clip false. -> float64
//   imputer          strategy mean|median|most_frequent|constant, fill_value (number or
//                    string; default 0 / "missing_value"). Number columns -> float64,
//                    string columns (most_frequent, constant only) -> string.
//   one_hot          handle_unknown error|ignore|infrequent, min_frequency 1 (categories
//                    seen fewer times go to the infrequent bucket), drop none|first,
//                    nulls zeros|column. -> float64 0/1 columns "col=value" in sorted category
//                    order, then "col=__infrequent__", then "col=__null__".
//   ordinal          unknown_value (a number; absent: an unknown category is an error).
//                    Sorted categories -> float64 codes 0, 1, ...
//   bucketize        boundaries [b1, b2, ...] (strictly increasing), or strategy
//                    uniform|quantile with n_bins 5 (KBinsDiscretizer, encode='ordinal').
//                    -> int64 bin index (number of inner edges <= x).
//   log              base log1p|log, offset 0 (log: log(x + offset)), on_invalid error|null
//                    (log1p: x < 0 is invalid; log: x + offset <= 0). -> float64
//   target_encoder   smoothing 1.0 (m-estimate: (sum + m * global_mean) / (count + m)).
//                    Needs Fit's target. Unseen and null categories -> the global mean.
// Nulls: numeric transforms propagate null (a float NaN counts as null); the imputer fills
// them; one_hot gives all zeros (or its "__null__" column); ordinal gives null; bucketize
// gives null. Categories are matched by text: strings as they are, int64 and float64 by
// their shortest decimal form, bools as "true"/"false".
//
// The fitted pipeline serializes to JSON (ToJson/FromJson, "format_version": 1) with every
// learned double written in its shortest round-trip form, so a reloaded pipeline gives
// bit-identical outputs.
//
// Thread-safety: a fitted pipeline is immutable; Transform, TransformRow and ToJson may run
// concurrently from any number of threads. Fit is not thread-safe.
#ifndef STRATA_DATA_TRANSFORMS_H_
#define STRATA_DATA_TRANSFORMS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json_fwd.hpp"
#include "strata/table/table.h"

namespace strata::data {

// One cell of a row: null, bool, int64, float64 or string.
using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;
// A row as (column name, value) pairs; order is kept in the output.
using Row = std::vector<std::pair<std::string, Value>>;

namespace internal {
class ColumnTransform;
}  // namespace internal

// What one fitted step learned, for people (`strata data fit-transform` prints these).
struct StepSummary {
  std::string kind;
  // One line per input column: "age: mean=41.5 scale=12.25".
  std::vector<std::string> lines;
};

class TransformPipeline {
 public:
  TransformPipeline();
  ~TransformPipeline();
  TransformPipeline(TransformPipeline&&) noexcept;
  TransformPipeline& operator=(TransformPipeline&&) noexcept;

  // An unfitted pipeline from a spec. Errors: INVALID_ARGUMENT naming the step and field
  // (unknown kind or field, wrong type, bad value).
  static absl::StatusOr<TransformPipeline> FromSpecJson(std::string_view text);
  static absl::StatusOr<TransformPipeline> FromSpecYaml(std::string_view text);

  // A fitted pipeline written by ToJson. Everything is validated: format and version, kinds,
  // options, and each column's learned state (types, lengths, finite numbers, sorted
  // distinct categories). Errors: INVALID_ARGUMENT naming the step, column and field.
  static absl::StatusOr<TransformPipeline> FromJson(std::string_view text);

  // Learns every step in order. `target` names the target column, required when a step is a
  // target_encoder (and otherwise ignored). Errors: NOT_FOUND for a missing column,
  // INVALID_ARGUMENT for a column of the wrong type, one with no values to learn from, or
  // non-finite statistics, naming the step and column.
  absl::Status Fit(const table::Table& data, std::string_view target = {});
  bool fitted() const { return fitted_; }
  int num_steps() const { return static_cast<int>(steps_.size()); }

  // Applies the fitted steps. Errors: FAILED_PRECONDITION before Fit; NOT_FOUND for a missing
  // column; INVALID_ARGUMENT for a value a step rejects (unknown category under
  // handle_unknown=error, a negative under log), naming the step, column and row.
  absl::StatusOr<table::Table> Transform(const table::Table& data) const;

  // The same on one row; errors as Transform, without a row number.
  absl::StatusOr<Row> TransformRow(const Row& row) const;

  // The fitted pipeline (or, before Fit, the spec) as JSON text.
  std::string ToJson() const;
  // What each step learned; empty before Fit.
  std::vector<StepSummary> Summaries() const;

 private:
  struct Step;
  absl::StatusOr<table::Table> ApplyStep(const Step& step, int index,
                                         const table::Table& data) const;
  static absl::StatusOr<TransformPipeline> FromParsed(const nlohmann::json& root, bool fitted);

  std::vector<std::unique_ptr<Step>> steps_;
  bool fitted_ = false;
};

}  // namespace strata::data

#endif  // STRATA_DATA_TRANSFORMS_H_
