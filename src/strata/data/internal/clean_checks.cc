// The string rule and the validation rules: strings, range, allowed, not_empty, max_length.
#include <functional>
#include <limits>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/data/internal/clean_steps.h"
#include "strata/io/csv_reader.h"
#include "strata/io/parse_value.h"
#include "strata/table/internal/row_key.h"

namespace strata::data::internal {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// `in` normalised as the step says, into `out` (reused between values).
void Normalise(const StringsStep& step, std::string_view in, std::string& out) {
  if (step.trim) in = TrimAscii(in);
  out.clear();
  if (step.collapse_whitespace) {
    bool in_space = false;
    for (char c : in) {
      if (IsAsciiSpace(c)) {
        if (!in_space) out.push_back(' ');
        in_space = true;
      } else {
        out.push_back(c);
        in_space = false;
      }
    }
  } else {
    out.assign(in);
  }
  if (step.fold == CaseFold::kLower) {
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
  } else if (step.fold == CaseFold::kUpper) {
    for (char& c : out) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
  }
  for (const auto& [from, to] : step.replace) {
    if (out == from) {
      out = to;
      break;
    }
  }
}

// Applies the rejections of a validation rule: the cells of kNull rejects become null.
void NullRejected(WorkingTable& t, int ci, const std::vector<uint8_t>& set_null, bool any) {
  if (!any) return;
  t.columns[static_cast<size_t>(ci)] = WithNulls(t.columns[static_cast<size_t>(ci)], set_null);
}

// Runs `violation(column, row)` (empty string = fine, else the reason) over every row of
// each named column and rejects per `on_error`.
template <typename Check>
absl::Status RejectViolations(const std::vector<std::string>& columns, OnError on_error,
                              WorkingTable& t, StepContext& ctx, const Check& violation) {
  for (const std::string& name : columns) {
    absl::StatusOr<int> ci = ctx.Find(t, name);
    if (!ci.ok()) return ci.status();
    absl::StatusOr<std::function<std::string(int64_t)>> check = violation(name, *ci);
    if (!check.ok()) return check.status();
    std::vector<uint8_t> set_null(static_cast<size_t>(t.rows()), 0);
    bool any = false;
    for (int64_t r = 0; r < t.rows(); ++r) {
      std::string reason = (*check)(r);
      if (reason.empty()) continue;
      ctx.Reject(t, r, *ci, std::move(reason), on_error);
      if (on_error == OnError::kNull) set_null[static_cast<size_t>(r)] = 1;
      any = true;
    }
    NullRejected(t, *ci, set_null, any && on_error == OnError::kNull);
  }
  return absl::OkStatus();
}

// A bound or allowed value written in the spec, read as the column's type.
bool ParseAs(DataType type, std::string_view text, double* number, int64_t* integer) {
  switch (type) {
    case DataType::kInt64:
      if (io::ParseInt64(text, integer)) {
        *number = static_cast<double>(*integer);
        return true;
      }
      return io::ParseFloat64(text, number);
    case DataType::kFloat64:
      return io::ParseFloat64(text, number);
    case DataType::kTimestamp:
      if (!io::ParseTimestampMicros(text, integer)) return false;
      *number = static_cast<double>(*integer);
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::Status ApplyStrings(const StringsStep& step, WorkingTable& t, StepContext& ctx) {
  for (const std::string& name : step.columns) {
    absl::StatusOr<int> ci = ctx.Find(t, name);
    if (!ci.ok()) return ci.status();
    const Column& c = t.columns[static_cast<size_t>(*ci)];
    if (!c.IsStringLike()) {
      return ctx.ColumnError(name,
                             absl::StrCat("string rules need a string or category column, not ",
                                          AsAbsl(table::DataTypeName(c.type()))));
    }
    ColumnBuilder b(c.type());
    b.Reserve(c.size());
    std::string value;
    int64_t changed = 0;
    for (int64_t r = 0; r < c.size(); ++r) {
      if (c.IsNull(r)) {
        b.AppendNull();
        continue;
      }
      const std::string_view in = c.StringAt(r);
      Normalise(step, in, value);
      changed += value != in ? 1 : 0;
      b.AppendString(value);
    }
    t.columns[static_cast<size_t>(*ci)] = b.Finish();
    ctx.report().values_changed += changed;
  }
  return absl::OkStatus();
}

absl::Status ApplyRange(const RangeStep& step, WorkingTable& t, StepContext& ctx) {
  return RejectViolations(
      step.columns, step.on_error, t, ctx,
      [&](const std::string& name, int ci) -> absl::StatusOr<std::function<std::string(int64_t)>> {
        const Column& c = t.columns[static_cast<size_t>(ci)];
        const DataType type = c.type();
        if (type != DataType::kInt64 && type != DataType::kFloat64 &&
            type != DataType::kTimestamp) {
          return ctx.ColumnError(
              name, absl::StrCat("range needs an int64, float64 or timestamp column, not ",
                                 AsAbsl(table::DataTypeName(type))));
        }
        double lo = -std::numeric_limits<double>::infinity();
        double hi = std::numeric_limits<double>::infinity();
        int64_t unused = 0;
        if (step.min && !ParseAs(type, *step.min, &lo, &unused)) {
          return ctx.ColumnError(name, absl::StrCat("min '", *step.min, "' is not a ",
                                                    AsAbsl(table::DataTypeName(type)), " bound"));
        }
        if (step.max && !ParseAs(type, *step.max, &hi, &unused)) {
          return ctx.ColumnError(name, absl::StrCat("max '", *step.max, "' is not a ",
                                                    AsAbsl(table::DataTypeName(type)), " bound"));
        }
        const std::string bounds = absl::StrCat("[", step.min ? *step.min : "-inf", ", ",
                                                step.max ? *step.max : "inf", "]");
        return std::function<std::string(int64_t)>([&c, lo, hi, bounds](int64_t r) -> std::string {
          if (IsMissing(c, r)) return "";
          const double v =
              c.type() == DataType::kFloat64 ? c.Float64s()[r] : static_cast<double>(c.Int64s()[r]);
          if (v >= lo && v <= hi) return "";
          return absl::StrCat(io::FormatCell(c, r), " is outside ", bounds);
        });
      });
}

absl::Status ApplyAllowed(const AllowedStep& step, WorkingTable& t, StepContext& ctx) {
  absl::flat_hash_set<std::string> keys;
  return RejectViolations(
      step.columns, step.on_error, t, ctx,
      [&](const std::string& name, int ci) -> absl::StatusOr<std::function<std::string(int64_t)>> {
        const Column& c = t.columns[static_cast<size_t>(ci)];
        // The allowed values become one-row columns of the column's type, so that the same
        // row-key encoding compares them with the cells (a float64 1 equals "1.0").
        keys.clear();
        std::string shown;
        for (const std::string& v : step.values) {
          ColumnBuilder b(c.type());
          bool ok = true;
          int64_t i = 0;
          double d = 0;
          bool flag = false;
          switch (c.type()) {
            case DataType::kString:
            case DataType::kCategory:
              b.AppendString(v);
              break;
            case DataType::kInt64:
              ok = io::ParseInt64(v, &i);
              if (ok) b.AppendInt64(i);
              break;
            case DataType::kTimestamp:
              ok = io::ParseTimestampMicros(v, &i);
              if (ok) b.AppendInt64(i);
              break;
            case DataType::kFloat64:
              ok = io::ParseFloat64(v, &d);
              if (ok) b.AppendFloat64(d);
              break;
            case DataType::kBool:
              ok = io::ParseBool(v, &flag);
              if (ok) b.AppendBool(flag);
              break;
          }
          if (!ok) {
            return ctx.ColumnError(name, absl::StrCat("the allowed value '", v, "' is not a ",
                                                      AsAbsl(table::DataTypeName(c.type()))));
          }
          std::string key;
          table::internal::AppendRowKey(b.Finish(), 0, key);
          keys.insert(std::move(key));
          absl::StrAppend(&shown, shown.empty() ? "" : ", ", v);
        }
        return std::function<std::string(int64_t)>([&c, &keys, shown](int64_t r) -> std::string {
          if (IsMissing(c, r)) return "";
          std::string key;
          table::internal::AppendRowKey(c, r, key);
          if (keys.contains(key)) return "";
          return absl::StrCat("'", io::FormatCell(c, r), "' is not one of [", shown, "]");
        });
      });
}

absl::Status ApplyNotEmpty(const NotEmptyStep& step, WorkingTable& t, StepContext& ctx) {
  return RejectViolations(
      step.columns, step.on_error, t, ctx,
      [&](const std::string&, int ci) -> absl::StatusOr<std::function<std::string(int64_t)>> {
        const Column& c = t.columns[static_cast<size_t>(ci)];
        return std::function<std::string(int64_t)>([&c](int64_t r) -> std::string {
          if (IsMissing(c, r)) return "null";
          if (c.IsStringLike() && TrimAscii(c.StringAt(r)).empty()) return "empty or blank string";
          return "";
        });
      });
}

absl::Status ApplyMaxLength(const MaxLengthStep& step, WorkingTable& t, StepContext& ctx) {
  return RejectViolations(
      step.columns, step.on_error, t, ctx,
      [&](const std::string& name, int ci) -> absl::StatusOr<std::function<std::string(int64_t)>> {
        const Column& c = t.columns[static_cast<size_t>(ci)];
        if (!c.IsStringLike()) {
          return ctx.ColumnError(name,
                                 absl::StrCat("max_length needs a string or category column, not ",
                                              AsAbsl(table::DataTypeName(c.type()))));
        }
        const int64_t max = step.max;
        return std::function<std::string(int64_t)>([&c, max](int64_t r) -> std::string {
          if (c.IsNull(r)) return "";
          // Characters, as pandas' str.len(): UTF-8 bytes that do not continue a sequence.
          int64_t length = 0;
          for (char ch : c.StringAt(r))
            length += (static_cast<unsigned char>(ch) & 0xC0) != 0x80 ? 1 : 0;
          if (length <= max) return "";
          return absl::StrCat(length, " characters, more than ", max);
        });
      });
}

}  // namespace strata::data::internal
