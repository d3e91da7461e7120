#include "strata/data/internal/scalers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "strata/base/strings.h"

namespace strata::data::internal {
namespace {

// Batch: runs `core(x, &y) -> CellOutcome` over a numeric column into float64. The first
// kInvalid is an error naming its row and `invalid` ("is negative").
template <typename Core>
absl::StatusOr<std::vector<table::Column>> MapToFloat(const table::Column& in,
                                                      const std::string& where, Core&& core,
                                                      std::string_view invalid) {
  if (absl::Status s = RequireNumeric(in, where); !s.ok()) return s;
  NumberColumnWriter out(table::DataType::kFloat64, in.size());
  int64_t bad_row = -1;
  double bad_value = 0.0;
  ForEachNumeric(in, [&](int64_t r, NumericCell cell) {
    double y = 0.0;
    const CellOutcome outcome = cell.present ? core(cell.value, &y) : CellOutcome::kNull;
    if (outcome == CellOutcome::kValue) {
      out.Set(r, y);
      return;
    }
    if (outcome == CellOutcome::kInvalid && bad_row < 0) {
      bad_row = r;
      bad_value = cell.value;
    }
    out.SetNull(r);
  });
  if (bad_row >= 0) {
    return Invalid(where, absl::StrCat("row ", bad_row, ": ", Num(bad_value), " ", AsAbsl(invalid)));
  }
  return out.FinishOne();
}

// Row: the same core on one Value.
template <typename Core>
absl::Status MapValueToFloat(const Value& in, const std::string& where, Core&& core,
                             std::string_view invalid, std::vector<Value>* out) {
  absl::StatusOr<NumericCell> cell = NumericOf(in, where);
  if (!cell.ok()) return cell.status();
  double y = 0.0;
  const CellOutcome outcome = cell->present ? core(cell->value, &y) : CellOutcome::kNull;
  if (outcome == CellOutcome::kInvalid) {
    return Invalid(where, absl::StrCat(Num(cell->value), " ", AsAbsl(invalid)));
  }
  if (outcome == CellOutcome::kValue) {
    out->emplace_back(std::in_place_type<double>, y);
  } else {
    out->emplace_back();
  }
  return absl::OkStatus();
}

// The batch and row paths of a number -> float64 transformer, both over the derived class's
// core `CellOutcome ApplyValue(double x, double* y) const` (and `InvalidText()`, what a
// kInvalid means), called without a virtual dispatch per value.
template <typename Derived>
class FloatMap : public ColumnTransform {
 public:
  std::vector<table::Field> OutputFields(const std::string& name) const override {
    return {{name, table::DataType::kFloat64}};
  }
  absl::StatusOr<std::vector<table::Column>> Apply(const table::Column& in,
                                                   const std::string& where) const override {
    const Derived& self = static_cast<const Derived&>(*this);
    return MapToFloat(in, where, [&self](double x, double* y) { return self.ApplyValue(x, y); },
                      self.InvalidText());
  }
  absl::Status ApplyRow(const Value& in, const std::string& where,
                        std::vector<Value>* out) const override {
    const Derived& self = static_cast<const Derived&>(*this);
    return MapValueToFloat(in, where,
                           [&self](double x, double* y) { return self.ApplyValue(x, y); },
                           self.InvalidText(), out);
  }
  std::string InvalidText() const { return ""; }
};

struct Moments {
  int64_t count = 0;
  double mean = 0.0;
  double var = 0.0;  // population variance (ddof = 0)
};

// Two passes with the correction term of Chan, Golub and LeVeque (as scikit-learn does).
Moments ComputeMoments(const table::Column& in) {
  Moments m;
  CompensatedSum sum;
  ForEachNumeric(in, [&](int64_t, NumericCell c) {
    if (!c.present) return;
    ++m.count;
    sum.Add(c.value);
  });
  if (m.count == 0) return m;
  const double n = static_cast<double>(m.count);
  m.mean = sum.value() / n;
  CompensatedSum squares, correction;
  ForEachNumeric(in, [&](int64_t, NumericCell c) {
    if (!c.present) return;
    const double d = c.value - m.mean;
    squares.Add(d * d);
    correction.Add(d);
  });
  m.var = (squares.value() - correction.value() * correction.value() / n) / n;
  if (m.var < 0) m.var = 0;
  return m;
}

class StandardScaler final : public FloatMap<StandardScaler> {
 public:
  StandardScaler(bool with_mean, bool with_std) : with_mean_(with_mean), with_std_(with_std) {}

