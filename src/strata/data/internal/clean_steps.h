// The cleaning rules, one function per rule, over the table as it stands between steps.
// ApplyCleanSpec (data/clean.cc) runs them in spec order and removes the rows each step marks.
#ifndef STRATA_DATA_INTERNAL_CLEAN_STEPS_H_
#define STRATA_DATA_INTERNAL_CLEAN_STEPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/data/internal/text_format.h"
#include "strata/data/clean.h"
#include "strata/table/table.h"

namespace strata::data::internal {

struct QuarantineEntry {
  int64_t row = 0;  // 0-based input row
  std::string column;
  std::string rule;
  std::string reason;
  std::optional<std::string> value;  // nullopt: the cell was null
};

// The table between steps: columns may change type, rows only disappear.
struct WorkingTable {
  std::vector<table::Field> fields;
  std::vector<table::Column> columns;
  std::vector<int64_t> origin;  // the 0-based input row of each current row

  int64_t rows() const { return static_cast<int64_t>(origin.size()); }
};

// One running step: its identity for messages, the rows it removes, where its rejects go.
class StepContext {
 public:
  StepContext(const CleanStep& step, int index, int64_t rows,
              std::vector<QuarantineEntry>& quarantine, StepReport& report);

  // INVALID_ARGUMENT "step N (rule) at spec line L: what".
  absl::Status Error(std::string_view what) const;
  absl::Status ColumnError(std::string_view column, std::string_view what) const;
  // The column's position. Errors: INVALID_ARGUMENT naming the column and the table's columns.
  absl::StatusOr<int> Find(const WorkingTable& table, std::string_view column) const;
  // `columns`, or every column when empty.
  absl::StatusOr<std::vector<int>> FindAll(const WorkingTable& table,
                                           const std::vector<std::string>& columns) const;

  // Records a rejected cell. kQuarantineRow also marks the row for removal; with kNull the
  // caller sets the cell null.
  void Reject(const WorkingTable& table, int64_t row, int column, std::string reason,
              OnError on_error);
  // Marks a row for removal without a quarantine entry (drop_nulls, dedup).
  void Drop(int64_t row);

  std::vector<uint8_t>& remove() { return remove_; }
  StepReport& report() { return report_; }
  const std::string& rule() const { return rule_; }

 private:
  const CleanStep& step_;
  int index_ = 0;
  std::string rule_;
  std::vector<uint8_t> remove_;
  std::vector<QuarantineEntry>& quarantine_;
  StepReport& report_;
};

absl::Status ApplyCoerce(const CoerceStep& step, WorkingTable& table, StepContext& ctx);
absl::Status ApplyDropNulls(const DropNullsStep& step, WorkingTable& table, StepContext& ctx);
absl::Status ApplyFillNulls(const FillNullsStep& step, WorkingTable& table, StepContext& ctx);
absl::Status ApplyDedup(const DedupStep& step, WorkingTable& table, StepContext& ctx);
absl::Status ApplyClipOutliers(const ClipOutliersStep& step, WorkingTable& table, StepContext& ctx);
absl::Status ApplyStrings(const StringsStep& step, WorkingTable& table, StepContext& ctx);
absl::Status ApplyRange(const RangeStep& step, WorkingTable& table, StepContext& ctx);
absl::Status ApplyAllowed(const AllowedStep& step, WorkingTable& table, StepContext& ctx);
absl::Status ApplyNotEmpty(const NotEmptyStep& step, WorkingTable& table, StepContext& ctx);
absl::Status ApplyMaxLength(const MaxLengthStep& step, WorkingTable& table, StepContext& ctx);

// Helpers shared by the rules (clean_values.cc).

// `column` with the rows where `set_null` is 1 made null.
table::Column WithNulls(const table::Column& column, const std::vector<uint8_t>& set_null);
// Null, or NaN in a float64 column (pandas counts NaN as missing).
bool IsMissing(const table::Column& column, int64_t row);
// The cell as text for messages and the quarantine (io::FormatCell); nullopt for null.
std::optional<std::string> CellValue(const table::Column& column, int64_t row);
// The quantile `q` in [0, 1] of `values` (sorted in place, non-empty), linear interpolation
// between closest ranks: h = (n - 1) q, x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]),
// which is numpy's and pandas' default ("linear").
double LinearQuantile(std::vector<double>& values, double q);
// Parses `text` by `format` (strptime-style: %Y %m %d %H %M %S %f %z %%, other characters
// literal) into microseconds since the epoch, UTC.
bool ParseTimestampWithFormat(std::string_view text, std::string_view format, int64_t* micros);
// Leading and trailing ASCII whitespace removed.
std::string_view TrimAscii(std::string_view text);

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_CLEAN_STEPS_H_
