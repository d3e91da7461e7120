// ApplyCleanSpec: runs the steps in order over a working copy of the table, removes the rows
// each step marks, and assembles the quarantine and the report.
#include "strata/data/clean.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/status_macros.h"
#include "strata/data/internal/clean_steps.h"

namespace strata::data {
namespace {

using internal::QuarantineEntry;
using internal::StepContext;
using internal::WorkingTable;

absl::Status RunStep(const CleanRule& rule, WorkingTable& t, StepContext& ctx) {
  if (auto* s = std::get_if<CoerceStep>(&rule)) return internal::ApplyCoerce(*s, t, ctx);
  if (auto* s = std::get_if<DropNullsStep>(&rule)) return internal::ApplyDropNulls(*s, t, ctx);
  if (auto* s = std::get_if<FillNullsStep>(&rule)) return internal::ApplyFillNulls(*s, t, ctx);
  if (auto* s = std::get_if<DedupStep>(&rule)) return internal::ApplyDedup(*s, t, ctx);
  if (auto* s = std::get_if<ClipOutliersStep>(&rule))
    return internal::ApplyClipOutliers(*s, t, ctx);
  if (auto* s = std::get_if<StringsStep>(&rule)) return internal::ApplyStrings(*s, t, ctx);
  if (auto* s = std::get_if<RangeStep>(&rule)) return internal::ApplyRange(*s, t, ctx);
  if (auto* s = std::get_if<AllowedStep>(&rule)) return internal::ApplyAllowed(*s, t, ctx);
  if (auto* s = std::get_if<NotEmptyStep>(&rule)) return internal::ApplyNotEmpty(*s, t, ctx);
  if (auto* s = std::get_if<MaxLengthStep>(&rule)) return internal::ApplyMaxLength(*s, t, ctx);
  return absl::InternalError("unhandled clean rule");
}

// Keeps the rows not marked in `remove`.
void RemoveRows(WorkingTable& t, const std::vector<uint8_t>& remove) {
  std::vector<int64_t> keep;
  keep.reserve(t.origin.size());
  for (size_t r = 0; r < remove.size(); ++r) {
    if (remove[r] == 0) keep.push_back(static_cast<int64_t>(r));
  }
  if (keep.size() == remove.size()) return;
  for (table::Column& c : t.columns) c = c.Take(keep);
  std::vector<int64_t> origin;
  origin.reserve(keep.size());
  for (int64_t r : keep) origin.push_back(t.origin[static_cast<size_t>(r)]);
  t.origin = std::move(origin);
}

absl::StatusOr<table::Table> QuarantineTable(const std::vector<QuarantineEntry>& entries,
                                             int64_t first_row) {
  table::ColumnBuilder row(table::DataType::kInt64), column(table::DataType::kString),
      rule(table::DataType::kString), reason(table::DataType::kString),
      value(table::DataType::kString);
  for (const QuarantineEntry& e : entries) {
    row.AppendInt64(e.row + first_row);
    column.AppendString(e.column);
    rule.AppendString(e.rule);
    reason.AppendString(e.reason);
    if (e.value) {
      value.AppendString(*e.value);
    } else {
      value.AppendNull();
    }
  }
  using table::DataType;
  table::Schema schema({{"row", DataType::kInt64},
                        {"column", DataType::kString},
                        {"rule", DataType::kString},
                        {"reason", DataType::kString},
                        {"value", DataType::kString}});
  return table::Table::Make(std::move(schema), {row.Finish(), column.Finish(), rule.Finish(),
                                                reason.Finish(), value.Finish()});
}

void AddCounts(const StepReport& s, StepReport& totals) {
  totals.rows_dropped += s.rows_dropped;
  totals.rows_quarantined += s.rows_quarantined;
  totals.values_coerced += s.values_coerced;
  totals.values_filled += s.values_filled;
  totals.values_clipped += s.values_clipped;
  totals.values_changed += s.values_changed;
  totals.values_nulled += s.values_nulled;
  totals.quarantine_entries += s.quarantine_entries;
}

nlohmann::json StepJson(const StepReport& s) {
  nlohmann::json j = {{"rows_in", s.rows_in},
                      {"rows_out", s.rows_out},
                      {"rows_dropped", s.rows_dropped},
                      {"rows_quarantined", s.rows_quarantined},
                      {"values_coerced", s.values_coerced},
                      {"values_filled", s.values_filled},
                      {"values_clipped", s.values_clipped},
                      {"values_changed", s.values_changed},
                      {"values_nulled", s.values_nulled},
                      {"quarantine_entries", s.quarantine_entries}};
  if (s.step > 0) {
    j["step"] = s.step;
    j["rule"] = s.rule;
    if (!s.name.empty()) j["name"] = s.name;
    j["notes"] = s.notes;
  }
  return j;
}

}  // namespace

absl::StatusOr<CleanResult> ApplyCleanSpec(const table::Table& input, const CleanSpec& spec,
                                           const CleanOptions& options) {
  WorkingTable t;
  t.fields = input.schema().fields();
  for (int i = 0; i < input.num_columns(); ++i) t.columns.push_back(input.column(i));
  t.origin.resize(static_cast<size_t>(input.num_rows()));
  for (int64_t r = 0; r < input.num_rows(); ++r) t.origin[static_cast<size_t>(r)] = r;

  std::vector<QuarantineEntry> quarantine;
  CleanReport report;
  report.input_rows = input.num_rows();
  int index = 0;
  for (const CleanStep& step : spec.steps) {
    ++index;
    StepReport s;
    s.step = index;
    s.rule = std::string(CleanRuleName(step.rule));
    s.name = step.name;
    s.rows_in = t.rows();
    StepContext ctx(step, index, t.rows(), quarantine, s);
    RETURN_IF_ERROR(RunStep(step.rule, t, ctx));
    RemoveRows(t, ctx.remove());
    s.rows_out = t.rows();
    AddCounts(s, report.totals);
    report.steps.push_back(std::move(s));
  }
  report.output_rows = t.rows();
  report.totals.rows_in = report.input_rows;
  report.totals.rows_out = report.output_rows;

  CleanResult result;
  ASSIGN_OR_RETURN(result.cleaned,
                   table::Table::Make(table::Schema(std::move(t.fields)), std::move(t.columns)));
  ASSIGN_OR_RETURN(result.quarantine, QuarantineTable(quarantine, options.first_row_number));
  result.report = std::move(report);
  return result;
}

nlohmann::json CleanReportToJson(const CleanReport& report) {
  nlohmann::json steps = nlohmann::json::array();
  for (const StepReport& s : report.steps) steps.push_back(StepJson(s));
  return {{"input_rows", report.input_rows},
          {"output_rows", report.output_rows},
          {"totals", StepJson(report.totals)},
          {"steps", std::move(steps)}};
}

std::string CleanReportToText(const CleanReport& report) {
  auto counts = [](const StepReport& s) {
    std::string out;
    auto add = [&out](int64_t n, const char* what) {
      if (n != 0) absl::StrAppend(&out, out.empty() ? "" : ", ", n, " ", what);
    };
    add(s.rows_dropped, "rows dropped");
    add(s.rows_quarantined, "rows quarantined");
    add(s.values_coerced, "values coerced");
    add(s.values_filled, "values filled");
    add(s.values_clipped, "values clipped");
    add(s.values_changed, "values changed");
    add(s.values_nulled, "values set null");
    add(s.quarantine_entries, "quarantine entries");
    return out.empty() ? std::string("no change") : out;
  };
  std::string out =
      absl::StrCat("clean: ", report.input_rows, " rows in, ", report.output_rows, " rows out\n");
  for (const StepReport& s : report.steps) {
    absl::StrAppend(&out, "  step ", s.step, " ", s.rule);
    if (!s.name.empty()) absl::StrAppend(&out, " '", s.name, "'");
    absl::StrAppend(&out, ": ", s.rows_in, " -> ", s.rows_out, " rows; ", counts(s), "\n");
    for (const std::string& note : s.notes) absl::StrAppend(&out, "      ", note, "\n");
  }
  absl::StrAppend(&out, "  total: ", counts(report.totals), "\n");
  return out;
}

}  // namespace strata::data