  std::string_view kind() const override { return "standard_scaler"; }

  // The core: what every value becomes.
  CellOutcome ApplyValue(double x, double* y) const {
    *y = (x - center_) / scale_;
    return CellOutcome::kValue;
  }

  absl::Status Fit(const table::Column& input, const table::Column*,
                   const std::string& where) override {
    if (absl::Status s = RequireNumeric(input, where); !s.ok()) return s;
    const Moments m = ComputeMoments(input);
    if (m.count == 0) return Invalid(where, "no non-null values to learn from");
    if (!std::isfinite(m.mean) || !std::isfinite(m.var)) {
      return Invalid(where, absl::StrCat("non-finite statistics (mean=", Num(m.mean),
                                         ", var=", Num(m.var), ")"));
    }
    count_ = m.count;
    mean_ = m.mean;
    var_ = m.var;
    // scikit-learn's _is_constant_feature: a variance within the two-pass algorithm's error
    // bound of zero is zero, and a zero scale becomes 1.
    const double eps = std::numeric_limits<double>::epsilon();
    const double n = static_cast<double>(count_);
    const double bound = n * eps * var_ + (n * mean_ * eps) * (n * mean_ * eps);
    scale_learned_ = var_ <= bound ? 1.0 : std::sqrt(var_);
    Derive();
    return absl::OkStatus();
  }

  void WriteOptions(Json* step) const override {
    (*step)["with_mean"] = with_mean_;
    (*step)["with_std"] = with_std_;
  }
  Json StateJson() const override {
    return {{"count", count_}, {"mean", mean_}, {"var", var_}, {"scale", scale_learned_}};
  }
  absl::Status LoadState(SpecReader& state) override {
    count_ = state.Int("count", std::nullopt, 1);
    mean_ = state.Number("mean", std::nullopt);
    var_ = state.Number("var", std::nullopt);
    scale_learned_ = state.Number("scale", std::nullopt);
    if (var_ < 0) state.Fail("var", "must not be negative");
    if (!(scale_learned_ > 0)) state.Fail("scale", "must be positive");
    Derive();
    return absl::OkStatus();
  }
  std::string Summary() const override {
    return absl::StrCat("mean=", Num(mean_), " scale=", Num(scale_learned_), " (n=", count_, ")");
  }

 private:
  void Derive() {
    center_ = with_mean_ ? mean_ : 0.0;
    scale_ = with_std_ ? scale_learned_ : 1.0;
  }

  bool with_mean_ = true;
  bool with_std_ = true;
  int64_t count_ = 0;
  double mean_ = 0.0;
  double var_ = 0.0;
  double scale_learned_ = 1.0;
  double center_ = 0.0;
  double scale_ = 1.0;
};

class MinMaxScaler final : public FloatMap<MinMaxScaler> {
 public:
  MinMaxScaler(double low, double high, bool clip) : low_(low), high_(high), clip_(clip) {}

  std::string_view kind() const override { return "min_max_scaler"; }

  // The core, in scikit-learn's order of operations: x * scale + min.
  CellOutcome ApplyValue(double x, double* y) const {
    double v = x * scale_;
    v += min_;
    if (clip_) v = std::min(std::max(v, low_), high_);
    *y = v;
    return CellOutcome::kValue;
  }

  absl::Status Fit(const table::Column& input, const table::Column*,
                   const std::string& where) override {
    if (absl::Status s = RequireNumeric(input, where); !s.ok()) return s;
    bool any = false;
    double lo = 0.0, hi = 0.0;
    ForEachNumeric(input, [&](int64_t, NumericCell c) {
      if (!c.present) return;
      lo = any ? std::min(lo, c.value) : c.value;
      hi = any ? std::max(hi, c.value) : c.value;
      any = true;
    });
    if (!any) return Invalid(where, "no non-null values to learn from");
    if (!std::isfinite(lo) || !std::isfinite(hi)) {
      return Invalid(where, absl::StrCat("non-finite statistics (min=", Num(lo), ", max=", Num(hi), ")"));
    }
    data_min_ = lo;
    data_max_ = hi;
    double range = hi - lo;
    if (range < 10 * std::numeric_limits<double>::epsilon()) range = 1.0;  // _handle_zeros_in_scale
    scale_ = (high_ - low_) / range;
    min_ = low_ - data_min_ * scale_;
    return absl::OkStatus();
  }

