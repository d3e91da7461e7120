// The structural and numeric rules: coerce, drop_nulls, fill_nulls, dedup, clip_outliers.
#include "strata/data/internal/clean_steps.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"
#include "strata/io/csv_reader.h"
#include "strata/io/parse_value.h"
#include "strata/table/internal/row_key.h"

namespace strata::data::internal {
namespace {

using table::Column;
using table::ColumnBuilder;
using table::DataType;

std::string TypeWithArticle(DataType type) {
  switch (type) {
    case DataType::kInt64:
      return "an int64";
    case DataType::kFloat64:
      return "a float64";
    case DataType::kBool:
      return "a bool (true/false)";
    case DataType::kTimestamp:
      return "a timestamp (ISO 8601)";
    case DataType::kString:
      return "a string";
    case DataType::kCategory:
      return "a category";
  }
  return "a value";
}

// Appends `text` read as `type` to `b`; false when it does not parse.
bool AppendParsed(std::string_view text, DataType type, const std::string& format,
                  ColumnBuilder& b) {
  switch (type) {
    case DataType::kString:
    case DataType::kCategory:
      b.AppendString(text);
      return true;
    default:
      break;
  }
  const std::string_view trimmed = TrimAscii(text);
  switch (type) {
    case DataType::kInt64: {
      int64_t v = 0;
      if (!io::ParseInt64(trimmed, &v)) return false;
      b.AppendInt64(v);
      return true;
    }
    case DataType::kFloat64: {
      double v = 0;
      if (!io::ParseFloat64(trimmed, &v)) return false;
      b.AppendFloat64(v);
      return true;
    }
    case DataType::kBool: {
      bool v = false;
      if (!io::ParseBool(trimmed, &v)) return false;
      b.AppendBool(v);
      return true;
    }
    case DataType::kTimestamp: {
      int64_t v = 0;
      const bool ok = format.empty() ? io::ParseTimestampMicros(trimmed, &v)
                                     : ParseTimestampWithFormat(trimmed, format, &v);
      if (!ok) return false;
      b.AppendInt64(v);
      return true;
    }
    default:
      return false;
  }
}

// A rounded bound as an int64, saturating; NaN (from infinite values) means no bound.
int64_t IntBound(double rounded, int64_t if_nan) {
  if (std::isnan(rounded)) return if_nan;
  if (rounded >= 9.2e18) return std::numeric_limits<int64_t>::max();
  if (rounded <= -9.2e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(rounded);
}

bool IsNumeric(DataType t) { return t == DataType::kInt64 || t == DataType::kFloat64; }

// Non-missing values of a numeric or timestamp column as doubles.
std::vector<double> PresentValues(const Column& c) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(c.size() - c.null_count()));
  for (int64_t r = 0; r < c.size(); ++r) {
    if (IsMissing(c, r)) continue;
    out.push_back(c.type() == DataType::kFloat64 ? c.Float64s()[r]
                                                 : static_cast<double>(c.Int64s()[r]));
  }
  return out;
}

// The value a fill writes, in the column's type.
struct FillValue {
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

std::string FillValueText(DataType type, const FillValue& v) {
  switch (type) {
    case DataType::kBool:
      return v.b ? "true" : "false";
    case DataType::kInt64:
      return std::to_string(v.i);
    case DataType::kTimestamp:
      return io::FormatTimestampMicros(v.i);
    case DataType::kFloat64:
      return FormatDouble(v.d);
    default:
      return absl::StrCat("'", v.s, "'");
  }
}

absl::StatusOr<FillValue> ConstantFill(const FillColumn& spec, DataType type,
                                       const StepContext& ctx) {
  FillValue v;
  bool ok = true;
  switch (type) {
    case DataType::kBool:
      ok = io::ParseBool(spec.value, &v.b);
      break;
    case DataType::kInt64:
      ok = io::ParseInt64(spec.value, &v.i);
      break;
    case DataType::kFloat64:
      ok = io::ParseFloat64(spec.value, &v.d);
      break;
    case DataType::kTimestamp:
      ok = io::ParseTimestampMicros(spec.value, &v.i);
      break;
    case DataType::kString:
    case DataType::kCategory:
      v.s = spec.value;
      break;
  }
  if (!ok) {
    return ctx.ColumnError(
        spec.column, absl::StrCat("the fill value '", spec.value, "' (spec line ", spec.where.line,
                                  ") is not ", TypeWithArticle(type)));
  }
  return v;
}

// The most frequent present value; ties go to the smallest, as pandas' mode()[0].
std::optional<FillValue> ModeFill(const Column& c) {
  FillValue v;
  int64_t best = 0;
  switch (c.type()) {
    case DataType::kBool: {
      int64_t counts[2] = {0, 0};
      for (int64_t r = 0; r < c.size(); ++r) {
        if (!c.IsNull(r)) ++counts[c.Bools()[r] != 0 ? 1 : 0];
      }
      if (counts[0] + counts[1] == 0) return std::nullopt;
      v.b = counts[1] > counts[0];
      return v;
    }
    case DataType::kInt64:
    case DataType::kTimestamp: {
      absl::flat_hash_map<int64_t, int64_t> counts;
      for (int64_t r = 0; r < c.size(); ++r) {
        if (!c.IsNull(r)) ++counts[c.Int64s()[r]];
      }
      if (counts.empty()) return std::nullopt;
      for (const auto& [value, n] : counts) {
        if (n > best || (n == best && value < v.i)) {
          best = n;
          v.i = value;
        }
      }
      return v;
    }
    case DataType::kFloat64: {
      absl::flat_hash_map<double, int64_t> counts;
      for (int64_t r = 0; r < c.size(); ++r) {
        if (!IsMissing(c, r)) ++counts[c.Float64s()[r] + 0.0];  // -0.0 counts as 0.0
      }
      if (counts.empty()) return std::nullopt;
      for (const auto& [value, n] : counts) {
        if (n > best || (n == best && value < v.d)) {
          best = n;
          v.d = value;
        }
      }
      return v;
    }
    case DataType::kString:
    case DataType::kCategory: {
      absl::flat_hash_map<std::string_view, int64_t> counts;
      for (int64_t r = 0; r < c.size(); ++r) {
        if (!c.IsNull(r)) ++counts[c.StringAt(r)];
      }
      if (counts.empty()) return std::nullopt;
      std::string_view winner;
      for (const auto& [value, n] : counts) {
        if (n > best || (n == best && value < winner)) {
          best = n;
          winner = value;
        }
      }
      v.s = std::string(winner);
      return v;
    }
  }
  return std::nullopt;
}

// Mean or median of a numeric/timestamp column, or nullopt when it has no present values.
// int64 and timestamp columns keep their type: the statistic is rounded half to even.
absl::StatusOr<std::optional<FillValue>> StatisticFill(const FillColumn& spec, const Column& c,
                                                       const StepContext& ctx) {
  const char* what = spec.strategy == FillStrategy::kMean ? "mean" : "median";
  if (!IsNumeric(c.type()) && c.type() != DataType::kTimestamp) {
    return ctx.ColumnError(spec.column, absl::StrCat("a ", what,
                                                     " fill needs an int64, float64 or "
                                                     "timestamp column, not ",
                                                     AsAbsl(table::DataTypeName(c.type()))));
  }
  std::vector<double> values = PresentValues(c);
  if (values.empty()) return std::optional<FillValue>();
  double stat = 0;
  if (spec.strategy == FillStrategy::kMean) {
    long double sum = 0;
    for (double x : values) sum += x;
    stat = static_cast<double>(sum / static_cast<long double>(values.size()));
  } else {
    stat = LinearQuantile(values, 0.5);
  }
  FillValue v;
  v.d = stat;
  v.i = static_cast<int64_t>(std::nearbyint(stat));
  return std::optional<FillValue>(v);
}

Column FilledColumn(const Column& c, const FillValue& v, int64_t* filled) {
  ColumnBuilder b(c.type());
  b.Reserve(c.size());
  for (int64_t r = 0; r < c.size(); ++r) {
    const bool missing = IsMissing(c, r);
    *filled += missing ? 1 : 0;
    switch (c.type()) {
      case DataType::kBool:
        b.AppendBool(missing ? v.b : c.Bools()[r] != 0);
        break;
      case DataType::kInt64:
      case DataType::kTimestamp:
        b.AppendInt64(missing ? v.i : c.Int64s()[r]);
        break;
      case DataType::kFloat64:
        b.AppendFloat64(missing ? v.d : c.Float64s()[r]);
        break;
      case DataType::kString:
      case DataType::kCategory:
        b.AppendString(missing ? std::string_view(v.s) : c.StringAt(r));
        break;
    }
  }
  return b.Finish();
}

}  // namespace

absl::Status ApplyCoerce(const CoerceStep& step, WorkingTable& t, StepContext& ctx) {
  std::vector<int> index;
  for (const CoerceColumn& c : step.columns) {
    absl::StatusOr<int> i = ctx.Find(t, c.column);
    if (!i.ok()) return i.status();
    index.push_back(*i);
  }
  std::vector<int> converted;
  for (size_t k = 0; k < step.columns.size(); ++k) {
    const CoerceColumn& spec = step.columns[k];
    const int ci = index[k];
    const Column& src = t.columns[static_cast<size_t>(ci)];
    if (src.type() == spec.type) continue;
    std::optional<Column> out;
    if (src.type() == DataType::kString && spec.type == DataType::kCategory) {
      absl::StatusOr<Column> c = src.ToCategory();
      if (!c.ok()) return c.status();
      out = std::move(*c);
    } else if (src.type() == DataType::kCategory && spec.type == DataType::kString) {
      absl::StatusOr<Column> c = src.ToStrings();
      if (!c.ok()) return c.status();
      out = std::move(*c);
    } else {
      // Every source is read as text (strings as they are, other types as FormatCell writes
      // them), so a float64 3.0 becomes the int64 3 and 3.5 is rejected, never truncated.
      ColumnBuilder b(spec.type);
      b.Reserve(src.size());
      std::string scratch;
      std::vector<uint8_t> failed;
      for (int64_t r = 0; r < src.size(); ++r) {
        if (src.IsNull(r)) {
          b.AppendNull();
          continue;
        }
        std::string_view text;
        if (src.IsStringLike()) {
          text = src.StringAt(r);
        } else {
          scratch.clear();
          io::AppendCell(src, r, scratch);
          text = scratch;
        }
        if (AppendParsed(text, spec.type, spec.format, b)) continue;
        b.AppendNull();
        std::string reason =
            absl::StrCat("'", AsAbsl(text), "' is not ", TypeWithArticle(spec.type));
        if (!spec.format.empty()) {
          reason = absl::StrCat("'", AsAbsl(text), "' does not match the timestamp format '",
                                spec.format, "'");
        }
        ctx.Reject(t, r, ci, std::move(reason), spec.on_error);
      }
      out = b.Finish();
    }
    t.columns[static_cast<size_t>(ci)] = std::move(*out);
    t.fields[static_cast<size_t>(ci)].type = spec.type;
    converted.push_back(ci);
  }
  // Counted once the step's removals are known: a value in a quarantined row is not output.
  const std::vector<uint8_t>& remove = ctx.remove();
  for (int ci : converted) {
    const Column& c = t.columns[static_cast<size_t>(ci)];
    for (int64_t r = 0; r < c.size(); ++r) {
      if (remove[static_cast<size_t>(r)] == 0 && !c.IsNull(r)) ++ctx.report().values_coerced;
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyDropNulls(const DropNullsStep& step, WorkingTable& t, StepContext& ctx) {
  absl::StatusOr<std::vector<int>> index = ctx.FindAll(t, step.columns);
  if (!index.ok()) return index.status();
  for (int64_t r = 0; r < t.rows(); ++r) {
    for (int ci : *index) {
      if (IsMissing(t.columns[static_cast<size_t>(ci)], r)) {
        ctx.Drop(r);
        break;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyFillNulls(const FillNullsStep& step, WorkingTable& t, StepContext& ctx) {
  for (const FillColumn& spec : step.columns) {
    absl::StatusOr<int> ci = ctx.Find(t, spec.column);
    if (!ci.ok()) return ci.status();
    const Column& c = t.columns[static_cast<size_t>(*ci)];
    std::optional<FillValue> value;
    std::string how;
    switch (spec.strategy) {
      case FillStrategy::kValue: {
        absl::StatusOr<FillValue> v = ConstantFill(spec, c.type(), ctx);
        if (!v.ok()) return v.status();
        value = std::move(*v);
        how = "the constant";
        break;
      }
      case FillStrategy::kMean:
      case FillStrategy::kMedian: {
        absl::StatusOr<std::optional<FillValue>> v = StatisticFill(spec, c, ctx);
        if (!v.ok()) return v.status();
        value = std::move(*v);
        how = spec.strategy == FillStrategy::kMean ? "the mean" : "the median";
        if (value && c.type() != DataType::kFloat64) {
          absl::StrAppend(&how, " ", FormatDouble(value->d), " rounded to");
        }
        break;
      }
      case FillStrategy::kMode:
        value = ModeFill(c);
        how = "the mode";
        break;
    }
    if (!value) {
      ctx.report().notes.push_back(absl::StrCat(spec.column, ": no values to compute ", how,
                                                " from; nulls left as they are"));
      continue;
    }
    int64_t filled = 0;
    Column out = FilledColumn(c, *value, &filled);
    ctx.report().values_filled += filled;
    ctx.report().notes.push_back(absl::StrCat(spec.column, ": ", filled, " filled with ", how, " ",
                                              FillValueText(c.type(), *value)));
    t.columns[static_cast<size_t>(*ci)] = std::move(out);
  }
  return absl::OkStatus();
}

absl::Status ApplyDedup(const DedupStep& step, WorkingTable& t, StepContext& ctx) {
  absl::StatusOr<std::vector<int>> index = ctx.FindAll(t, step.keys);
  if (!index.ok()) return index.status();
  absl::flat_hash_set<std::string> seen;
  seen.reserve(static_cast<size_t>(t.rows()));
  std::string key;
  const int64_t n = t.rows();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = step.keep == DedupKeep::kFirst ? i : n - 1 - i;
    key.clear();
    for (int ci : *index) table::internal::AppendRowKey(t.columns[static_cast<size_t>(ci)], r, key);
    if (!seen.insert(key).second) ctx.Drop(r);
  }
  return absl::OkStatus();
}

absl::Status ApplyClipOutliers(const ClipOutliersStep& step, WorkingTable& t, StepContext& ctx) {
  struct Bounds {
    int ci = 0;
    double lower = 0;
    double upper = 0;
    std::string why;  // "IQR bounds [..] (Q1 .., Q3 .., k ..)"
  };
  std::vector<Bounds> all;
  // Every column's bounds come from the step's input, before any row is removed.
  for (const std::string& name : step.columns) {
    absl::StatusOr<int> ci = ctx.Find(t, name);
    if (!ci.ok()) return ci.status();
    const Column& c = t.columns[static_cast<size_t>(*ci)];
    if (!IsNumeric(c.type())) {
      return ctx.ColumnError(name, absl::StrCat("outliers need an int64 or float64 column, not ",
                                                AsAbsl(table::DataTypeName(c.type()))));
    }
    std::vector<double> values = PresentValues(c);
    Bounds b;
    b.ci = *ci;
    if (step.method == OutlierMethod::kIqr) {
      if (values.empty()) {
        ctx.report().notes.push_back(absl::StrCat(name, ": no values, no IQR bounds"));
        continue;
      }
      const double q1 = LinearQuantile(values, 0.25);
      const double q3 = LinearQuantile(values, 0.75);
      b.lower = q1 - step.k * (q3 - q1);
      b.upper = q3 + step.k * (q3 - q1);
      b.why = absl::StrCat("IQR bounds [", FormatDouble(b.lower), ", ", FormatDouble(b.upper),
                           "] (Q1 ", FormatDouble(q1), ", Q3 ", FormatDouble(q3), ", k ",
                           FormatDouble(step.k), ")");
    } else {
      if (values.size() < 2) {
        ctx.report().notes.push_back(
            absl::StrCat(name, ": fewer than 2 values, no z-score bounds"));
        continue;
      }
      long double sum = 0;
      for (double x : values) sum += x;
      const double mean = static_cast<double>(sum / static_cast<long double>(values.size()));
      long double squares = 0;
      for (double x : values) squares += static_cast<long double>(x - mean) * (x - mean);
      const double sd =
          std::sqrt(static_cast<double>(squares / static_cast<long double>(values.size() - 1)));
      b.lower = mean - step.threshold * sd;
      b.upper = mean + step.threshold * sd;
      b.why = absl::StrCat("z-score bounds [", FormatDouble(b.lower), ", ", FormatDouble(b.upper),
                           "] (mean ", FormatDouble(mean), ", std ", FormatDouble(sd),
                           ", threshold ", FormatDouble(step.threshold), ")");
    }
    all.push_back(std::move(b));
  }
  for (const Bounds& b : all) {
    const Column& c = t.columns[static_cast<size_t>(b.ci)];
    const std::string& name = t.fields[static_cast<size_t>(b.ci)].name;
    int64_t outliers = 0;
    const bool is_int = c.type() == DataType::kInt64;
    // An int64 column stays int64: its bounds are rounded inward.
    const int64_t lower_i = IntBound(std::ceil(b.lower), std::numeric_limits<int64_t>::min());
    const int64_t upper_i = IntBound(std::floor(b.upper), std::numeric_limits<int64_t>::max());
    ColumnBuilder out(c.type());
    if (step.action == OutlierAction::kClip) out.Reserve(c.size());
    for (int64_t r = 0; r < c.size(); ++r) {
      const bool missing = IsMissing(c, r);
      const double v =
          missing ? 0 : (is_int ? static_cast<double>(c.Int64s()[r]) : c.Float64s()[r]);
      const bool low = !missing && v < b.lower;
      const bool high = !missing && v > b.upper;
      if (low || high) ++outliers;
      if (step.action == OutlierAction::kQuarantineRow) {
        if (low || high) {
          ctx.Reject(
              t, r, b.ci,
              absl::StrCat(io::FormatCell(c, r), " is ", low ? "below" : "above", " the ", b.why),
              OnError::kQuarantineRow);
        }
        continue;
      }
      if (c.IsNull(r)) {
        out.AppendNull();
      } else if (is_int) {
        out.AppendInt64(low ? lower_i : high ? upper_i : c.Int64s()[r]);
      } else {
        out.AppendFloat64(low ? b.lower : high ? b.upper : c.Float64s()[r]);
      }
    }
    if (step.action == OutlierAction::kClip) {
      t.columns[static_cast<size_t>(b.ci)] = out.Finish();
      ctx.report().values_clipped += outliers;
    }
    ctx.report().notes.push_back(absl::StrCat(name, ": ", b.why, "; ", outliers, " outside"));
  }
  return absl::OkStatus();
}

}  // namespace strata::data::internal
