// Declarative data cleaning: a YAML spec of steps (type coercion, null handling,
// de-duplication, outlier clipping, string normalisation, validation rules) applied in order
// to a table. Nothing is dropped silently: a value a step cannot accept goes to a quarantine
// table (original row number, column, rule, reason, value) and every step's effect is
// counted in a report. `strata data clean` is the command-line face; data/README.md documents
// the YAML shape with an example.
//
//   absl::StatusOr<CleanSpec> spec = ParseCleanSpec(yaml_text);
//   absl::StatusOr<CleanResult> result = ApplyCleanSpec(table, *spec);
//   // result->cleaned, result->quarantine, CleanReportToJson(result->report)
//
// Thread-safety: the functions are thread-safe; the types are plain values.
#ifndef STRATA_DATA_CLEAN_H_
#define STRATA_DATA_CLEAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "strata/table/table.h"

namespace strata::data {

// Where a spec element was written: 1-based line and column in the YAML text (0 = unknown).
struct SpecLocation {
  int line = 0;
  int column = 0;
};

// What a step does with a value it rejects. kQuarantineRow removes the row from the output
// and records it; kNull sets the cell null, keeps the row, and still records the value.
enum class OnError { kQuarantineRow, kNull };

// coerce: each listed column converted to `type`.
struct CoerceColumn {
  std::string column;
  table::DataType type = table::DataType::kString;
  // kTimestamp only: a strptime-style pattern (%Y %m %d %H %M %S %f %z %%); empty = ISO 8601.
  std::string format;
  OnError on_error = OnError::kQuarantineRow;
  SpecLocation where;
};
struct CoerceStep {
  std::vector<CoerceColumn> columns;
};

// drop_nulls: rows with a null in any of `columns` (all columns when empty) are removed
// (pandas' dropna(subset=...)). Counted as dropped, not quarantined: the spec asked for it.
struct DropNullsStep {
  std::vector<std::string> columns;
};

enum class FillStrategy { kValue, kMean, kMedian, kMode };
struct FillColumn {
  std::string column;
  FillStrategy strategy = FillStrategy::kValue;
  // kValue: the constant as written, read as the column's type when the step runs.
  std::string value;
  SpecLocation where;
};
// fill_nulls: nulls replaced per column.
struct FillNullsStep {
  std::vector<FillColumn> columns;
};

enum class DedupKeep { kFirst, kLast };
// dedup: rows equal on `keys` (whole rows when empty) after the first (or before the last)
// are removed; nulls equal nulls, as in pandas' drop_duplicates.
struct DedupStep {
  std::vector<std::string> keys;
  DedupKeep keep = DedupKeep::kFirst;
};

enum class OutlierMethod { kIqr, kZScore };
enum class OutlierAction { kClip, kQuarantineRow };
// clip_outliers: bounds per numeric column from its non-null, non-NaN values.
//   iqr:    [Q1 - k*IQR, Q3 + k*IQR], quantiles linearly interpolated (pandas' default)
//   zscore: [mean - threshold*std, mean + threshold*std], std with ddof = 1 (pandas' .std())
struct ClipOutliersStep {
  std::vector<std::string> columns;
  OutlierMethod method = OutlierMethod::kIqr;
  double k = 1.5;
  double threshold = 3.0;
  OutlierAction action = OutlierAction::kClip;
};

enum class CaseFold { kNone, kLower, kUpper };
// strings: per value, in this order: trim, collapse_whitespace, case, replace (whole value).
struct StringsStep {
  std::vector<std::string> columns;
  bool trim = false;
  bool collapse_whitespace = false;
  CaseFold fold = CaseFold::kNone;
  std::vector<std::pair<std::string, std::string>> replace;
};

// range: non-null values outside [min, max] (inclusive; either may be absent) violate.
// The bounds are read as the column's type when the step runs (timestamps as ISO 8601).
struct RangeStep {
  std::vector<std::string> columns;
  std::optional<std::string> min;
  std::optional<std::string> max;
  OnError on_error = OnError::kQuarantineRow;
};
// allowed: non-null values not in `values` violate (pandas' isin, GE's be_in_set).
struct AllowedStep {
  std::vector<std::string> columns;
  std::vector<std::string> values;
  OnError on_error = OnError::kQuarantineRow;
};
// not_empty: nulls and strings that are empty or only whitespace violate.
struct NotEmptyStep {
  std::vector<std::string> columns;
  OnError on_error = OnError::kQuarantineRow;
};
// max_length: strings longer than `max` characters (UTF-8 code points, as pandas' str.len())
// violate.
struct MaxLengthStep {
  std::vector<std::string> columns;
  int64_t max = 0;
  OnError on_error = OnError::kQuarantineRow;
};

using CleanRule =
    std::variant<CoerceStep, DropNullsStep, FillNullsStep, DedupStep, ClipOutliersStep, StringsStep,
                 RangeStep, AllowedStep, NotEmptyStep, MaxLengthStep>;

struct CleanStep {
  CleanRule rule;
  // Optional label from the spec (`name:`); the report shows it beside the rule.
  std::string name;
  SpecLocation where;
};

// The steps run in the order written.
struct CleanSpec {
  std::vector<CleanStep> steps;
};

// The rule's spec name: "coerce", "drop_nulls", "fill_nulls", "dedup", "clip_outliers",
// "strings", "range", "allowed", "not_empty", "max_length".
std::string_view CleanRuleName(const CleanRule& rule);

// Parses the YAML spec (see data/README.md). Inputs over 1 MiB are refused before yaml-cpp
// sees them; nesting deeper than yaml-cpp's guard (its parser recurses) is an error too.
// Errors: INVALID_ARGUMENT with "line L, column C" for malformed YAML, an unknown rule or key,
// a value of the wrong type or out of range, a missing required key.
absl::StatusOr<CleanSpec> ParseCleanSpec(std::string_view yaml_text);

struct CleanOptions {
  // The row number the quarantine gives the table's first row (callers cleaning a chunk of a
  // larger file pass the chunk's first data row).
  int64_t first_row_number = 1;
};

// One step's effect, or the totals over all steps.
struct StepReport {
  int step = 0;  // 1-based position in the spec; 0 for the totals
  std::string rule;
  std::string name;
  int64_t rows_in = 0;
  int64_t rows_out = 0;
  int64_t rows_dropped = 0;      // removed on purpose: drop_nulls, dedup
  int64_t rows_quarantined = 0;  // removed and recorded in the quarantine
  int64_t values_coerced = 0;    // non-null values converted to the new type
  int64_t values_filled = 0;
  int64_t values_clipped = 0;
  int64_t values_changed = 0;  // strings: values the normalisation altered
  int64_t values_nulled = 0;   // on_error: null — set null and recorded in the quarantine
  int64_t quarantine_entries = 0;
  // What the step computed, for the reader of the report: "income: IQR bounds [..]".
  std::vector<std::string> notes;
};

struct CleanReport {
  int64_t input_rows = 0;
  int64_t output_rows = 0;
  std::vector<StepReport> steps;
  StepReport totals;
};

struct CleanResult {
  table::Table cleaned;
  // Columns row (int64, original 1-based data row), column, rule, reason, value (strings;
  // value is null when the cell was null). One entry per rejected cell, in step order, then
  // the step's column order, then row order.
  table::Table quarantine;
  CleanReport report;
};

// Applies `spec` to `input`.
// Errors: INVALID_ARGUMENT naming the step, its spec line and the column when a step does not
// fit the table (unknown column, a numeric rule on a string column, a fill value or bound
// that is not the column's type, mean of a string column).
absl::StatusOr<CleanResult> ApplyCleanSpec(const table::Table& input, const CleanSpec& spec,
                                           const CleanOptions& options = {});

// {"input_rows", "output_rows", "totals": {...}, "steps": [{"step", "rule", "name", counts...,
// "notes"}]}. IMPORTANT: notes quote values from the table, which need not be valid UTF-8
// (tables from the CSV reader are); dump with nlohmann::json::error_handler_t::replace.
nlohmann::json CleanReportToJson(const CleanReport& report);
// A few lines per step for a terminal.
std::string CleanReportToText(const CleanReport& report);

}  // namespace strata::data

#endif  // STRATA_DATA_CLEAN_H_