  void WriteOptions(Json* step) const override {
    (*step)["feature_range"] = Json::array({low_, high_});
    (*step)["clip"] = clip_;
  }
  Json StateJson() const override {
    return {{"data_min", data_min_}, {"data_max", data_max_}, {"scale", scale_}, {"min", min_}};
  }
  absl::Status LoadState(SpecReader& state) override {
    data_min_ = state.Number("data_min", std::nullopt);
    data_max_ = state.Number("data_max", std::nullopt);
    scale_ = state.Number("scale", std::nullopt);
    min_ = state.Number("min", std::nullopt);
    if (data_max_ < data_min_) state.Fail("data_max", "is below data_min");
    return absl::OkStatus();
  }
  std::string Summary() const override {
    return absl::StrCat("min=", Num(data_min_), " max=", Num(data_max_), " -> [", Num(low_), ", ",
                        Num(high_), "]");
  }

 private:
  double low_ = 0.0;
  double high_ = 1.0;
  bool clip_ = false;
  double data_min_ = 0.0;
  double data_max_ = 0.0;
  double scale_ = 1.0;
  double min_ = 0.0;
};

class LogTransform final : public FloatMap<LogTransform> {
 public:
  LogTransform(bool log1p, double offset, bool invalid_is_null)
      : log1p_(log1p), offset_(offset), invalid_is_null_(invalid_is_null) {}

  std::string_view kind() const override { return "log"; }

  // The core: log1p(x) for x >= 0, or log(x + offset) for x + offset > 0.
  CellOutcome ApplyValue(double x, double* y) const {
    if (log1p_) {
      if (!(x >= 0)) return invalid_is_null_ ? CellOutcome::kNull : CellOutcome::kInvalid;
      *y = std::log1p(x);
    } else {
      const double v = x + offset_;
      if (!(v > 0)) return invalid_is_null_ ? CellOutcome::kNull : CellOutcome::kInvalid;
      *y = std::log(v);
    }
    return CellOutcome::kValue;
  }

  // Nothing to learn; the column's type is checked so a bad spec fails at fit time.
  absl::Status Fit(const table::Column& input, const table::Column*,
                   const std::string& where) override {
    return RequireNumeric(input, where);
  }

  void WriteOptions(Json* step) const override {
    (*step)["base"] = log1p_ ? "log1p" : "log";
    (*step)["offset"] = offset_;
    (*step)["on_invalid"] = invalid_is_null_ ? "null" : "error";
  }
  Json StateJson() const override { return Json::object(); }
  absl::Status LoadState(SpecReader&) override { return absl::OkStatus(); }
  std::string Summary() const override {
    return log1p_ ? "log1p(x)" : absl::StrCat("log(x + ", Num(offset_), ")");
  }

  std::string InvalidText() const {
    return log1p_ ? "is negative (log1p needs x >= 0; on_invalid: null makes it null)"
                  : absl::StrCat("+ offset ", Num(offset_),
                                 " is not positive (on_invalid: null makes it null)");
  }

 private:
  bool log1p_ = true;
  double offset_ = 0.0;
  bool invalid_is_null_ = false;
};

}  // namespace

std::unique_ptr<ColumnTransform> MakeStandardScaler(SpecReader& step) {
  const bool with_mean = step.Bool("with_mean", true);
  const bool with_std = step.Bool("with_std", true);
  return std::make_unique<StandardScaler>(with_mean, with_std);
}

std::unique_ptr<ColumnTransform> MakeMinMaxScaler(SpecReader& step) {
  double low = 0.0, high = 1.0;
  if (step.Has("feature_range")) {
    std::vector<double> range = step.Numbers("feature_range");
    if (range.size() != 2 || !(range[0] < range[1])) {
      step.Fail("feature_range", "expected [low, high] with low < high");
    } else {
      low = range[0];
      high = range[1];
    }
  }
  const bool clip = step.Bool("clip", false);
  return std::make_unique<MinMaxScaler>(low, high, clip);
}

std::unique_ptr<ColumnTransform> MakeLogTransform(SpecReader& step) {
  const std::string base = step.String("base", "log1p", {"log1p", "log"});
  const double offset = step.Number("offset", 0.0);
  if (base == "log1p" && offset != 0.0) step.Fail("offset", "only applies to base 'log'");
  const std::string on_invalid = step.String("on_invalid", "error", {"error", "null"});
  return std::make_unique<LogTransform>(base == "log1p", offset, on_invalid == "null");
}

}  // namespace strata::data::internal
